"""Per-step gradients of shared weights, computed with TensorFlow.

In an unrolled graph every step reads a shared weight through its own read op, so the
gradient of the loss with respect to that read *is* the step's contribution (they sum to
the weight's gradient). The reads are found by the analysis (`analyze_with_reads`), the
gradients by `tf.gradients` on the same graph, for one synthetic batch. Built-in models go
through their `ZooModel` (the same build as `show`); user models are Keras 3 code.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from rnninspect import zoo
from rnninspect.analysis.analyze import analyze_with_reads
from rnninspect.analysis.grads import (
    CROSS_ENTROPY,
    SINGLE_UNIT,
    GradientReport,
    report_from,
    with_findings,
)
from rnninspect.errors import InvalidOptionError
from rnninspect.graph import GraphSpec, Traced
from rnninspect.tf import worker
from rnninspect.tf.imports import import_keras_for_tracing, import_tensorflow
from rnninspect.tf.step_grads import gradients_in_graph
from rnninspect.tf.trace import captured_variables, graph_spec_from_graph_def, trace_graph
from rnninspect.zoo.base import config_pairs


def zoo_gradients(entry: zoo.ZooModel[Any], config: Any, dialect: str, seed: int = 0
                  ) -> GradientReport:
    if dialect == "legacy":
        report: GradientReport = worker.call(LegacyGradients(entry.name, config, seed))
        return report
    keras = import_keras_for_tracing()
    keras.utils.set_random_seed(seed)
    model = entry.build(config, "keras")
    return model_gradients(model, entry.signature(config), entry.name, config_pairs(config),
                           seed, int_high=entry.int_high(config),
                           logits=lambda inputs: entry.logits(model, inputs))


@dataclass(frozen=True)
class LegacyGradients:
    """Worker request: a zoo entry's TF1 graph, a loss, tf.gradients, one Session run."""

    name: str
    config: Any
    seed: int

    def run(self) -> GradientReport:
        return legacy_gradients(zoo.get(self.name), self.config, self.seed)


@dataclass(frozen=True)
class LegacyWeights:
    """Worker request: a zoo entry's TF1 weights as initialised for `seed`, by name (to give
    another dialect the same weights)."""

    name: str
    config: Any
    seed: int

    def run(self) -> dict[str, Any]:
        import tensorflow as tf

        built = zoo.get(self.name).build(self.config, "legacy", self.seed)
        with built.graph.as_default():
            variables = tf.compat.v1.global_variables()
            init = tf.compat.v1.global_variables_initializer()
        with tf.compat.v1.Session(graph=built.graph) as session:
            session.run(init)
            values = session.run(variables)
        return {v.op.name: value for v, value in zip(variables, values, strict=True)}


def legacy_gradients(entry: zoo.ZooModel[Any], config: Any, seed: int) -> GradientReport:
    """Runs in the TF1 worker."""
    import numpy as np
    import tensorflow as tf

    built = entry.build(config, "legacy", seed)
    graph = built.graph
    with graph.as_default():
        logits = graph.get_tensor_by_name(f"{built.outputs[0]}:0")
        loss = synthetic_loss(tf, logits, seed)
    traced = trace_graph(graph, built.inputs, [loss.op.name], model=entry.name,
                         dialect="legacy", config=config_pairs(config))
    inspection, reads = analyze_with_reads(traced)
    with graph.as_default():
        labels, norms, arriving, summed, outside = gradients_in_graph(tf, loss, graph, reads)
        by_name = {v.op.name: v for v in tf.compat.v1.trainable_variables()}
        names = [n for n in summed if n in by_name]  # one backward pass for all weights
        direct = tf.gradients(loss, [by_name[n] for n in names]) if names else []
        totals = {n: tf.norm(g) for n, g in zip(names, direct, strict=True) if g is not None}
        init = tf.compat.v1.global_variables_initializer()
    rng = np.random.default_rng(seed)
    vocab = entry.int_high(config)
    feed = {graph.get_tensor_by_name(f"{n}:0"): random_feed(
        np, graph.get_tensor_by_name(f"{n}:0"), rng, vocab) for n in built.inputs}
    with tf.compat.v1.Session(graph=graph) as session:
        session.run(init)
        loss_value, values, reach, sums, direct, apart = session.run(
            [loss, norms, arriving, summed, totals, outside], feed)
    report = report_from(inspection, float(loss_value), labels, list(values), sums, direct,
                         [float(r) > 0 for r in reach], apart)
    said = (f"synthetic batch (seed {seed}): standard normal floats, integers in [0, {vocab}); "
            f"weights from the graph's initialisers (graph seed {seed})",)
    return with_findings(replace(report, notes=said))


def _first_output(out: Any) -> Any:
    return out[0] if isinstance(out, (tuple, list)) else out


