"""The TensorFlow boundary: a model becomes a GraphDef plus a variable table keyed by identity.

A `Traced` holds only bytes and plain values, so it crosses process boundaries (the TF1
cells are built in a worker process, see `rnninspect.tf.worker`). `Traced` itself lives in
the TensorFlow-free `rnninspect.graph`, so the analysis never imports this module.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

from rnninspect.errors import TraceError
from rnninspect.graph import (
    VARIABLE_OPS,
    FunctionSpec,
    GraphSpec,
    NodeSpec,
    Traced,
    TracedVariable,
    is_rng_state,
)
from rnninspect.tf.imports import (
    import_keras_for_tracing,
    import_tensorflow,
    silenced_native_stderr,
)
from rnninspect.tf.varnames import display_name, keras_paths


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
        if op.type not in VARIABLE_OPS:
            continue
        if op.name in listed:
            var = listed[op.name]
            shape, dtype = _shape(var.shape), var.dtype.base_dtype.name
        else:
            shape = tuple(int(d.size) for d in op.get_attr("shape").dim)
            dtype = tf.dtypes.as_dtype(op.get_attr("dtype")).name
        variables.append(TracedVariable(op.name, op.name, shape, dtype, op.name in trainable))
    spec = graph_spec_from_graph_def(graph.as_graph_def(add_shapes=True))
    return Traced(
        model,
        dialect,
        config,
        spec,
        tuple(variables),
        tuple(inputs),
        tuple(outputs),
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
    weights_listed: bool = False,
) -> Traced:
    """Trace `fn` with `tf.function` and map its captured resource handles back to `variables`.

    `variables` are tf.Variables or Keras 3 Variables. The mapping is by the identity of
    each variable's resource handle, never by name. `weights_listed`: see
    `captured_variables`.
    """
    tf = import_tensorflow()
    start = time.perf_counter()
    try:
        with silenced_native_stderr():
            concrete = tf.function(fn).get_concrete_function(*input_signature)
    except Exception as e:
        raise TraceError(f"tracing {model!r} with tf.function failed: {one_line(e)}") from e
    return traced_from_concrete(
        concrete, variables, model=model, dialect=dialect, config=config, start=start,
        weights_listed=weights_listed,
    )


_NOISE = ("File ", "in user code", "Arguments received", "•", "Exception encountered when",
          "raise ", "return ", "except ")


def one_line(error: BaseException) -> str:
    """The line of a framework error that says what went wrong (TensorFlow wraps it in
    frames of generated code, Keras in argument listings); --traceback shows the rest."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    kept = [line for line in lines if not line.startswith(_NOISE) and "**" not in line
            and not line.endswith("*")]
    line = kept[-1] if kept else (lines[-1] if lines else type(error).__name__)
    return line if ":" in line[:40] else f"{type(error).__name__}: {line}"


def _tf_variable(var: Any) -> Any:
    """The tf.Variable behind a Keras 3 Variable (or the variable itself)."""
    value = getattr(var, "value", None)
    if value is not None and hasattr(value, "handle"):
        return value
    return var


def traced_from_concrete(
    concrete: Any,
    variables: Sequence[Any],
    *,
    model: str,
    dialect: str,
    config: tuple[tuple[str, Any], ...] = (),
    start: float | None = None,
    weights_listed: bool = False,
) -> Traced:
    start = time.perf_counter() if start is None else start
    graph = concrete.graph
    captured, capture_nodes = captured_variables(graph, variables, weights_listed)
    inputs = [t.op.name for t in concrete.inputs if t.op.name not in capture_nodes]
    outputs = [t.op.name for t in concrete.outputs]
    spec = graph_spec_from_graph_def(graph.as_graph_def(add_shapes=True))
    return Traced(
        model,
        dialect,
        config,
        spec,
        tuple(captured),
        tuple(inputs),
        tuple(outputs),
        {"trace": time.perf_counter() - start},
    )


