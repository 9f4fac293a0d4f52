"""A legacy Keras HDF5 file (`.h5`, `.hdf5`): a whole model (`model.save("model.h5")` in
tf.keras 2.x, tf_keras or Keras 3) or weights only (`model.save_weights("weights.h5")`).

Nothing in the file runs. A legacy HDF5 model can carry a `Lambda` layer as marshalled
Python bytecode, and tf_keras's `load_model` turns it into a function (and calls it while it
rebuilds the model) even when given `safe_mode=True`; so the model's config is read as JSON
first and any bytecode is refused before a loader sees the file, as is an object from a
module outside Keras (tf_keras imports whatever module a file names). The loaders then run
in safe mode too.

Which loader: Keras 3's legacy HDF5 reader (the Keras that reads `.keras` files) in this
process; a model it cannot rebuild, written by Keras 2 (tf.keras 2.x recurrent layers save a
`time_major` argument Keras 3 refuses; tf_keras-only layers such as `LocallyConnected1D`), is
read by tf_keras in the TF1 worker process (DESIGN.md §2).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnninspect.errors import ModelSourceError, RnnInspectError
from rnninspect.graph import Traced
from rnninspect.model import Inspection
from rnninspect.sources.code import Failure
from rnninspect.sources.config_sizes import refuse_oversized_layers, stored_dims
from rnninspect.sources.frames import first_line
from rnninspect.sources.keras_file import check_archive_size

SAVE_AGAIN = "save the model again with model.save('model.keras') (or 'model.h5')"


@dataclass(frozen=True)
class Weights:
    """A weights-only file's variables: (name, shape, dtype) and each one's layer position."""

    listed: tuple[tuple[str, tuple[int, ...], str], ...]
    layer_of: tuple[tuple[str, int], ...]


def load_h5_file(path: Path, spec: str) -> Traced | Inspection:
    check_archive_size(path, "Keras HDF5 file")  # before h5py or TensorFlow reads a byte
    config, keras_version, weights = read_h5(path, spec)
    if weights is not None:
        from rnninspect.sources.checkpoint import inspect_names_and_shapes

        return inspect_names_and_shapes(weights.listed, spec, dict(weights.layer_of))
    refuse_code(config, spec)
    model, keras3_reason = _read_with_keras3(path)
    if model is not None:
        from rnninspect.sources.signature import trace_keras

        return trace_keras(model, spec, None)
    if keras_version.startswith("3."):  # Keras 3 wrote it: tf_keras will not do better
        raise ModelSourceError(_cannot(spec, f"Keras 3: {keras3_reason}"))
    from rnninspect.tf import worker as legacy_worker

    reply: Traced | Failure = legacy_worker.call(ReadH5InWorker(str(path.resolve()), spec))
    if isinstance(reply, Failure) and reply.kind == "unreadable":
        raise ModelSourceError(_cannot(
            spec, f"Keras 3 ({keras3_reason}) nor with tf_keras ({reply.message})"))
    if isinstance(reply, Failure):
        raise reply.error()
    return reply


def _cannot(spec: str, why: str) -> str:
    return (f"cannot load {spec!r} with {why}; if it holds custom layers, build the model in "
            f"FILE.py:NAME with their classes imported (model.load_weights({spec!r}) reads "
            f"its weights) and give that")


def _reason(error: BaseException) -> str:
    """A loader's error, shortened to its first sentence (Keras appends paragraphs)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0].split(". ")[0].rstrip(".") if lines else type(error).__name__


def read_h5(path: Path, spec: str) -> tuple[Any, str, Weights | None]:
    """(the model config as JSON, the Keras version that wrote it, None) for a whole model;
    (None, version, its weights) for a weights-only file. h5py only: no TensorFlow."""
    import h5py

    if not h5py.is_hdf5(str(path)):
        raise ModelSourceError(
            f"{str(path)!r} is not an HDF5 file (truncated or another format); {SAVE_AGAIN}")
    try:
        with h5py.File(path, "r") as f:
            version = _text(f.attrs.get("keras_version", ""))
            raw = f.attrs.get("model_config")
            if raw is not None:
                config = json.loads(_text(raw))
                weights = f.get("model_weights")
                dims = stored_dims(weights) if weights is not None else []
                refuse_oversized_layers(config, dims, spec)
                return config, version, None
            return None, version, _weights(f, path)
    except ModelSourceError:
        raise
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as e:
        raise ModelSourceError(
            f"{str(path)!r} is a damaged HDF5 file ({first_line(e)}); {SAVE_AGAIN}") from None


