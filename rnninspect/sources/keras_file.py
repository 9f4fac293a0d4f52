"""A `.keras` file, or a `rnninspect train --checkpoint` directory holding `model.keras`."""

from __future__ import annotations

import contextlib
import zipfile
from pathlib import Path
from typing import Any

from rnninspect.errors import ModelSourceError
from rnninspect.graph import Traced

MAX_ARCHIVE_BYTES = 4 * 1024**3  # a .keras/.h5 file (or what it unpacks to) beyond this is refused


def check_archive_size(path: Path, kind: str = ".keras file") -> None:
    """Refuse a model file (or an archive's unpacked contents: a zip bomb) above
    `MAX_ARCHIVE_BYTES` before anything reads it, naming both sizes."""
    size = path.stat().st_size
    with contextlib.suppress(zipfile.BadZipFile, OSError), zipfile.ZipFile(path) as archive:
        size = max(size, sum(info.file_size for info in archive.infolist()))
    if size > MAX_ARCHIVE_BYTES:
        raise ModelSourceError(
            f"{str(path)!r} is larger than rnninspect reads ({size:,} bytes unpacked; the limit "
            f"is {MAX_ARCHIVE_BYTES:,}): is it really a {kind}?")


def load_keras_file(path: Path, spec: str) -> Traced:
    from rnninspect.sources.signature import trace_keras

    return trace_keras(load_keras_model(path, spec), spec, None)


def load_keras_model(path: Path, spec: str) -> Any:
    """The Keras model in a .keras file, or one line saying why not. Every command that
    reads a .keras file (show, grads, probe) comes through here."""
    from rnninspect.tf.imports import import_keras_for_tracing, silenced_native_stderr

    check_archive_size(path)  # before TensorFlow is imported: a refusal is instant
    if not zipfile.is_zipfile(path):
        raise ModelSourceError(
            f"{str(path)!r} is not a valid .keras archive (truncated or not a zip file); "
            f"save the model again with model.save({path.name!r})")
    with zipfile.ZipFile(path) as archive:
        missing = [n for n in ("config.json", "model.weights.h5") if n not in archive.namelist()]
    if missing:
        raise ModelSourceError(
            f"{str(path)!r} is a zip but not a whole .keras archive (no {missing[0]}); save "
            f"the model again with model.save({path.name!r})")
    _refuse_oversized(path, spec)
    keras = import_keras_for_tracing()
    import rnninspect.zoo.keras_models  # noqa: F401 - registers PTBModel / MNISTModel

    try:
        with silenced_native_stderr():
            model_obj = keras.saving.load_model(path, safe_mode=True)
    except Exception as e:
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelSourceError(
            f"cannot load {str(path)!r} with keras.saving.load_model(safe_mode=True): "
            f"{type(e).__name__}: {message}; if it holds custom layers, register them with "
            f"@keras.saving.register_keras_serializable, or load it in FILE.py:NAME "
            f"yourself") from e
    return model_obj


def _refuse_oversized(path: Path, spec: str) -> None:
    """`config_sizes.refuse_oversized_layers` on the archive's config.json and weights (what
    cannot be read here is left to Keras's loader, which says why)."""
    import json

    import h5py

    from rnninspect.sources.config_sizes import refuse_oversized_layers, stored_dims

    try:  # the weights member is opened in place (only its metadata is read), not copied
        with zipfile.ZipFile(path) as archive, archive.open("model.weights.h5") as weights, \
                h5py.File(weights, "r") as f:
            config = json.loads(archive.read("config.json"))
            dims = stored_dims(f)
    except (OSError, ValueError, RuntimeError, KeyError, zipfile.BadZipFile):
        return
    refuse_oversized_layers(config, dims, spec)