def captured_variables(
    graph: Any, variables: Sequence[Any], weights_listed: bool = False
) -> tuple[list[TracedVariable], set[str]]:
    """A function graph's variables, matched to its captured resource handles by identity.

    Returns the variable table and the names of all capture placeholders. Variables the
    function never read are listed with a node name that is not in the graph.
    `weights_listed`: `variables` are a Keras model's own list, every weight it trains
    included, so a variable the function reads that the list lacks is trained by nobody
    (tf_keras keeps a stateful RNN's state in plain tf.Variables, trainable by TensorFlow's
    default, outside the model's weights): it is listed as not trainable.
    """
    by_handle = {id(_tf_variable(v).handle): v for v in variables}
    unlisted = set()
    for v in graph.variables:  # variables the function reached but the caller missed
        if id(v.handle) not in by_handle:
            by_handle[id(v.handle)] = v
            unlisted.add(id(v.handle))
    paths = keras_paths(list(by_handle.values()))
    table: list[TracedVariable] = []
    capture_nodes = set()
    seen = set()
    for external, internal in graph.captures:
        capture_nodes.add(internal.op.name)
        var = by_handle.get(id(external))
        if var is None:
            continue
        seen.add(id(external))
        trainable = is_trainable(var) and not (weights_listed and id(external) in unlisted)
        table.append(_traced_variable(var, internal.op.name, paths, trainable))
    for var in variables:  # created but never read by the traced computation
        if id(_tf_variable(var).handle) not in seen:
            table.append(_traced_variable(
                var, f"<not in graph>/{display_name(var, paths)}", paths))
    return [v for v in table if not is_rng_state(v)], capture_nodes


def _traced_variable(var: Any, node: str, paths: dict[int, str],
                     trainable: bool | None = None) -> TracedVariable:
    tf_var = _tf_variable(var)
    return TracedVariable(
        display_name(var, paths),
        node,
        _shape(tf_var.shape),
        tf_var.dtype.base_dtype.name,
        is_trainable(var) if trainable is None else trainable,
    )


def is_trainable(var: Any) -> bool:
    """A Keras 3 Variable says (``layer.trainable = False`` flips it, not the tf.Variable
    behind it, which stays trainable); a plain tf.Variable says for itself."""
    return bool(getattr(var, "trainable", _tf_variable(var).trainable))


def trace_keras_model(
    model_obj: Any,
    input_signature: Sequence[Any],
    *,
    model: str,
    dialect: str = "keras",
    config: tuple[tuple[str, Any], ...] = (),
    call: Any = None,
) -> Traced:
    """A built Keras 3 model, called in inference mode inside `tf.function`.

    `call(*inputs)` replaces the plain ``model(*inputs, training=False)`` when given.
    """
    import_keras_for_tracing()
    variables = list(model_obj.variables)

    many_inputs = len(getattr(model_obj, "inputs", None) or []) > 1

    def forward(*args: Any) -> Any:
        if many_inputs:  # a functional model with several inputs takes them as one list
            return model_obj(list(args), training=False)
        return model_obj(*args, training=False)

    return trace_function(
        call or forward, input_signature, variables, model=model, dialect=dialect, config=config,
        weights_listed=True,
    )


# --- GraphDef -> GraphSpec (plain values) ---------------------------------------------------

_FUNCTION_ATTRS = ("body", "cond", "f", "then_branch", "else_branch")
_INT_ATTRS = ("num_split", "N", "axis", "num", "num_proj")
# attrs of the fused RNN ops that decide their weight layout (`analysis/fused.py`)
_STR_ATTRS = ("rnn_mode", "direction", "input_mode")
_BOOL_ATTRS = ("use_peephole",)
# TF1 control flow (control flow v1: `disable_v2_behavior`, graphs saved by TF 1.x)
V1_CONTROL_FLOW = frozenset({"Enter", "Merge", "Switch", "NextIteration", "Exit", "RefEnter",
                             "RefMerge", "RefSwitch", "RefNextIteration", "RefExit"})


def graph_spec_from_graph_def(graph_def: Any) -> GraphSpec:
    nodes = tuple(_node_spec(n, _plain_ref) for n in graph_def.node)
    functions = {}
    for fdef in graph_def.library.function:
        args = tuple(a.name for a in fdef.signature.input_arg)
        arg_dtypes = tuple(_dtype_name(a.type) for a in fdef.signature.input_arg)
        offsets = _output_offsets(fdef.node_def)

        def fn_ref(ref: str, offsets: dict[str, dict[str, int]] = offsets) -> str:
            parts = ref.split(":")
            if len(parts) == 1:
                return f"{parts[0]}:0"  # a function argument
            node, out_arg, index = parts
            return f"{node}:{offsets.get(node, {}).get(out_arg, 0) + int(index)}"

        fnodes = tuple(_node_spec(n, fn_ref) for n in fdef.node_def)
        rets = tuple(fn_ref(fdef.ret[o.name]) for o in fdef.signature.output_arg)
        name = fdef.signature.name
        functions[name] = FunctionSpec(name, args, arg_dtypes, rets, fnodes)
    return GraphSpec(nodes, functions)


def _plain_ref(ref: str) -> str:
    return ref if ":" in ref else f"{ref}:0"


