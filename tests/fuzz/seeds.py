"""Valid small files of every form `rnninspect show FILE` accepts: the starting points the
mutations damage. Each form is written into its own folder under the seed root and named by
the spec a user would type (relative to that folder)."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

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


def write_seeds(root: Path) -> None:
    """Write every form under `root`/FORM (TensorFlow and Keras 3 in this process)."""
    import keras

    from tests.models.sources import saved_files

    for form in FORMS:
        (root / form).mkdir(parents=True, exist_ok=True)
    saved_files.write_frozen(root / "pb")
    (root / "pb" / "frozen.pbtxt").unlink()
    saved_files.write_frozen(root / "pbtxt")
    (root / "pbtxt" / "frozen.pb").unlink()
    saved_files.write_meta(root / "meta")
    saved_files.write_checkpoint_only(root / "ckpt")
    (root / "savedmodel").rmdir()
    saved_files.write_saved_model(root / "savedmodel")
    x = keras.Input((3, 2), batch_size=2, name="x")
    h = keras.layers.LSTM(4, name="lstm")(x)
    model = keras.Model(x, keras.layers.Dense(2, name="head")(h), name="tiny")
    model.save(root / "keras" / "model.keras")
    model.save(root / "h5" / "model.h5")
    (root / "py" / "model.py").write_text(PY_SOURCE)
