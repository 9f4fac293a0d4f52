"""What a generated program really builds, without rnninspect: each variable's name, shape and
trainability, read from the framework itself. The generator's own tests compare this with the
truth the writer recorded (names, total_params, training_state_count).

TF1 programs need `TF_USE_LEGACY_KERAS=1` before TensorFlow is imported, so `variables_of`
runs `python -m tests.generated.built FILE...` in a child process for them; run directly, the
module prints one JSON list per file.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

Variables = list[tuple[str, list[int], bool]]  # (name, shape, trainable)


def _load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"_generated_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build()


def _tf1_variables(path: Path) -> Variables:
    graph = _load(path)
    with graph.as_default():
        import tensorflow as tf

        trainable = {v.op.name for v in tf.compat.v1.trainable_variables()}
        return [(v.op.name, v.shape.as_list(), v.op.name in trainable)
                for v in tf.compat.v1.global_variables()]


def keras_variables(path: Path) -> Variables:
    import keras

    keras.backend.clear_session()
    value = _load(path)
    model = value[0] if isinstance(value, tuple) else value  # (model, input signature)
    return [(v.path, list(v.shape), bool(v.trainable)) for v in model.variables]


def tf2_variables(path: Path) -> Variables:
    """A Keras model's variables by path; a tf.Module's or a ConcreteFunction's by their own
    `tf.Variable` names."""
    import keras

    keras.backend.clear_session()
    value = _load(path)
    owner = value[0] if isinstance(value, tuple) else value
    if isinstance(owner, keras.Model):
        return [(v.path, list(v.shape), bool(v.trainable)) for v in owner.variables]
    return [(v.name.removesuffix(":0"), v.shape.as_list(), bool(v.trainable))
            for v in owner.variables]


def variables_of(paths: list[Path], dialect: str) -> list[Variables]:
    """The variables each program builds (TF1 ones in one child process)."""
    if dialect == "keras":
        return [keras_variables(p) for p in paths]
    if dialect == "tf2":
        return [tf2_variables(p) for p in paths]
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="2")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-m", "tests.generated.built", *map(str, paths)],
                          capture_output=True, text=True, env=env, cwd=root, check=False)
    if done.returncode:
        raise AssertionError(done.stderr[-3000:])
    return [[(n, s, t) for n, s, t in json.loads(line)] for line in done.stdout.splitlines()]


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(json.dumps(_tf1_variables(Path(arg))))
