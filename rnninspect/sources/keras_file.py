"""A `.keras` file, or a `rnninspect train --checkpoint` directory holding `model.keras`."""

from __future__ import annotations

import zipfile
from pathlib import Path

from rnninspect.errors import ModelSourceError
from rnninspect.graph import Traced


def load_keras_file(path: Path, spec: str) -> Traced:
    from rnninspect.sources.signature import trace_keras
    from rnninspect.tf.imports import import_keras_for_tracing, silenced_native_stderr

    keras = import_keras_for_tracing()
    import rnninspect.zoo.keras_models  # noqa: F401 - registers PTBModel / MNISTModel

    if not zipfile.is_zipfile(path):
        raise ModelSourceError(
            f"{str(path)!r} is not a valid .keras archive (truncated or not a zip file); "
            f"save the model again with model.save({path.name!r})")
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
    return trace_keras(model_obj, spec, None)
