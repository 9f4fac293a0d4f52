"""Output on a stream that cannot hold UTF-8 (issue 23, item 14): ASCII symbols, never
`internal error: UnicodeEncodeError`; `--format json` stays valid and exact."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NAME = "café/kernel→😀"


def _run(argv: list[str], tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "PYTHONPATH": str(ROOT),
           "RNNINSPECT_CACHE_DIR": str(tmp_path / "cache"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "rnninspect", *argv], capture_output=True,
                          env=env, cwd=tmp_path, timeout=300)


def test_models_on_an_ascii_stream(tmp_path: Path) -> None:
    done = _run(["models"], tmp_path)
    assert done.returncode == 0, done.stderr
    done.stdout.decode("ascii")  # pure ASCII


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import tensorflow as tf

    folder = tmp_path_factory.mktemp("ascii") / "ckpt"
    folder.mkdir()
    tf.raw_ops.SaveV2(prefix=str(folder / "model.ckpt"), tensor_names=[NAME, "rnn/kernel"],
                      shape_and_slices=["", ""], tensors=[tf.zeros([3, 4]), tf.zeros([8, 16])])
    (folder / "checkpoint").write_text('model_checkpoint_path: "model.ckpt"\n')
    return folder


@pytest.mark.parametrize("command", ["show", "sharing"])
def test_tables_on_an_ascii_stream(checkpoint: Path, tmp_path: Path, command: str) -> None:
    done = _run([command, str(checkpoint)], tmp_path)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("ascii")
    assert "caf\\u00e9" in text and "internal error" not in done.stderr.decode("ascii")


def test_json_on_an_ascii_stream_is_exact(checkpoint: Path, tmp_path: Path) -> None:
    done = _run(["show", str(checkpoint), "--format", "json"], tmp_path)
    assert done.returncode == 0, done.stderr
    names = {v["name"] for v in json.loads(done.stdout.decode("ascii"))["variables"]}
    assert NAME in names