def _weights(f: Any, path: Path) -> Weights:
    """A Keras 2 `save_weights` file: `layer_names` at the top, each layer's `weight_names`."""
    if "layer_names" not in f.attrs:
        if "layers" in f and "vars" in f:  # Keras 3 `save_weights` (.weights.h5)
            raise ModelSourceError(
                f"{str(path)!r} holds Keras 3 weights only, stored by number, not by name; "
                f"load them into the model in FILE.py:NAME (model.load_weights(...)) and "
                f"give that, or {SAVE_AGAIN}")
        raise ModelSourceError(
            f"{str(path)!r} is an HDF5 file with no Keras model in it (no model_config) and "
            f"no Keras weights (no layer_names); {SAVE_AGAIN}")
    listed, layer_of = [], []
    for position, layer in enumerate(_text(n) for n in f.attrs["layer_names"]):
        group = f[layer]
        for weight in (_text(n) for n in group.attrs.get("weight_names", [])):
            name = weight.removesuffix(":0")
            data = group[weight]
            listed.append((name, tuple(int(d) for d in data.shape), str(data.dtype)))
            layer_of.append((name, position))
    if not listed:
        raise ModelSourceError(f"{str(path)!r} holds Keras weights for no layer; {SAVE_AGAIN}")
    return Weights(tuple(listed), tuple(layer_of))


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


# Packages a serialized object may name: what Keras 3 itself imports; tf_keras would import
# any module a file names (and call what it finds there).
_KERAS_PACKAGES = frozenset({"keras", "tf_keras", "builtins", "keras_hub", "keras_cv",
                             "keras_nlp"})


def refuse_code(config: Any, spec: str) -> None:
    """One line, before any loader sees the file, for a config that would run code: a
    `Lambda` whose function (or output shape) is marshalled Python bytecode — Keras 3's
    `__lambda__` object or tf.keras 2.x's `function_type: "lambda"` — or an object from a
    module outside Keras, which loading would import."""
    for node in _dicts(config):
        if node.get("class_name") == "__lambda__" or "lambda" in (
                node.get("function_type"), node.get("output_shape_type")):
            raise ModelSourceError(
                f"{spec!r} holds a Lambda layer whose function is Python bytecode, which "
                f"rnninspect never runs; build the model in FILE.py:NAME (the Lambda as "
                f"code you can read) and give that instead")
        module = node.get("module")
        if "class_name" in node and isinstance(module, str) and \
                module.split(".")[0] not in _KERAS_PACKAGES:
            raise ModelSourceError(
                f"{spec!r} names {module}.{node['class_name']}, which is not part of Keras, "
                f"and rnninspect imports nothing a model file names; build the model in "
                f"FILE.py:NAME with it imported and give that instead")


def _dicts(value: Any) -> list[dict[str, Any]]:
    """Every dict nested in a JSON value (wrappers, nested models, cells), depth first."""
    found, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _read_with_keras3(path: Path) -> tuple[Any, str]:
    """(the model, "") or (None, why Keras 3's legacy HDF5 reader, in safe mode, failed)."""
    import h5py

    from rnninspect.tf.imports import import_keras_for_tracing, silenced_native_stderr

    import_keras_for_tracing()
    from keras.src.legacy.saving import legacy_h5_format
    from keras.src.saving.serialization_lib import SafeModeScope

    try:  # safe mode as a scope: older Keras 3 releases' reader has no safe_mode argument
        with silenced_native_stderr(), SafeModeScope(True), h5py.File(path, "r") as f:
            return legacy_h5_format.load_model_from_hdf5(f, compile=False), ""
    except Exception as e:
        return None, _reason(e)


@dataclass(frozen=True)
class ReadH5InWorker:
    """Worker request: read a Keras 2 HDF5 model with tf_keras (TF_USE_LEGACY_KERAS=1), in
    safe mode, and trace it."""

    path: str
    spec: str

    def run(self) -> Traced | Failure:
        import tf_keras
        from tf_keras.src.saving import serialization_lib

        from rnninspect.sources.objects import to_traced
        from rnninspect.tf.imports import silenced_native_stderr

        tf_keras.backend.clear_session()
        try:
            with serialization_lib.SafeModeScope(True), silenced_native_stderr():
                model = tf_keras.models.load_model(self.path, compile=False)
        except Exception as e:
            return Failure("unreadable", _reason(e))
        try:
            return to_traced(model, self.spec)
        except RnnInspectError as e:
            return Failure("trace", str(e))
