"""Legacy Keras HDF5 files (`.h5`): whole models written by Keras 3 and by tf.keras 2.x
(tf_keras), weights-only files, and what must be refused without running anything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run_cli

MARKER_NAME = "lambda_ran"

# Written by tf_keras (tf.keras 2.x) in a child process: TF_USE_LEGACY_KERAS=1 must be set
# before TensorFlow is imported, and never in this process.
KERAS2_WRITER = """
import os, sys
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import tf_keras as k

out, marker = sys.argv[1], sys.argv[2]
model = k.Sequential([k.Input((5,), batch_size=2, dtype="int32"), k.layers.Embedding(50, 8),
                      k.layers.LSTM(16, return_sequences=True), k.layers.GRU(8),
                      k.layers.Dense(3)])
model.save(os.path.join(out, "model.h5"))
model.save_weights(os.path.join(out, "weights.h5"))
x = k.Input((4, 3))
touched = k.layers.Lambda(lambda t: (open(marker, "w").write("ran"), t)[1])(x)
k.Model(x, k.layers.SimpleRNN(4)(touched)).save(os.path.join(out, "lambda.h5"))
os.remove(marker)  # building the model above called the lambda; loading it must not
"""


def keras3_model() -> Any:
    import keras

    keras.backend.clear_session()
    return keras.Sequential([
        keras.Input((5,), batch_size=2, dtype="int32"), keras.layers.Embedding(50, 8),
        keras.layers.LSTM(16, return_sequences=True), keras.layers.GRU(8),
        keras.layers.Dense(3)])


@pytest.fixture(scope="module")
def keras2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("keras2")
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    done = subprocess.run([sys.executable, "-c", KERAS2_WRITER, str(out),
                           str(out / MARKER_NAME)],
                          capture_output=True, text=True, timeout=240, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return out


@pytest.fixture(scope="module")
def keras3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("keras3")
    model = keras3_model()
    model.save(out / "model.keras")
    model.save(out / "model.h5")
    model.save_weights(out / "model.weights.h5")
    return out


def show_json(path: Path) -> dict[str, Any]:
    code, out, err = run_cli(["show", str(path), "--format", "json", "--no-cache"])
    assert code == 0, err
    document: dict[str, Any] = json.loads(out)
    return document


def answer(document: dict[str, Any]) -> dict[str, Any]:
    """What must not depend on the file form: each variable's leaf name, shape, role, cell,
    steps and loop; the cells; T; the parameter count. (Names carry the saving Keras's
    prefixes: `sequential/lstm/…` in Keras 3, `lstm/…` in tf_keras.)"""
    variables = sorted((v["name"].rsplit("/", 1)[-1], tuple(v["shape"]), v["role"], v["cell"],
                        tuple(v["steps"]), v["dynamic"]) for v in document["variables"])
    cells = sorted(json.dumps({k: v for k, v in c.items() if k not in ("variables", "name")},
                              sort_keys=True) for c in document["cells"])
    return {"variables": variables, "cells": cells, "num_steps": document["num_steps"],
            "total_params": document["total_params"]}


def refused(argv: list[str]) -> str:
    code, out, err = run_cli(argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


def test_keras3_h5_gives_the_answer_of_its_keras_form(keras3: Path) -> None:
    from_h5, from_keras = show_json(keras3 / "model.h5"), show_json(keras3 / "model.keras")
    assert from_h5["dialect"] == from_keras["dialect"] == "keras"
    assert answer(from_h5) == answer(from_keras)
    roles = {v["name"].split("/", 1)[1]: v["role"] for v in from_h5["variables"]}
    assert roles["lstm/lstm_cell/recurrent_kernel"] == "hidden_to_hidden"
    assert roles["dense/kernel"] == "hidden_to_output"
    assert len(from_h5["cells"]) == 2


def test_keras2_h5_is_read_by_tf_keras_with_the_same_answer(keras2: Path,
                                                             keras3: Path) -> None:
    """tf.keras 2.x saves `time_major` in its LSTM config, which Keras 3 refuses: the worker
    reads it with tf_keras, and the answer is the Keras 3 `.keras` form's."""
    from_h5 = show_json(keras2 / "model.h5")
    assert [v["name"] for v in from_h5["variables"]][:2] == [
        "embedding/embeddings", "lstm/lstm_cell/kernel"]  # tf_keras's names: no model prefix
    assert answer(from_h5) == answer(show_json(keras3 / "model.keras"))