def model_gradients(model: Any, signature: list[Any], name: str,
                    config: tuple[tuple[str, Any], ...], seed: int, int_high: int = 2,
                    logits: Any = None, batch: int | None = None,
                    float_ids: bool = False) -> GradientReport:
    """Any Keras 3 model: the forward pass, a loss and the per-step gradients are traced in
    one tf.function, so the reads the analysis finds are ops of the graph being built.
    `logits(inputs)` reads the model's logits (default: its first output). RNN layers that
    run a while loop are taken through their unrolled twin when it computes the same.
    `float_ids`: float inputs are ids the model casts (an Embedding behind a float32 Input),
    fed whole numbers in [0, int_high) as Keras feeds them."""
    import numpy as np
    import tensorflow as tf

    from rnninspect.tf.twin import looping_layers, twin_check, unrolled_keras_loops

    many = len(getattr(model, "inputs", None) or []) > 1

    def logits_of(inputs: Any) -> Any:
        if logits is not None:
            return logits(inputs)
        if many:  # a functional model with several inputs takes them as one list
            return _first_output(model(list(inputs), training=False))
        return _first_output(model(*inputs, training=False))

    rng = np.random.default_rng(seed)
    size = batch or 2
    inputs = [tf.constant(random_feed(np, spec, rng, int_high, size, whole=float_ids))
              for spec in signature]
    floats = (f"ids in [0, {int_high}) as floats (the model casts them)" if float_ids
              else "standard normal floats")
    said = (f"synthetic batch (seed {seed}, unknown dimensions = {size}): {floats}, "
            f"integers in [0, {int_high}); weights seeded ({seed})",)
    loops = looping_layers(model)
    if not loops:
        report = _keras_gradients(model, name, config, seed, inputs, logits_of)
        return replace(report, notes=said)
    same, note = twin_check(np, loops, lambda: logits_of(inputs))
    if not same:
        report = _keras_gradients(model, name, config, seed, inputs, logits_of)
        return replace(report, notes=(*said, note))
    with unrolled_keras_loops():
        report = _keras_gradients(model, name, config, seed, inputs, logits_of)
    return replace(report, notes=(*said, note))


def _keras_gradients(model: Any, name: str, config: tuple[tuple[str, Any], ...], seed: int,
                     inputs: list[Any], logits_of: Any) -> GradientReport:
    import tensorflow as tf

    found: dict[str, Any] = {}

    # AutoGraph converts what the traced function calls; rnninspect's own analysis is plain
    # Python over a GraphDef and must not be converted (it made `grads ptb --dialect keras`
    # 5x slower).
    @tf.autograph.experimental.do_not_convert  # type: ignore[untyped-decorator]
    def split(loss: Any) -> Any:
        graph = tf.compat.v1.get_default_graph()
        table, _ = captured_variables(graph, model.variables)
        spec: GraphSpec = graph_spec_from_graph_def(graph.as_graph_def(add_shapes=True))
        traced = Traced(name, "keras", config, spec, tuple(table), (), (loss.op.name,))
        inspection, reads = analyze_with_reads(traced)
        nodes = {v.name: v.node for v in table}
        labels, norms, arriving, summed, outside = gradients_in_graph(tf, loss, graph, reads,
                                                                      nodes)
        found.update(inspection=inspection, labels=labels)
        return norms, arriving, summed, outside

    @tf.function  # type: ignore[untyped-decorator]
    def run(*args: Any) -> Any:
        loss = synthetic_loss(tf, logits_of(args), seed)
        return (loss, *split(loss))

    loss_value, norms, arriving, summed, outside = run(*inputs)
    weights = list(model.trainable_variables)
    with tf.GradientTape() as tape:  # the framework's own gradient of each weight
        out = logits_of(inputs)
        loss = synthetic_loss(tf, out, seed)
    direct = tape.gradient(loss, [v.value for v in weights])
    totals = {v.path: 0.0 if g is None else float(tf.norm(g))
              for v, g in zip(weights, direct, strict=True)}
    report = report_from(
        found["inspection"], float(loss_value), found["labels"], [float(n) for n in norms],
        {k: float(v) for k, v in summed.items()}, totals, [float(r) > 0 for r in arriving],
        {k: float(v) for k, v in outside.items()})
    dead = tuple(n for n, t in totals.items() if t == 0.0)
    source = SINGLE_UNIT if int(out.shape[-1]) == 1 else CROSS_ENTROPY
    return with_findings(replace(report, dead=dead, loss_source=source,
                                 totals=tuple(sorted(totals.items()))))


def embedding_rows(model: Any) -> int | None:
    """The smallest embedding table's row count: the range of the model's integer ids."""
    rows = [int(layer.input_dim)
            for layer in model._flatten_layers(include_self=True, recursive=True)
            if type(layer).__name__ == "Embedding" and hasattr(layer, "input_dim")]
    return min(rows) if rows else None


