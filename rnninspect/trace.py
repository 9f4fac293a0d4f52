"""The TensorFlow boundary: a model becomes a GraphDef plus a variable table keyed by identity.

A `Traced` holds only bytes and plain values, so it crosses process boundaries (the TF1
cells are built in a worker process, see `legacy_worker`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rnninspect._tf import import_keras_for_tracing, import_tensorflow, silenced_native_stderr
from rnninspect.errors import TraceError

VARIABLE_OPS = frozenset({"VarHandleOp", "VariableV2", "Variable", "VarIsInitializedOp"})


@dataclass(frozen=True)
class TracedVariable:
    name: str  # display name only; identity is `node`
    node: str  # the graph node that *is* the variable (VarHandleOp, VariableV2, or the
    # Placeholder a tf.function captured its resource handle as)
    shape: tuple[int | None, ...]
    dtype: str
    trainable: bool


@dataclass
class Traced:
    model: str
    dialect: str
    config: tuple[tuple[str, Any], ...]
    graph_def: bytes  # serialized GraphDef, function library included
    variables: list[TracedVariable]
    inputs: list[str]  # node names of the model's inputs
    outputs: list[str]  # node names of what the model computes
    seconds: dict[str, float] = field(default_factory=dict)  # "build", "trace"


def _shape(shape: Any) -> tuple[int | None, ...]:
    return tuple(None if d is None else int(d) for d in shape.as_list())


def trace_graph(
    graph: Any,
    inputs: Sequence[str],
    outputs: Sequence[str],
    *,
    model: str,
    dialect: str,
    config: tuple[tuple[str, Any], ...] = (),
) -> Traced:
    """A TF1-style `tf.Graph`: variables come from the graph's collections, else its ops."""
    tf = import_tensorflow()
    start = time.perf_counter()
    with graph.as_default():
        trainable = {v.op.name for v in tf.compat.v1.trainable_variables()}
        listed = {v.op.name: v for v in tf.compat.v1.global_variables()}
    variables = []
    for op in graph.get_operations():
        if op.type not in ("VarHandleOp", "VariableV2", "Variable"):
            continue
        if op.name in listed:
            var = listed[op.name]
            shape, dtype = _shape(var.shape), var.dtype.base_dtype.name
        else:
            shape = tuple(int(d.size) for d in op.get_attr("shape").dim)
            dtype = tf.dtypes.as_dtype(op.get_attr("dtype")).name
        variables.append(TracedVariable(op.name, op.name, shape, dtype, op.name in trainable))
    graph_def = graph.as_graph_def(add_shapes=True).SerializeToString()
    return Traced(
        model,
        dialect,
        config,
        graph_def,
        variables,
        list(inputs),
        list(outputs),
        {"trace": time.perf_counter() - start},
    )


def trace_function(
    fn: Any,
    input_signature: Sequence[Any],
    variables: Sequence[Any],
    *,
    model: str,
    dialect: str,
    config: tuple[tuple[str, Any], ...] = (),
) -> Traced:
    """Trace `fn` with `tf.function` and map its captured resource handles back to `variables`.

    `variables` are tf.Variables or Keras 3 Variables. The mapping is by the identity of
    each variable's resource handle, never by name.
    """
    tf = import_tensorflow()
    start = time.perf_counter()
    try:
        with silenced_native_stderr():
            concrete = tf.function(fn).get_concrete_function(*input_signature)
    except Exception as e:
        raise TraceError(f"tracing {model!r} with tf.function failed: {e}") from e
    return traced_from_concrete(
        concrete, variables, model=model, dialect=dialect, config=config, start=start
    )


def _tf_variable(var: Any) -> Any:
    """The tf.Variable behind a Keras 3 Variable (or the variable itself)."""
    value = getattr(var, "value", None)
    if value is not None and hasattr(value, "handle"):
        return value
    return var


def _display_name(var: Any) -> str:
    path = getattr(var, "path", None)  # Keras 3: "model/layer/kernel"
    if isinstance(path, str) and path:
        return path
    return str(var.name).removesuffix(":0")


def traced_from_concrete(
    concrete: Any,
    variables: Sequence[Any],
    *,
    model: str,
    dialect: str,
    config: tuple[tuple[str, Any], ...] = (),
    start: float | None = None,
) -> Traced:
    start = time.perf_counter() if start is None else start
    by_handle = {id(_tf_variable(v).handle): v for v in variables}
    for v in concrete.graph.variables:  # variables the function reached but the caller missed
        by_handle.setdefault(id(v.handle), v)
    captured: list[TracedVariable] = []
    capture_nodes = set()
    for external, internal in concrete.graph.captures:
        capture_nodes.add(internal.op.name)
        var = by_handle.get(id(external))
        if var is None:
            continue
        tf_var = _tf_variable(var)
        captured.append(
            TracedVariable(
                _display_name(var),
                internal.op.name,
                _shape(tf_var.shape),
                tf_var.dtype.base_dtype.name,
                bool(tf_var.trainable),
            )
        )
    seen = {id(_tf_variable(by_handle[h]).handle) for h in by_handle} & {
        id(ext) for ext, _ in concrete.graph.captures
    }
    for var in variables:  # created but never read by the traced computation
        tf_var = _tf_variable(var)
        if id(tf_var.handle) not in seen:
            captured.append(
                TracedVariable(
                    _display_name(var),
                    f"<not in graph>/{_display_name(var)}",
                    _shape(tf_var.shape),
                    tf_var.dtype.base_dtype.name,
                    bool(tf_var.trainable),
                )
            )
    inputs = [t.op.name for t in concrete.inputs if t.op.name not in capture_nodes]
    outputs = [t.op.name for t in concrete.outputs]
    graph_def = concrete.graph.as_graph_def(add_shapes=True).SerializeToString()
    return Traced(
        model,
        dialect,
        config,
        graph_def,
        captured,
        inputs,
        outputs,
        {"trace": time.perf_counter() - start},
    )


def trace_keras_model(
    model_obj: Any,
    input_signature: Sequence[Any],
    *,
    model: str,
    dialect: str = "keras",
    config: tuple[tuple[str, Any], ...] = (),
) -> Traced:
    """A built Keras 3 model, called in inference mode inside `tf.function`."""
    import_keras_for_tracing()

    def forward(*args: Any) -> Any:
        return model_obj(*args, training=False)

    return trace_function(
        forward, input_signature, list(model_obj.variables), model=model, dialect=dialect,
        config=config,
    )
