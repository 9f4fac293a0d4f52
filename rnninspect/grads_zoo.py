"""Per-step gradients for the built-in models, in both dialects."""

from __future__ import annotations

from typing import Any

from rnninspect.grads import (
    GradientReport,
    gradients_in_graph,
    random_feed,
    report_from,
    synthetic_loss,
)
from rnninspect.sources import LoadOptions


def zoo_gradients(spec: str, options: LoadOptions, seed: int = 0) -> GradientReport:
    from rnninspect import zoo

    entry = zoo.get(spec)
    dialect = entry.check_dialect(options.dialect)
    config = entry.config(options.config, options.overrides())
    request = (entry.name, entry.family, entry.variant, config, seed)
    if dialect == "legacy":
        from rnninspect import legacy_worker

        report: GradientReport = legacy_worker.call(
            "call", ("rnninspect.grads_zoo", "legacy_gradients", request))
        return report
    return keras_gradients(*request)


def legacy_gradients(name: str, family: str, variant: str, config: Any, seed: int
                     ) -> GradientReport:
    """Runs in the TF1 worker: the seed's graph, a loss, tf.gradients, one Session run."""
    import numpy as np
    import tensorflow as tf

    from rnninspect.analysis.analyze import analyze_with_reads
    from rnninspect.trace import trace_graph
    from rnninspect.zoo import legacy

    built = (legacy.build_ptb if family == "ptb" else legacy.build_mnist)(config, variant, seed)
    graph = built.graph
    with graph.as_default():
        logits = graph.get_tensor_by_name(f"{built.outputs[0]}:0")
        loss = synthetic_loss(tf, logits, seed)
    traced = trace_graph(graph, built.inputs, [loss.op.name], model=name, dialect="legacy",
                         config=config.as_pairs())
    inspection, reads = analyze_with_reads(traced)
    with graph.as_default():
        labels, norms, summed = gradients_in_graph(tf, loss, graph, reads)
        by_name = {v.op.name: v for v in tf.compat.v1.trainable_variables()}
        totals = {n: tf.norm(tf.gradients(loss, by_name[n])[0]) for n in summed if n in by_name}
        init = tf.compat.v1.global_variables_initializer()
    rng = np.random.default_rng(seed)
    vocab = getattr(config, "vocab_size", 2)
    feed = {graph.get_tensor_by_name(f"{n}:0"): random_feed(
        np, graph.get_tensor_by_name(f"{n}:0"), rng, vocab) for n in built.inputs}
    with tf.compat.v1.Session(graph=graph) as session:
        session.run(init)
        loss_value, values, sums, direct = session.run([loss, norms, summed, totals], feed)
    return report_from(inspection, float(loss_value), labels, list(values), sums, direct)


def keras_gradients(name: str, family: str, variant: str, config: Any, seed: int
                    ) -> GradientReport:
    """Keras 3: the same, inside one tf.function trace (the reads are ops of its graph)."""
    from rnninspect._tf import import_keras_for_tracing

    keras = import_keras_for_tracing()
    import numpy as np
    import tensorflow as tf

    from rnninspect.analysis.analyze import analyze_with_reads
    from rnninspect.graphspec import GraphSpec
    from rnninspect.trace import Traced, captured_variables, graph_spec_from_graph_def
    from rnninspect.zoo import keras_models

    keras.utils.set_random_seed(seed)
    model = (keras_models.build_ptb if family == "ptb" else keras_models.build_mnist)(
        config, variant)
    rng = np.random.default_rng(seed)
    if family == "ptb":
        x = rng.integers(0, config.vocab_size, (config.batch_size, config.num_steps), "int32")
    else:
        x = rng.standard_normal((config.batch_size, config.num_steps, config.n_input), "float32")
    found: dict[str, Any] = {}

    @tf.function  # type: ignore[untyped-decorator]
    def run(inputs: Any) -> Any:
        out = model(inputs, training=False)
        logits = out[0] if family == "ptb" else out
        loss = synthetic_loss(tf, logits, seed)
        graph = tf.compat.v1.get_default_graph()
        table, _ = captured_variables(graph, model.variables)
        spec: GraphSpec = graph_spec_from_graph_def(graph.as_graph_def(add_shapes=True))
        traced = Traced(name, "keras", config.as_pairs(), spec, table, [], [loss.op.name])
        inspection, reads = analyze_with_reads(traced)
        labels, norms, summed = gradients_in_graph(tf, loss, graph, reads)
        found.update(inspection=inspection, labels=labels)
        return loss, norms, summed

    loss_value, norms, summed = run(tf.constant(x))
    by_name = {v.path: v for v in model.trainable_variables}
    with tf.GradientTape() as tape:  # the framework's own gradient of each weight
        out = model(tf.constant(x), training=False)
        loss = synthetic_loss(tf, out[0] if family == "ptb" else out, seed)
    names = [n for n in summed if n in by_name]
    direct = tape.gradient(loss, [by_name[n].value for n in names])
    totals = {n: float(tf.norm(g)) for n, g in zip(names, direct, strict=True)}
    return report_from(found["inspection"], float(loss_value), found["labels"],
                       [float(n) for n in norms], {k: float(v) for k, v in summed.items()},
                       totals)
