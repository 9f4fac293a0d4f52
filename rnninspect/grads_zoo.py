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

    if spec not in zoo.MODELS and (":" in spec or "/" in spec):
        return user_gradients(spec, seed)
    entry = zoo.get(spec)
    dialect = entry.check_dialect(options.dialect)
    config = entry.config(options.config, options.overrides())
    request = (entry.name, entry.family, entry.variant, config, seed)
    if dialect == "legacy":
        from rnninspect.tf import worker as legacy_worker

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
    from rnninspect.tf.trace import trace_graph
    from rnninspect.zoo import legacy

    if family == "contrast":
        from rnninspect.zoo.contrast import build_legacy

        built = build_legacy(variant, config, seed)
    else:
        built = (legacy.build_ptb if family == "ptb" else legacy.build_mnist)(config, variant,
                                                                              seed)
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
    """A built-in model in Keras 3: the generic path with the family's input signature."""
    from rnninspect.tf.imports import import_keras_for_tracing

    keras = import_keras_for_tracing()
    import tensorflow as tf

    from rnninspect.zoo import keras_models

    keras.utils.set_random_seed(seed)
    if family == "contrast":
        from rnninspect.zoo.contrast import build_keras

        model, contrast_signature = build_keras(variant, config)
        return model_gradients(model, contrast_signature, name, config.as_pairs(), seed)
    model = (keras_models.build_ptb if family == "ptb" else keras_models.build_mnist)(
        config, variant)
    if family == "ptb":
        signature = [tf.TensorSpec([config.batch_size, config.num_steps], tf.int32)]
    else:
        signature = [tf.TensorSpec([config.batch_size, config.num_steps, config.n_input])]
    vocab = getattr(config, "vocab_size", 2)
    return model_gradients(model, signature, name, config.as_pairs(), seed, int_high=vocab)


def model_gradients(model: Any, signature: list[Any], name: str,
                    config: tuple[tuple[str, Any], ...], seed: int, int_high: int = 2
                    ) -> GradientReport:
    """Any Keras 3 model: the forward pass, a loss and the per-step gradients are traced in
    one tf.function, so the reads the analysis finds are ops of the graph being built."""
    import numpy as np
    import tensorflow as tf

    from rnninspect.analysis.analyze import analyze_with_reads
    from rnninspect.graph import GraphSpec, Traced
    from rnninspect.tf.trace import captured_variables, graph_spec_from_graph_def

    rng = np.random.default_rng(seed)
    inputs = [tf.constant(random_feed(np, spec, rng, int_high)) for spec in signature]
    found: dict[str, Any] = {}

    def logits_of(out: Any) -> Any:
        return out[0] if isinstance(out, (tuple, list)) else out

    @tf.function  # type: ignore[untyped-decorator]
    def run(*args: Any) -> Any:
        loss = synthetic_loss(tf, logits_of(model(*args, training=False)), seed)
        graph = tf.compat.v1.get_default_graph()
        table, _ = captured_variables(graph, model.variables)
        spec: GraphSpec = graph_spec_from_graph_def(graph.as_graph_def(add_shapes=True))
        traced = Traced(name, "keras", config, spec, tuple(table), (), (loss.op.name,))
        inspection, reads = analyze_with_reads(traced)
        labels, norms, summed = gradients_in_graph(tf, loss, graph, reads)
        found.update(inspection=inspection, labels=labels)
        return loss, norms, summed

    loss_value, norms, summed = run(*inputs)
    by_name = {v.path: v for v in model.trainable_variables}
    with tf.GradientTape() as tape:  # the framework's own gradient of each weight
        loss = synthetic_loss(tf, logits_of(model(*inputs, training=False)), seed)
    names = [n for n in summed if n in by_name]
    direct = tape.gradient(loss, [by_name[n].value for n in names])
    totals = {n: float(tf.norm(g)) for n, g in zip(names, direct, strict=True)}
    return report_from(found["inspection"], float(loss_value), found["labels"],
                       [float(n) for n in norms], {k: float(v) for k, v in summed.items()},
                       totals)


def user_gradients(spec: str, seed: int = 0) -> GradientReport:
    """A Keras 3 model from FILE.py:NAME or package.module:NAME."""
    from rnninspect.errors import InvalidOptionError
    from rnninspect.loaders.dispatch import parse_code_spec
    from rnninspect.loaders.user_code import is_legacy_code, load_object

    code = parse_code_spec(spec)
    if code is None or is_legacy_code(code):
        raise InvalidOptionError(
            f"grads takes a built-in model or a Keras 3 model from FILE.py:NAME; {spec!r} is "
            "not one (TF1 graphs and saved files are not supported by grads yet)")
    from rnninspect.tf.imports import import_keras_for_tracing

    import_keras_for_tracing()
    from rnninspect.loaders.keras_signature import derived_signature, zoo_signature
    from rnninspect.loaders.objects import is_keras_model

    value, _, _ = load_object(code)
    if isinstance(value, tuple) and len(value) == 2 and is_keras_model(value[0]):
        model, signature = value[0], list(value[1])
    elif is_keras_model(value):
        model = value
        signature = zoo_signature(model) or derived_signature(model, spec)
    else:
        raise InvalidOptionError(
            f"grads needs a Keras model from {spec!r} (or a (model, [tf.TensorSpec]) pair); "
            f"got {type(value).__name__}")
    return model_gradients(model, signature, spec, (), seed)
