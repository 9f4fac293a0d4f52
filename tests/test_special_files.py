"""Special files (issue 23, items 4, 5 and 15): `-o` onto a FIFO, a device or a symlink
writes into it and never replaces the node; output paths are fixed before user code runs
(a build that calls ``os.chdir`` cannot move them); a FIFO or a symlink to ``/dev/zero``
given as a model file is refused at once with one line, never read."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from rnninspect.cli.paths import check_output_path
from rnninspect.render.save import write_atomic
from tests.helpers import run_cli


def _read_fifo(path: Path, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        with path.open("rb") as f:
            into.append(f.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def test_write_into_a_fifo_keeps_the_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _read_fifo(fifo, got)
    write_atomic(fifo, b"{}\n")
    reader.join(5)
    assert got == [b"{}\n"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode), "the FIFO was replaced by a regular file"


def test_write_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real" / "graph.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_dangling_symlink_writes_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "target.json")
    write_atomic(link, b"x")
    assert link.is_symlink() and (tmp_path / "target.json").read_bytes() == b"x"


def test_a_device_is_accepted_as_output_without_a_temporary_file() -> None:
    assert check_output_path("/dev/null", (".json",), format_given=True) == Path("/dev/null")


def test_output_paths_are_absolute_before_user_code_runs(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert check_output_path("out.json", (".json",)) == tmp_path / "out.json"


MOVING_BUILD = """
import os
import keras

def build():
    os.chdir({other!r})
    return keras.Sequential([keras.Input((3, 2)), keras.layers.SimpleRNN(4)])
"""


def test_a_build_that_changes_directory_does_not_move_the_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "out.json").write_text("precious")
    (tmp_path / "moving.py").write_text(MOVING_BUILD.format(other=str(other)))
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["export", "moving.py:build", "-o", "out.json", "--no-cache"])
    assert code == 0, err
    assert (tmp_path / "out.json").exists()
    assert (other / "out.json").read_text() == "precious"
    assert Path.cwd() == tmp_path  # the build's chdir was undone


# -- special files as model files (item 15) -------------------------------------------------

def _run_fresh(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """In a child with a time limit: the bug these tests guard against is a hang."""
    root = Path(__file__).resolve().parents[1]
    return subprocess.run([sys.executable, "-m", "rnninspect", *argv], capture_output=True,
                          text=True, timeout=60, cwd=root,
                          env={**os.environ, "PYTHONPATH": str(root)})


@pytest.mark.parametrize("spec", ["model.keras", "model.h5", "graph.pb", "model.py:build"])
def test_a_fifo_as_model_file_is_refused_at_once(tmp_path: Path, spec: str) -> None:
    os.mkfifo(tmp_path / spec.split(":")[0])
    done = _run_fresh(["show", str(tmp_path / spec)])
    assert done.returncode == 2 and "not a regular file (a FIFO)" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["model.keras", "model.h5"])
def test_a_symlink_to_dev_zero_is_refused(tmp_path: Path, name: str) -> None:
    link = tmp_path / name
    link.symlink_to("/dev/zero")
    done = _run_fresh(["show", str(link)])
    assert done.returncode == 2 and "a character device" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("name", "start"), [("big.keras", b"PK\x03\x04"),
                                             ("big.h5", b"\x89HDF\r\n\x1a\n")])
def test_a_huge_model_file_is_refused_without_reading_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, start: bytes) -> None:
    import h5py

    from rnninspect.sources import keras_file

    path = tmp_path / name
    path.write_bytes(start + b"\0" * 2048)
    monkeypatch.setattr(keras_file, "MAX_ARCHIVE_BYTES", 1024)
    opened = []
    monkeypatch.setattr(h5py, "File", lambda *a, **k: opened.append(a))  # must not be reached
    code, _, err = run_cli(["show", str(path)])
    assert code == 2 and "larger than" in err and name in err
    assert opened == []