def test_keras2_weights_only_are_names_and_shapes(keras2: Path, keras3: Path) -> None:
    document = show_json(keras2 / "weights.h5")
    assert document["dialect"] == "checkpoint" and document["num_steps"] is None
    assert [f["kind"] for f in document["findings"]] == ["no_graph"]
    roles = {v["name"]: v["role"] for v in document["variables"]}
    graph = {v["name"]: v["role"] for v in show_json(keras3 / "model.keras")["variables"]}
    assert roles == graph  # every role guessed as the graph proves it
    assert document["total_params"] == 2651
    assert all(v["steps"] == [] and v["cell"] is None for v in document["variables"])


def test_keras3_weights_file_is_refused_with_the_fix(keras3: Path) -> None:
    err = refused(["show", str(keras3 / "model.weights.h5")])
    assert "model.weights.h5" in err and "load_weights" in err


@pytest.mark.parametrize("writer", ["keras2", "keras3"])
def test_a_bytecode_lambda_is_refused_and_never_runs(writer: str, keras2: Path,
                                                     tmp_path: Path) -> None:
    if writer == "keras2":
        path, marker = keras2 / "lambda.h5", keras2 / MARKER_NAME
    else:
        import keras

        marker = tmp_path / MARKER_NAME
        where = str(marker)
        keras.backend.clear_session()
        x = keras.Input((4, 3))
        touched = keras.layers.Lambda(  # a side effect Keras stores as bytecode
            lambda t: (open(where, "w").write("ran"), t)[1],  # noqa: PTH123, SIM115
            output_shape=(4, 3))(x)
        path = tmp_path / "lambda.h5"
        keras.Model(x, keras.layers.SimpleRNN(4)(touched)).save(path)
        marker.unlink(missing_ok=True)  # building it called the lambda
    for command in (["show", str(path)], ["export", str(path), "-o", str(tmp_path / "o.json")]):
        err = refused(command)
        assert "lambda.h5" in err and "Lambda" in err and "bytecode" in err
    assert not marker.exists(), "the Lambda's code ran"
    assert not (tmp_path / "o.json").exists()


def _rewrite_config(source: Path, target: Path, old: str, new: str) -> Path:
    import shutil

    import h5py

    shutil.copy(source, target)
    with h5py.File(target, "a") as f:
        config = f.attrs["model_config"]
        config = config.decode() if isinstance(config, bytes) else config
        assert old in config
        f.attrs["model_config"] = config.replace(old, new)
    return target


@pytest.mark.parametrize("writer", ["keras3", "keras2"])
def test_an_unknown_layer_is_one_line_naming_it(writer: str, keras2: Path, keras3: Path,
                                                tmp_path: Path) -> None:
    source = (keras3 if writer == "keras3" else keras2) / "model.h5"
    path = _rewrite_config(source, tmp_path / "custom.h5", '"GRU"', '"FancyGRU"')
    err = refused(["export", str(path), "-o", str(tmp_path / "o.json")])
    assert "custom.h5" in err and "FancyGRU" in err and "FILE.py:NAME" in err
    assert ("tf_keras" in err) == (writer == "keras2")  # Keras 2's file: both readers tried
    assert not (tmp_path / "o.json").exists()


def test_an_object_from_outside_keras_is_refused(keras3: Path, tmp_path: Path) -> None:
    path = _rewrite_config(keras3 / "model.h5", tmp_path / "odd.h5",
                           '"module": "keras.initializers"', '"module": "os"')
    err = refused(["show", str(path)])
    assert "odd.h5" in err and "os." in err and "not part of Keras" in err


def test_hostile_files_are_one_line_each(keras3: Path, tmp_path: Path) -> None:
    import h5py

    (tmp_path / "text.h5").write_text("not an HDF5 file\n")
    whole = (keras3 / "model.h5").read_bytes()
    (tmp_path / "truncated.h5").write_bytes(whole[: len(whole) // 2])
    with h5py.File(tmp_path / "data.hdf5", "w") as f:
        f["x"] = [1.0, 2.0]
    expected = {"text.h5": "not an HDF5 file", "truncated.h5": "damaged HDF5 file",
                "data.hdf5": "no Keras model"}
    for name, says in expected.items():
        err = refused(["show", str(tmp_path / name)])
        assert name in err and says in err and "model.save(" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(expected)  # nothing written
