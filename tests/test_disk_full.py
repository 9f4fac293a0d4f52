"""Issue 23 item 8: a full disk is one line naming the path and the space left there, exit 2
— a checkpoint (the previous one stays intact), an `-o` file, stdout (`> /dev/full`) — never
"internal error ... report it"."""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console

from rnninspect.cli import main
from rnninspect.errors import OutputError
from rnninspect.render.save import write_atomic
from rnninspect.train import checkpoint as ckpt

FULL = Path("/dev/full")
needs_dev_full = pytest.mark.skipif(not FULL.exists(), reason="no /dev/full here")


def disk_full(*_: Any, **__: Any) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def half_written_then_full(file: Any, **_: Any) -> None:
    file.write(b"PK\x03\x04 a torn start")
    disk_full()


def snapshot(value: float, step: int) -> ckpt.Snapshot:
    meta = {"settings": {"family": "ptb"}, "position": {"epoch": 0, "step": step}}
    return ckpt.Snapshot(meta, [np.full((2, 3), value, np.float32)], None)


def test_full_disk_keeps_the_previous_checkpoint(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    ckpt.save(tmp_path, snapshot(1.0, 5))
    before = sorted(p.name for p in tmp_path.iterdir())
    monkeypatch.setattr(np, "savez", half_written_then_full)
    with pytest.raises(OutputError) as raised:
        ckpt.save(tmp_path, snapshot(2.0, 6))
    message = str(raised.value)
    assert "\n" not in message
    assert str(tmp_path / ckpt.CHECKPOINT) in message and "no space left on device" in message
    assert "free there" in message and "previous checkpoint there is intact" in message
    assert f"--resume {tmp_path}" in message
    assert isinstance(raised.value, OSError)  # callers may catch the builtin
    monkeypatch.undo()
    kept = ckpt.load(tmp_path)
    assert kept.meta["position"]["step"] == 5 and float(kept.variables[0][0, 0]) == 1.0
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no temporary left behind


def test_full_disk_on_the_first_checkpoint_says_nothing_was_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(np, "savez", half_written_then_full)
    with pytest.raises(OutputError) as raised:
        ckpt.save(tmp_path, snapshot(1.0, 1))
    assert "intact" not in str(raised.value) and "--checkpoint on another disk" in str(
        raised.value)
    assert list(tmp_path.iterdir()) == []


def test_full_disk_while_saving_the_model(tmp_path: Path) -> None:
    class Model:
        def save(self, path: Path) -> None:
            Path(path).write_bytes(b"torn")
            disk_full()

    (tmp_path / ckpt.MODEL_FILE).write_bytes(b"the previous model")
    with pytest.raises(OutputError, match=r"cannot write model .*model\.keras: no space left"):
        ckpt.save_model(tmp_path, Model())
    assert (tmp_path / ckpt.MODEL_FILE).read_bytes() == b"the previous model"
    assert [p.name for p in tmp_path.iterdir()] == [ckpt.MODEL_FILE]


@pytest.mark.slow  # a real (tiny) training run: Keras' start-up and a compiled step
def test_full_disk_during_training_is_one_line(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("keras")
    monkeypatch.setattr(np, "savez", disk_full)
    err = io.StringIO()
    code = main(["train", "ptb", "--config", "test", "--hidden", "8", "--num-steps", "3",
                 "--batch", "4", "--epochs", "1", "--max-steps", "2", "--checkpoint-every", "1",
                 "--device", "cpu", "--checkpoint", str(tmp_path / "run")],
                console=Console(file=io.StringIO()),
                err_console=Console(file=err, width=400, color_system=None))
    lines = err.getvalue().strip().splitlines()
    assert code == 2, err.getvalue()
    assert len(lines) == 1 and lines[0].startswith("rnninspect: error: cannot write checkpoint")
    assert str(tmp_path / "run" / ckpt.CHECKPOINT) in lines[0]


def test_full_disk_keeps_an_existing_output_file(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "net.svg"
    target.write_bytes(b"old")

    class Full(io.BufferedWriter):
        def write(self, data: Any) -> int:
            disk_full()
            return 0

    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, mode="r", *a, **k: Full(
        real_fdopen(fd, "wb", buffering=0)))  # type: ignore[arg-type]
    with pytest.raises(OutputError) as raised:
        write_atomic(target, b"new")
    assert str(target) in str(raised.value) and "unchanged" in str(raised.value)
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["net.svg"]


@needs_dev_full
def test_output_into_dev_full() -> None:
    with pytest.raises(OutputError, match="cannot write /dev/full: no space left on device"):
        write_atomic(FULL, b"x" * 100_000)


@needs_dev_full
def test_models_to_dev_full_is_one_line() -> None:
    with FULL.open("w") as full:
        done = subprocess.run([sys.executable, "-m", "rnninspect", "models"], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == ("rnninspect: error: cannot write stdout (/dev/full): no space left "
                           "on device\n")


@needs_dev_full
def test_show_json_to_dev_full_is_one_line() -> None:
    pytest.importorskip("tensorflow")
    with FULL.open("w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "rnninspect", "show", "mnist", "--dialect", "keras",
             "--format", "json", "--no-cache"], stdout=full, stderr=subprocess.PIPE, text=True,
            timeout=180, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert lines[-1] == ("rnninspect: error: cannot write stdout (/dev/full): no space left on "
                         "device"), done.stderr
    assert "internal error" not in done.stderr and "Exception ignored" not in done.stderr


def test_full_disk_behind_a_redirected_file_names_it_and_its_free_space(tmp_path: Path) -> None:
    from rnninspect.cli.streams import GuardedStdout

    class FullFile(io.TextIOWrapper):
        def flush(self) -> None:
            disk_full()

    path = tmp_path / "out.json"
    raw = path.open("wb")
    try:
        stream = GuardedStdout(FullFile(raw, encoding="utf-8"))
        with pytest.raises(OutputError) as raised:
            stream.flush()
    finally:
        raw.close()
    message = str(raised.value)
    assert message.startswith(f"cannot write stdout ({path}): no space left on device (")
    assert message.endswith(" free there)")


def test_a_full_checkpoint_disk_is_found_before_training(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from rnninspect.train import preflight

    real_write = os.write

    def full(fd: int, data: bytes) -> int:
        if data == b"x":  # the probe preflight writes
            disk_full()
        return real_write(fd, data)

    monkeypatch.setattr(preflight.os, "write", full)
    err = io.StringIO()
    code = main(["train", "ptb", "--checkpoint", str(tmp_path / "run")],
                console=Console(file=io.StringIO()),
                err_console=Console(file=err, width=400, color_system=None))
    assert code == 2
    line = err.getvalue().strip()
    assert "\n" not in line and str(tmp_path / "run") in line
    assert "cannot write there (No space left on device, " in line and " free there)" in line
