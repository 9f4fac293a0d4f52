"""Per-step gradients of a ConcreteFunction or a SavedModel signature.

The function's graph is imported into a plain TF1-style `tf.Graph`, its captured variables
becoming graph variables that hold the captured values, so the TF1 path
(`rnninspect.tf.graph_grads`) applies unchanged: the loss the function's own gradient tape
differentiates (else ``--loss``, else the sum of squares of its outputs), copies, a seeded
synthetic batch, dead steps. Weights inside nested function calls (a SavedModel signature
calls its restored functions) are reported with their total gradient only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rnninspect.analysis.grads import GradientReport
from rnninspect.errors import ModelSourceError


def concrete_gradients(concrete: Any, model: str, seed: int, *, loss: str | None,
                       copy: str | None, batch: int | None, extra: list[Any] | None = None,
                       length: int | None = None) -> GradientReport:
    from rnninspect.tf.graph_grads import graph_gradients

    graph = graph_of(concrete, extra or [])
    return graph_gradients(graph, model, seed, loss_name=loss, copy=copy, batch=batch,
                           weights_note="weights: the values the function captured",
                           length=length, outputs=_returned(graph, concrete))


def _returned(graph: Any, concrete: Any) -> list[str] | None:
    """The ops of `graph` holding the function's return values (None when the import renamed
    them): the model's outputs, rather than every value nobody reads (a while loop's unused
    final state is one)."""
    names = [f"fn/{t.op.name}" for t in concrete.outputs if t.dtype.name != "resource"]
    present = {op.name for op in graph.get_operations()}
    return names if names and all(n in present for n in names) else None


def concrete_twin(original: GradientReport, concrete: Any, rebuild: Callable[[], Any],
                  model: str, seed: int, *, loss: str | None, batch: int | None
                  ) -> GradientReport:
    """`original` (the report on `concrete`, whose Keras RNN layers run while loops) taken
    through the program's unrolled twin: `rebuild()` runs the user's program again (giving
    its ConcreteFunction) with the layers unrolled; the twin's captured variables get the
    original's values in the order the program reads them (names and shapes
    checked)."""
    from rnninspect.tf.loop_twin import accept_twin, noted
    from rnninspect.tf.trace import _tf_variable
    from rnninspect.tf.twin import unrolled_keras_loops
    from rnninspect.tf.varnames import display_name

    try:
        with unrolled_keras_loops() as layers:
            twin = rebuild()
    except Exception as e:  # e.g. a layer that cannot be unrolled in this program
        return noted(original, f"the program could not be run with its RNN layers unrolled "
                     f"({type(e).__name__}); per-step figures withheld")
    if not layers:
        return noted(original, "no Keras RNN layer saw a sequence of static length, so no "
                     "unrolled twin could be built; per-step figures withheld")
    mine, theirs = _captured(concrete), _captured(twin)
    described = [[(display_name(v), tuple(v.shape)) for v in vs] for vs in (mine, theirs)]
    if described[0] != described[1]:
        return noted(original, "the unrolled twin captures other variables than the original; "
                     "per-step figures withheld")
    for a, b in zip(mine, theirs, strict=True):
        _tf_variable(b).assign(_tf_variable(a).read_value())
    try:  # through the copy the original went through, fed the same
        report = concrete_gradients(twin, model, seed, loss=loss, copy=original.copy,
                                    batch=batch, length=original.feed_length)
    except Exception as e:
        return noted(original, f"the unrolled twin could not be differentiated like the "
                     f"original ({type(e).__name__}); per-step figures withheld")
    return accept_twin(original, report, f"the while-loop layers ({', '.join(layers)})",
                       "the same layers with unroll=True")


def _captured(concrete: Any) -> list[Any]:
    """The function's variables in the order the traced code first read them (the same
    program traced twice reads them in the same order; `concrete.variables` is unordered
    and two attention layers may name their kernels alike)."""
    from rnninspect.tf.trace import _tf_variable

    by_handle = {id(_tf_variable(v).handle): v for v in concrete.variables}
    return [by_handle[id(external)] for external, _ in concrete.graph.captures
            if id(external) in by_handle]


def saved_model_gradients(path: Path, spec: str, seed: int, *, loss: str | None,
                          copy: str | None, batch: int | None) -> GradientReport:
    from rnninspect.tf.imports import import_tensorflow, silenced_native_stderr

    tf = import_tensorflow()
    try:
        with silenced_native_stderr():
            loaded = tf.saved_model.load(str(path))
    except Exception as e:
        raise ModelSourceError(f"cannot load SavedModel {spec!r}: {e}") from e
    signatures = dict(getattr(loaded, "signatures", {}) or {})
    if not signatures:
        raise ModelSourceError(f"SavedModel {spec!r} has no signatures to differentiate")
    key = "serving_default" if "serving_default" in signatures else sorted(signatures)[0]
    variables = list(getattr(loaded, "variables", None) or [])
    return concrete_gradients(signatures[key], spec, seed, loss=loss, copy=copy, batch=batch,
                              extra=variables)


def graph_of(concrete: Any, extra: list[Any]) -> Any:
    """A tf.Graph computing what `concrete` computes, its captures as graph variables."""
    import tensorflow as tf

    from rnninspect.tf.trace import _tf_variable
    from rnninspect.tf.varnames import display_name

    variables = list(concrete.variables) + list(extra) + list(concrete.graph.variables)
    by_handle = {id(_tf_variable(v).handle): v for v in variables}
    captured: list[tuple[str, Any, Any]] = []  # (placeholder, value, the variable or None)
    for external, internal in concrete.graph.captures:  # values read eagerly, first
        var = by_handle.get(id(external))
        if var is not None:
            captured.append((internal.op.name, _tf_variable(var).numpy(), var))
        elif external.dtype != tf.resource:
            captured.append((internal.op.name, external.numpy(), None))
    graph = tf.Graph()
    input_map: dict[str, Any] = {}
    with graph.as_default():
        for placeholder, value, var in captured:
            if var is None:
                input_map[placeholder] = tf.constant(value)
                continue
            new = tf.compat.v1.Variable(value, name=display_name(var), use_resource=True,
                                        trainable=bool(_tf_variable(var).trainable))
            input_map[placeholder] = new.handle
        tf.graph_util.import_graph_def(
            _inlined(concrete),
            input_map={f"{name}:0": t for name, t in input_map.items()}, name="fn")
    return graph


def _inlined(concrete: Any) -> Any:
    """The function's GraphDef with nested calls inlined by Grappler (a SavedModel signature
    calls its restored function; TF1 sessions cannot differentiate a call with resource
    inputs); while loops stay loops. The plain GraphDef when Grappler declines."""
    try:
        from tensorflow.python.framework.convert_to_constants import (
            _run_inline_graph_optimization,
        )

        return _run_inline_graph_optimization(concrete, False, True)
    except Exception:  # private API: fall back to the graph as traced
        return concrete.graph.as_graph_def()