def _node_spec(node: Any, ref: Any) -> NodeSpec:

    inputs = tuple(ref(i) for i in node.input if not i.startswith("^"))
    shapes: list[tuple[int | None, ...] | None] = []
    if "_output_shapes" in node.attr:
        for s in node.attr["_output_shapes"].list.shape:
            shapes.append(
                None if s.unknown_rank else tuple(None if d.size < 0 else d.size for d in s.dim)
            )
    functions = tuple(
        (k, node.attr[k].func.name) for k in _FUNCTION_ATTRS if k in node.attr
    ) + tuple(("branches", f.name) for f in node.attr["branches"].list.func
              if "branches" in node.attr)
    int_attrs = tuple((k, int(node.attr[k].i)) for k in _INT_ATTRS if k in node.attr) + tuple(
        (k, int(node.attr[k].b)) for k in _BOOL_ATTRS if k in node.attr)
    str_attrs = tuple((k, node.attr[k].s.decode()) for k in _STR_ATTRS if k in node.attr)
    value = None
    dtype = None
    ints = None
    if node.op == "Const" and "value" in node.attr:
        tensor = node.attr["value"].tensor
        dims = [d.size for d in tensor.tensor_shape.dim]
        if len(dims) == 1 and 1 < dims[0] <= 8:
            if len(tensor.int_val) == dims[0]:
                ints = tuple(int(x) for x in tensor.int_val)
            elif len(tensor.int64_val) == dims[0]:
                ints = tuple(int(x) for x in tensor.int64_val)
            elif tensor.tensor_content and tensor.dtype in (3, 9):  # DT_INT32, DT_INT64
                import numpy as np

                raw = np.frombuffer(tensor.tensor_content,
                                    np.int32 if tensor.dtype == 3 else np.int64)
                ints = tuple(int(x) for x in raw)
        # Scalars, and splat constants of any shape (one value stored for all: tf.zeros).
        for field_name in ("float_val", "int_val", "int64_val", "double_val"):
            values = getattr(tensor, field_name)
            if len(values) == 1 and not tensor.tensor_content:
                value = float(values[0])
                break
        if value is None and tensor.dtype in _FLOAT_CONTENT:
            value = _splat_content(tensor)
    if "dtype" in node.attr:
        dtype = _dtype_name(node.attr["dtype"].type)
    elif node.op in V1_CONTROL_FLOW and "T" in node.attr:  # which loop values are states
        dtype = _dtype_name(node.attr["T"].type)
    frame = node.attr["frame_name"].s.decode() if node.op in ("Enter", "RefEnter") else None
    return NodeSpec(
        node.name, node.op, inputs, tuple(shapes), functions, int_attrs, value, dtype, ints,
        frame, str_attrs,
    )


# float dtypes whose constants are read as splats: DT_FLOAT, DT_DOUBLE, DT_HALF
_FLOAT_CONTENT = {1: "float32", 2: "float64", 19: "float16"}


def _splat_content(tensor: Any) -> float | None:
    """The value of a float constant stored another way than one value for all, when every
    element is equal: no values at all (a TensorProto's default: zeros, as a frozen graph
    stores a folded `tf.zeros`) or each element written out. None when any differs."""
    import numpy as np

    if not tensor.tensor_content:
        stored = any(len(getattr(tensor, f)) for f in ("float_val", "double_val", "half_val"))
        return None if stored else 0.0
    raw = np.frombuffer(tensor.tensor_content, _FLOAT_CONTENT[tensor.dtype])
    if raw.size < 2 or not np.all(raw[:16] == raw[0]) or not np.all(raw == raw[0]):
        return None
    return float(raw[0])


def _dtype_name(enum_value: int) -> str:
    import tensorflow as tf

    try:
        return str(tf.dtypes.as_dtype(enum_value).name)
    except TypeError:
        return "unknown"


def _output_offsets(node_defs: Any) -> dict[str, dict[str, int]]:
    """For nodes inside a function: output arg name -> flat index of its first tensor."""
    from tensorflow.python.framework import op_def_registry

    offsets: dict[str, dict[str, int]] = {}
    for node in node_defs:
        op_def = op_def_registry.get(node.op)
        if op_def is None:  # a call to a library function: outputs named by its signature
            continue
        position, table = 0, {}
        for out in op_def.output_arg:
            table[out.name] = position
            if out.number_attr:
                position += int(node.attr[out.number_attr].i)
            elif out.type_list_attr:
                position += len(node.attr[out.type_list_attr].list.type)
            else:
                position += 1
        offsets[node.name] = table
    return offsets
