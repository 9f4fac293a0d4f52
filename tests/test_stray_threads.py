"""Issue 23 item 16: a build that leaves a non-daemon thread running still gets its result
printed and the command exits (Python alone would wait for the thread forever)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from rnninspect.cli.leave import leave, stray_threads

BUILD = """
import threading

import keras


def build():
    threading.Thread(target=threading.Event().wait, name="loader\\x1b[2J").start()
    return keras.Sequential([keras.Input((3, 4)), keras.layers.SimpleRNN(2)])
"""


def test_show_exits_although_the_build_left_a_thread(tmp_path: Path) -> None:
    pytest.importorskip("keras")
    model = tmp_path / "stray.py"
    model.write_text(BUILD)
    done = subprocess.run(
        [sys.executable, "-m", "rnninspect", "show", f"{model}:build", "--no-cache"],
        capture_output=True, text=True, timeout=180,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})  # a hang fails as TimeoutExpired
    assert done.returncode == 0, done.stderr[-2000:]
    assert "simple_rnn" in done.stdout  # the result came out whole
    assert "left 1 thread running (loader\\x1b[2J)" in done.stderr  # named, escaped


def test_no_stray_thread_is_a_plain_exit() -> None:
    assert stray_threads() == []
    with pytest.raises(SystemExit) as raised:
        leave(3)
    assert raised.value.code == 3


def test_daemon_threads_are_not_stray() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        assert stray_threads() == []
    finally:
        stop.set()
        thread.join()
