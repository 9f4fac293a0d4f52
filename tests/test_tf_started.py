"""Issue 23 item 21: a build that changes a setting TensorFlow accepts only before it starts
(threads, visible devices, memory growth) fails under rnninspect, which started TensorFlow
first; the one-line error says so, names the user's line and what to do instead."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import run_cli

pytest.importorskip("tensorflow")

BUILD = """
import keras
import tensorflow as tf
{top}

def build():
    {inside}
    return keras.Sequential([keras.Input((3, 4)), keras.layers.SimpleRNN(2)])
"""
CASES = [
    ("tf.config.threading.set_intra_op_parallelism_threads({n})", "TF_NUM_INTRAOP_THREADS"),
    ("tf.config.threading.set_inter_op_parallelism_threads({n})", "TF_NUM_INTEROP_THREADS"),
]
THREADS = itertools.count(3)  # a call that sets the value TensorFlow already has is a no-op


@pytest.fixture(autouse=True)
def _tensorflow_started() -> None:
    """What the CLI has done by the time a build runs (in this process an earlier test may
    not have): TensorFlow's runtime is up."""
    import tensorflow as tf

    tf.constant(0)


def write(tmp_path: Path, top: str = "", inside: str = "pass") -> str:
    path = tmp_path / "threads_model.py"
    path.write_text(BUILD.format(top=top, inside=inside))
    return f"{path}:build"


def one_line_error(argv: list[str]) -> str:
    code, out, err = run_cli(argv)
    assert (code, out) == (2, ""), err
    assert err.count("\n") == 1, err
    return err


@pytest.mark.parametrize(("call", "env"), CASES)
@pytest.mark.parametrize("where", ["module", "build"])
def test_setting_after_start_is_explained(tmp_path: Path, call: str, env: str, where: str
                                          ) -> None:
    call = call.format(n=next(THREADS))
    spec = write(tmp_path, top=call) if where == "module" else write(tmp_path, inside=call)
    err = one_line_error(["show", spec, "--no-cache"])
    line = 4 if where == "module" else 7
    assert f"threads_model.py:{line}" in err and call in err  # the user's own line
    assert "rnninspect had already started TensorFlow" in err
    assert "guard the call" in err and env in err
    assert "Traceback" not in err and "internal error" not in err


def test_a_setting_without_an_environment_variable_says_guard_only(tmp_path: Path) -> None:
    call = ("tf.config.set_logical_device_configuration(tf.config.list_physical_devices('CPU')"
            "[0], [tf.config.LogicalDeviceConfiguration()] * 2)")
    err = one_line_error(["show", write(tmp_path, inside=call), "--no-cache"])
    assert "already started TensorFlow" in err and "guard the call" in err
    assert "environment" not in err


def test_the_guarded_call_builds(tmp_path: Path) -> None:
    guarded = ("try:\n        tf.config.threading.set_intra_op_parallelism_threads(99)\n"
               "    except RuntimeError:\n        pass")
    code, out, err = run_cli(["show", write(tmp_path, inside=guarded), "--no-cache"])
    assert code == 0, err
    assert "simple_rnn" in out


def test_other_runtime_errors_are_not_explained_this_way(tmp_path: Path) -> None:
    err = one_line_error(["show", write(tmp_path, inside="raise RuntimeError('boom')"),
                          "--no-cache"])
    assert "RuntimeError: boom" in err and "already started" not in err


def test_in_a_real_process(tmp_path: Path) -> None:
    """Through the installed entry point, as a user meets it (no test set TensorFlow up)."""
    spec = write(tmp_path, top="tf.config.threading.set_intra_op_parallelism_threads(2)")
    done = subprocess.run([sys.executable, "-m", "rnninspect", "show", spec, "--no-cache"],
                          capture_output=True, text=True, timeout=180,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 2 and done.stdout == ""
    lines = [line for line in done.stderr.splitlines() if line.startswith("rnninspect:")]
    assert len(lines) == 1 and "TF_NUM_INTRAOP_THREADS" in lines[0], done.stderr[-2000:]
