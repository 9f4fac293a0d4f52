"""Saved models a user might hand over (docs/models.md "Your own models"): a broken one gives one
line that names the file and the fix, exit status 2, and no traceback; a frozen loop, lowered
to TF 1.x control flow or not, is analysed."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import zipfile
from pathlib import Path

import pytest

from rnninspect.cli import main
from tests.helpers import make_console
from tests.models.sources import saved_files


def _show(spec: Path) -> tuple[int, str]:
    out, _ = make_console(200)
    err, err_buf = make_console(400)
    status = main(["show", str(spec)], console=out, err_console=err)
    return status, err_buf.getvalue()


def _refused(spec: Path, *words: str) -> None:
    status, err = _show(spec)
    lines = err.strip().splitlines()
    assert status == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    assert str(spec) in lines[0], lines[0]
    for word in words:
        assert word in lines[0], lines[0]


def test_truncated_frozen_graph(tmp_path: Path) -> None:
    frozen, _ = saved_files.write_frozen(tmp_path)
    data = frozen.read_bytes()
    frozen.write_bytes(data[: len(data) // 3])
    _refused(frozen, "tf.io.write_graph")


def test_keras_archive_without_its_config(tmp_path: Path) -> None:
    spec = tmp_path / "model.keras"
    with zipfile.ZipFile(spec, "w") as archive:  # what a .keras holds, less config.json
        archive.writestr("metadata.json", '{"keras_version": "3.0.0"}')
        archive.writestr("model.weights.h5", b"")
    _refused(spec, "model.save")


def test_saved_model_with_no_signatures(tmp_path: Path) -> None:
    spec = saved_files.write_saved_model(tmp_path / "nosig", signatures=False)
    _refused(spec, "signatures=")


def test_meta_graph_whose_checkpoint_data_is_missing(tmp_path: Path) -> None:
    """The `.index` says a checkpoint is there, its data file is gone: restoring fails."""
    prefix = saved_files.write_meta(tmp_path)
    for data in tmp_path.glob("model.ckpt.data-*"):
        data.unlink()
    _refused(Path(f"{prefix}.meta"), "checkpoint")


@pytest.mark.parametrize("lower", [True, False], ids=["lowered", "functional"])
def test_frozen_graph_with_a_while_loop_lowered_or_not(tmp_path: Path, lower: bool) -> None:
    """convert_variables_to_constants_v2 lowers loops to TF 1.x control flow by default
    (Enter/Merge/Switch/NextIteration/Exit; it used to be an internal error, then refused):
    either way the frozen LSTM loop is one cell, its kernels in their roles, dynamic."""
    import tensorflow as tf
    from tensorflow.python.framework import convert_to_constants

    from rnninspect.api import inspect

    kernel, recurrent = tf.Variable(tf.ones([3, 16])), tf.Variable(tf.ones([4, 16]) * 0.5)

    @tf.function(input_signature=[tf.TensorSpec([5, 2, 3], tf.float32)])
    def loop(x: tf.Tensor) -> tf.Tensor:
        h = c = tf.zeros([2, 4])
        for t in tf.range(5):
            i, f, g, o = tf.split(tf.matmul(x[t], kernel) + tf.matmul(h, recurrent), 4, 1)
            c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
            h = tf.sigmoid(o) * tf.tanh(c)
        return h

    frozen = convert_to_constants.convert_variables_to_constants_v2(
        loop.get_concrete_function(), lower_control_flow=lower).graph.as_graph_def()
    ops = {node.op for node in frozen.node}
    assert ("NextIteration" in ops) == lower
    spec = tmp_path / "loop.pb"
    spec.write_bytes(frozen.SerializeToString())
    roles = {v.shape: (v.role.value, v.dynamic) for v in inspect(str(spec)).variables}
    assert roles == {(3, 16): ("input_to_hidden", True), (4, 16): ("hidden_to_hidden", True)}


@pytest.mark.parametrize("name", ["saved_model.pb", "frozen.pb"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / name).write_bytes(b"")
    _refused(folder if name == "saved_model.pb" else folder / name)
