"""Valid small files of every form `rnninspect show FILE` accepts: the starting points the
mutations damage. Each form is written into its own folder under the seed root and named by
the spec a user would type (relative to that folder)."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

# form -> the spec, relative to the form's folder
FORMS: dict[str, str] = {
    "pb": "frozen.pb",
    "pbtxt": "frozen.pbtxt",
    "meta": "model.ckpt.meta",
    "ckpt": ".",  # a checkpoint directory, no graph
    "savedmodel": ".",  # a SavedModel directory
    "keras": "model.keras",
    "h5": "model.h5",
    "py": "model.py:build",
}

PY_SOURCE = '''"""A tiny Keras LSTM the fuzz test damages."""
import keras


def build():
    x = keras.Input((3, 2), batch_size=2, name="x")
    h = keras.layers.LSTM(4, name="lstm")(x)
    return keras.Model(x, keras.layers.Dense(2, name="head")(h), name="tiny")
'''


def write_seeds(root: Path, forms: Iterable[str]) -> None:
    """Write each of `forms` not yet there as `root`/FORM (TensorFlow and Keras 3 in this
    process); a folder appears only once its form is whole."""
    for form in sorted(set(forms)):
        if (root / form).exists():
            continue
        partial = root / f"{form}.partial"
        if partial.exists():
            shutil.rmtree(partial)
        partial.mkdir(parents=True)
        _WRITERS[form](partial)
        partial.rename(root / form)


def _frozen(folder: Path, keep: str) -> None:
    from tests.models.sources import saved_files

    saved_files.write_frozen(folder)
    for name in ("frozen.pb", "frozen.pbtxt"):
        if name != keep:
            (folder / name).unlink()


def _saved_model(folder: Path) -> None:
    from tests.models.sources import saved_files

    folder.rmdir()
    saved_files.write_saved_model(folder)


def _keras(folder: Path, name: str) -> None:
    import keras

    x = keras.Input((3, 2), batch_size=2, name="x")
    h = keras.layers.LSTM(4, name="lstm")(x)
    keras.Model(x, keras.layers.Dense(2, name="head")(h), name="tiny").save(folder / name)


def _python(folder: Path) -> None:
    (folder / "model.py").write_text(PY_SOURCE)


def _tf1(writer: str) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        from tests.models.sources import saved_files

        getattr(saved_files, writer)(folder)

    return write


_WRITERS: dict[str, Callable[[Path], None]] = {
    "pb": lambda folder: _frozen(folder, "frozen.pb"),
    "pbtxt": lambda folder: _frozen(folder, "frozen.pbtxt"),
    "meta": _tf1("write_meta"),
    "ckpt": _tf1("write_checkpoint_only"),
    "savedmodel": _saved_model,
    "keras": lambda folder: _keras(folder, "model.keras"),
    "h5": lambda folder: _keras(folder, "model.h5"),
    "py": lambda folder: _python(folder),
}
