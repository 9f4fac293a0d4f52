"""A tf ConcreteFunction as a plain TF1-style tf.Graph, so the TF1 gradient path applies.

Its captured variables become graph variables holding the captured values; nested calls are
inlined by Grappler (a SavedModel signature calls its restored functions; TF1 sessions cannot
differentiate a call with resource inputs); while loops stay loops. The function's return
values are the model's outputs (`returned`). A Keras model becomes the function of its
inference call (`keras_concrete`).
"""

from __future__ import annotations

from typing import Any

from rnninspect.errors import ModelSourceError


def graph_of(concrete: Any, extra: list[Any]) -> Any:
    """A tf.Graph computing what `concrete` computes, its captures as graph variables."""
    import tensorflow as tf

    from rnninspect.tf.trace import _tf_variable, is_trainable
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
                                        trainable=is_trainable(var))
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


def returned(graph: Any, concrete: Any) -> list[str] | None:
    """The ops of `graph` holding the function's return values (None when the import renamed
    them): the model's outputs, rather than every value nobody reads (a while loop's unused
    final state is one)."""
    names = [f"fn/{t.op.name}" for t in concrete.outputs if t.dtype.name != "resource"]
    present = {op.name for op in graph.get_operations()}
    return names if names and all(n in present for n in names) else None


def keras_concrete(value: Any, spec: str) -> Any:
    """The ConcreteFunction of a Keras model's inference call, on its declared inputs (or
    the signature of a (model, signature) pair)."""
    import tensorflow as tf

    model, signature = value if isinstance(value, tuple) else (value, None)
    if signature is None:
        inputs = list(getattr(model, "inputs", None) or [])
        if not inputs:
            raise ModelSourceError(
                f"{spec}: the Keras model has no declared inputs (subclassed, never built); "
                "return (model, [tf.TensorSpec(shape, dtype), ...])")
        signature = [tf.TensorSpec(t.shape, t.dtype) for t in inputs]
    specs = list(signature)

    def call(*xs: Any) -> Any:
        return model(list(xs) if len(xs) > 1 else xs[0], training=False)

    return tf.function(call).get_concrete_function(*specs)
