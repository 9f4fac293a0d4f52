"""Saved graphs: a TF2 SavedModel directory and a GraphDef (`.pb` binary, `.pbtxt` text)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from rnninspect.errors import ModelSourceError
from rnninspect.graph import Traced
from rnninspect.sources.frames import first_line
from rnninspect.sources.function_library import refuse_recursive_functions
from rnninspect.tf.imports import import_tensorflow, silenced_native_stderr

# Frozen graphs hold their weights as constants; these consumers mark a constant as a weight.


def load_saved_model(path: Path, spec: str) -> Traced:
    from rnninspect.tf.trace import traced_from_concrete

    key, concrete, variables = open_saved_model(path, spec)
    return traced_from_concrete(concrete, variables, model=spec, dialect="keras",
                                config=(("signature", key),))


def open_saved_model(path: Path, spec: str) -> tuple[str, Any, list[Any]]:
    """(its signature's key, that ConcreteFunction, the SavedModel's variables), or one line
    saying why not. Every command that reads a SavedModel (show, grads) comes through here."""
    tf = import_tensorflow()
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
    return key, concrete, list(getattr(loaded, "variables", None) or concrete.variables)


def load_graph_def(path: Path, spec: str) -> Traced:
    from rnninspect.sources.graph_io import graph_inputs_outputs
    from rnninspect.tf.trace import trace_graph

    graph = import_graph_file(path, spec)
    inputs, outputs = graph_inputs_outputs(graph, spec)
    traced = trace_graph(graph, inputs, outputs, model=spec, dialect="legacy")
    if not traced.variables:  # frozen: the weights became constants
        from rnninspect.sources.frozen import with_frozen_weights

        return with_frozen_weights(traced, graph)
    return traced


def import_graph_file(path: Path, spec: str) -> Any:
    """A tf.Graph from a .pb/.pbtxt GraphDef, or one line saying why not. Every loader of a
    GraphDef (show, grads, probe) comes through here."""
    tf = import_tensorflow()
    graph_def = parse_graph_def(path, spec)
    graph = tf.Graph()
    try:
        with graph.as_default(), silenced_native_stderr():
            tf.graph_util.import_graph_def(graph_def, name="")
    except Exception as e:
        raise ModelSourceError(
            f"{spec!r} parses as a GraphDef but TensorFlow cannot import it: "
            f"{first_line(e)}") from e
    return graph


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
        refuse_recursive_functions(graph_def, spec)
        refuse_malformed_constants(graph_def, spec)
        return graph_def
    try:
        graph_def.ParseFromString(data)
    except (message.DecodeError, RuntimeWarning) as e:
        raise ModelSourceError(
            f"{spec!r} is not a binary GraphDef (truncated or another format: {e}); write it "
            f"with tf.io.write_graph(graph, dir, name, as_text=False)") from None
    if not graph_def.node:
        raise ModelSourceError(f"{spec!r} holds an empty GraphDef (no ops)")
    refuse_recursive_functions(graph_def, spec)
    refuse_malformed_constants(graph_def, spec)
    return graph_def


def refuse_malformed_constants(graph_def: Any, spec: str) -> None:
    """Refuse a constant whose packed bytes do not fill its shape exactly (a frozen graph's
    weights are such constants; TensorFlow imports them unchecked and fails, or reads
    garbage, only when the value is used)."""
    tf = import_tensorflow()
    nodes = [*graph_def.node, *(n for f in graph_def.library.function for n in f.node_def)]
    for node in nodes:
        tensor = node.attr["value"].tensor if node.op == "Const" else None
        if tensor is None or not tensor.tensor_content:
            continue  # a value given as a list (or none) is checked by TensorFlow itself
        dims = [d.size for d in tensor.tensor_shape.dim]
        try:
            dtype = tf.as_dtype(tensor.dtype)
            itemsize, kind = dtype.size, dtype.name
        except TypeError:  # an enum TensorFlow does not define
            itemsize, kind = None, f"unknown dtype {tensor.dtype}"
        need = math.prod(dims) * itemsize if itemsize and min(dims, default=0) >= 0 else None
        if need != len(tensor.tensor_content):
            raise ModelSourceError(
                f"{spec!r}: constant {node.name!r} holds {len(tensor.tensor_content):,} bytes, "
                f"which do not fill its shape {dims} ({kind}); the file is "
                f"damaged: write it again with tf.io.write_graph")
