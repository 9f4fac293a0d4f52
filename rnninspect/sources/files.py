"""Saved graphs: a TF2 SavedModel directory and a GraphDef (`.pb` binary, `.pbtxt` text)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from rnninspect.errors import ModelSourceError
from rnninspect.graph import Traced, TracedVariable
from rnninspect.sources.frames import first_line
from rnninspect.tf.imports import import_tensorflow, silenced_native_stderr

# Frozen graphs hold their weights as constants; these consumers mark a constant as a weight.
_WEIGHT_USES = {"MatMul": (0, 1), "BatchMatMul": (0, 1), "BatchMatMulV2": (0, 1),
                "BatchMatMulV3": (0, 1), "BiasAdd": (1,), "GatherV2": (0,), "Gather": (0,)}
_LOOK_THROUGH = frozenset({"Identity", "Cast"})


def load_saved_model(path: Path, spec: str) -> Traced:
    tf = import_tensorflow()
    from rnninspect.tf.trace import traced_from_concrete

    try:
        with silenced_native_stderr():
            loaded = tf.saved_model.load(str(path))
    except Exception as e:
        raise ModelSourceError(
            f"cannot load SavedModel {spec!r}: {first_line(e)}; it may be truncated — export it "
            f"again with tf.saved_model.save or model.export") from e
    signatures = dict(getattr(loaded, "signatures", {}) or {})
    if not signatures:
        raise ModelSourceError(
            f"SavedModel {spec!r} has no signatures, so there is no computation to trace; "
            f"export it with tf.saved_model.save(obj, dir, signatures=obj.__call__."
            f"get_concrete_function(tf.TensorSpec(...))) or Keras model.export(dir)")
    key = "serving_default" if "serving_default" in signatures else sorted(signatures)[0]
    concrete = signatures[key]
    variables = list(getattr(loaded, "variables", None) or concrete.variables)
    return traced_from_concrete(concrete, variables, model=spec, dialect="keras",
                                config=(("signature", key),))


def load_graph_def(path: Path, spec: str) -> Traced:
    tf = import_tensorflow()
    from rnninspect.sources.graph_io import graph_inputs_outputs
    from rnninspect.tf.trace import trace_graph

    graph_def = parse_graph_def(path, spec)
    graph = tf.Graph()
    try:
        with graph.as_default(), silenced_native_stderr():
            tf.graph_util.import_graph_def(graph_def, name="")
    except Exception as e:
        raise ModelSourceError(
            f"{spec!r} parses as a GraphDef but TensorFlow cannot import it: "
            f"{first_line(e)}") from e
    inputs, outputs = graph_inputs_outputs(graph, spec)
    traced = trace_graph(graph, inputs, outputs, model=spec, dialect="legacy")
    if not traced.variables:  # frozen: the weights became constants
        return replace(traced, variables=tuple(frozen_weights(graph)))
    return traced


def parse_graph_def(path: Path, spec: str) -> Any:
    tf = import_tensorflow()
    from google.protobuf import message, text_format

    graph_def = tf.compat.v1.GraphDef()
    data = path.read_bytes()
    if path.suffix.lower() == ".pbtxt":
        try:
            text_format.Parse(data.decode("utf-8"), graph_def)
        except (text_format.ParseError, UnicodeDecodeError) as e:
            raise ModelSourceError(
                f"{spec!r} is not a text GraphDef: {e}; write it with "
                f"tf.io.write_graph(graph, dir, name, as_text=True)") from None
        return graph_def
    try:
        graph_def.ParseFromString(data)
    except (message.DecodeError, RuntimeWarning) as e:
        raise ModelSourceError(
            f"{spec!r} is not a binary GraphDef (truncated or another format: {e}); write it "
            f"with tf.io.write_graph(graph, dir, name, as_text=False)") from None
    if not graph_def.node:
        raise ModelSourceError(f"{spec!r} holds an empty GraphDef (no ops)")
    return graph_def


def frozen_weights(graph: Any) -> list[TracedVariable]:
    """Float constants that a matmul, bias add or gather uses as its weight operand."""
    tf = import_tensorflow()
    found = []
    for op in graph.get_operations():
        if op.type != "Const" or not op.outputs[0].dtype.is_floating:
            continue
        shape = op.outputs[0].shape
        if shape.rank is None or shape.rank < 1 or shape.num_elements() in (None, 0, 1):
            continue
        if _used_as_weight(op):
            dims = tuple(int(d) for d in shape.as_list())
            found.append(TracedVariable(op.name, op.name, dims,
                                        tf.as_dtype(op.outputs[0].dtype).name, True))
    return found


def _used_as_weight(op: Any) -> bool:
    frontier = [op.outputs[0]]
    while frontier:
        tensor = frontier.pop()
        for consumer in tensor.consumers():
            if consumer.type in _LOOK_THROUGH:
                frontier.extend(consumer.outputs)
                continue
            positions = _WEIGHT_USES.get(consumer.type, ())
            if any(consumer.inputs[i] is tensor for i in positions if i < len(consumer.inputs)):
                return True
            if consumer.type in ("Add", "AddV2") and tensor.shape.rank == 1:
                other = [t for t in consumer.inputs if t is not tensor]
                if other and other[0].op.type in _WEIGHT_USES:
                    return True  # x @ W + b
    return False