def user_gradients(spec: str, seed: int = 0, *, loss: str | None = None,
                   copy: str | None = None, batch: int | None = None) -> GradientReport:
    """A user model: TF1 graphs (code returning a tf.Graph, .meta, .pb) in the TF1 worker;
    Keras 3 models from FILE.py:NAME here."""
    from pathlib import Path

    from rnninspect.sources.code import is_legacy_code, load_object
    from rnninspect.sources.objects import is_keras_model, keras_model_and_signature
    from rnninspect.sources.user import parse_code_spec
    from rnninspect.tf.concrete_grads import concrete_twin, saved_model_gradients
    from rnninspect.tf.graph_grads import GraphGradients, concrete_gradients

    code = parse_code_spec(spec)
    if code is None:
        path = Path(spec)
        if path.is_dir() and any((path / n).exists() for n in SAVED_MODEL_FILES):
            return saved_model_gradients(path, spec, seed, loss=loss, copy=copy, batch=batch)
        if path.name in SAVED_MODEL_FILES:
            return saved_model_gradients(path.parent, spec, seed, loss=loss, copy=copy,
                                         batch=batch)
        if path.suffix in (".meta", ".pb", ".pbtxt", ".index") or Path(f"{spec}.meta").exists():
            return _graph_in_worker(GraphGradients(spec, str(Path.cwd()), seed, loss, copy, batch))
        raise InvalidOptionError(
            f"grads takes a built-in model, FILE.py:NAME, a SavedModel, a .meta MetaGraph "
            f"(with its checkpoint) or a .pb GraphDef; {spec!r} is none of them")
    if is_legacy_code(code):
        return _graph_in_worker(GraphGradients(spec, str(Path.cwd()), seed, loss, copy, batch))
    keras = import_keras_for_tracing()
    tf = import_tensorflow()

    programs: list[tuple[dict[str, Any], Any]] = []
    where: list[tuple[str, str]] = []  # (the user's file, as shown): to explain reuse errors

    def concrete_or_value() -> Any:
        # Keras' auto-generated names (adam, adam_1, ...) as in a fresh process: a twin built
        # later names its variables like the original
        keras.backend.clear_session(free_memory=False)
        keras.utils.set_random_seed(seed)
        value, source, shown = load_object(code)
        where.append((str(source), shown))
        # A ConcreteFunction holds its variables weakly; the program's module globals (or the
        # object it returned) keep them, and running the program again (the twin) re-imports
        # it: keep both alive.
        programs.append((dict(sys.modules), value))
        if isinstance(value, tf.types.experimental.PolymorphicFunction) and \
                value.input_signature:
            return value.get_concrete_function(*value.input_signature)
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], tf.Module) \
                and not is_keras_model(value[0]) and callable(value[0]):
            with _explained(*where[-1]):  # (tf.Module, signature): its __call__, traced
                return tf.function(value[0].__call__).get_concrete_function(*value[1])
        return value

    value = concrete_or_value()
    if isinstance(value, tf.types.experimental.ConcreteFunction):
        report = concrete_gradients(value, spec, seed, loss=loss, copy=copy, batch=batch)
        if not (report.dynamic or report.unsplit):
            return report
        return concrete_twin(report, value, concrete_or_value, spec, seed, loss=loss,
                             batch=batch)
    if loss is not None or copy is not None:
        flag = "--loss" if loss is not None else "--copy"
        raise InvalidOptionError(
            f"{flag} applies to graphs and functions; {spec!r} is a Keras model, "
            "differentiated through its synthetic loss")
    model, signature = keras_model_and_signature(value, spec, "grads needs a Keras model")
    rows = embedding_rows(model)
    # a float32 Input before an Embedding (Keras's default dtype): Keras casts it to ids
    float_ids = rows is not None and len(signature) == 1 and signature[0].dtype.is_floating
    with _explained(*where[-1]):
        return model_gradients(model, signature, spec, (), seed, int_high=rows or 2,
                               batch=batch, float_ids=float_ids)


@contextmanager
def _explained(source: str, shown: str) -> Iterator[None]:
    """A variable reuse error raised while the user's model is traced, as `show` says it."""
    from rnninspect.errors import ModelSourceError
    from rnninspect.sources.reuse_errors import explain

    try:
        yield
    except Exception as e:
        said = explain(e, source, shown)
        if said is None:
            raise
        raise ModelSourceError(said) from e


SAVED_MODEL_FILES = ("saved_model.pb", "saved_model.pbtxt")


def _graph_in_worker(request: Any) -> GradientReport:
    report: GradientReport = worker.call(request)
    return report


def synthetic_loss(tf: Any, logits: Any, seed: int) -> Any:
    """Cross-entropy of the logits against random class ids (one synthetic batch); with a
    single output unit (a sigmoid score) cross-entropy is constant, so the sum of squares."""
    classes = int(logits.shape[-1])
    if classes == 1:
        return tf.reduce_sum(tf.square(logits))
    targets = tf.random.stateless_uniform(tf.shape(logits)[:-1], seed=[seed, 1], minval=0,
                                          maxval=classes, dtype=tf.int32)
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=targets, logits=logits))


def random_feed(np: Any, placeholder: Any, rng: Any, int_high: int, size: int = 2,
                whole: bool = False) -> Any:
    """Random input for a placeholder or TensorSpec (unknown dimensions become `size`);
    `whole`: whole numbers in [0, int_high) whatever the dtype (ids a model casts)."""
    shape = [d if d is not None else size for d in placeholder.shape.as_list()]
    if placeholder.dtype.is_integer or whole:
        return rng.integers(0, int_high, size=shape).astype(placeholder.dtype.as_numpy_dtype)
    return rng.standard_normal(shape).astype(placeholder.dtype.as_numpy_dtype)
