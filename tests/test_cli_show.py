"""The CLI: output, JSON contract, exit codes, one-line errors, no TensorFlow for --help."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from rnninspect.cli import main
from tests.helpers import make_console

SEED_CASES = [("ptb", "legacy"), ("ptb", "keras"), ("mnist", "legacy"), ("mnist", "keras")]


def run(argv, width=100):
    out, out_buf = make_console(width)
    err, err_buf = make_console(width)
    status = main(argv, console=out, err_console=err)
    return status, out_buf.getvalue(), err_buf.getvalue()


@pytest.mark.parametrize(("model", "dialect"), SEED_CASES)
@pytest.mark.parametrize("width", [80, 160])
def test_show_matches_golden(golden, model, dialect, width):
    status, out, err = run(["show", model, "--dialect", dialect], width=width)
    assert status == 0, err
    golden(f"show/{model}-{dialect}-{width}.txt", out)
    # Paired invariants: nothing wider than the console; the params column adds up to the
    # unique total in the header, so a regenerated golden file cannot hide a wrong count.
    assert all(len(line) <= width for line in out.splitlines())
    total = int(re.search(r"parameters\s+([\d,]+) unique", out).group(1).replace(",", ""))
    column = [int(m.group(1).replace(",", "")) for m in
              re.finditer(r"\[[\d, ]*\]\s+(?:float32\s+)?([\d,]+)\s", out)]
    assert column and sum(column) == total


@pytest.mark.parametrize(("model", "dialect"), SEED_CASES)
def test_show_json_has_the_contract_fields(model, dialect):
    status, out, _ = run(["show", model, "--dialect", dialect, "--format", "json"])
    assert status == 0
    doc = json.loads(out)
    assert doc["schema"] == "rnninspect.inspection/1"
    for key in ("model", "dialect", "num_steps", "total_params", "variables", "cells",
                "findings"):
        assert key in doc
    assert doc["total_params"] == sum(v["params"] for v in doc["variables"] if v["trainable"])
    for v in doc["variables"]:
        for key in ("name", "shape", "dtype", "params", "trainable", "role", "cell", "layer",
                    "steps", "dynamic", "shared"):
            assert key in v, key
        if v["role"] == "input_hidden_fused":
            assert set(v["row_split"]) == {"input", "hidden"}
    kernels = [v for v in doc["variables"] if v.get("gates")]
    assert kernels and all(len(v["gates"]) == 4 for v in kernels)


def test_models_lists_the_zoo():
    status, out, _ = run(["models"])
    assert status == 0
    assert "ptb" in out and "mnist" in out and "small" in out and "legacy" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "nope"], "unknown model 'nope'; built-in models: ptb, mnist"),
        (["show", "ptb", "--config", "huge"], "unknown config 'huge' for model 'ptb'"),
        (["show", "ptb", "--dialect", "jax"], "unknown dialect 'jax' for model 'ptb'"),
        (["show", "ptb", "--num-steps", "0"], "--num-steps must be ≥ 1; got 0"),
        (["show", "ptb", "--hidden", "-5"], "--hidden must be ≥ 1; got -5"),
        (["show", "ptb", "--hidden", "abc"], "--hidden takes a whole number; got 'abc'"),
        (["show", "mnist", "--vocab", "5"], "--vocab does not apply to model 'mnist'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_input_is_one_line_exit_2(argv, message):
    status, out, err = run(argv, width=300)
    assert status == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("rnninspect: error: ")
    assert message in lines[0]
    assert "Traceback" not in err


def test_traceback_flag_shows_the_traceback():
    status, _, err = run(["--traceback", "show", "ptb", "--config", "huge"], width=300)
    assert status == 2
    assert "Traceback" in err and "InvalidOptionError" in err


def test_help_and_models_do_not_import_tensorflow():
    code = (
        "import sys; from rnninspect.cli import main\n"
        "import io, contextlib\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['models']); main(['--help'])\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\n"
        "assert 'keras' not in sys.modules, 'keras imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_legacy_worker_leaves_tf_keras_alone(inspect_cached):
    import os

    inspect_cached("ptb", dialect="legacy")  # built in the TF1 worker process
    import keras
    import tensorflow as tf

    assert "TF_USE_LEGACY_KERAS" not in os.environ
    assert tf.keras.layers.LSTM is keras.layers.LSTM  # still Keras 3 here


def test_python_api_prints_a_summary():
    code = "import rnninspect; print(rnninspect.inspect('mnist'))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert "136,586" in result.stdout and "input→hidden" in result.stdout
    assert "oneDNN" not in result.stderr and "cuda" not in result.stderr.lower()


MISSING_BACKENDS = [b for b in ("torch", "jax")
                    if __import__("importlib").util.find_spec(b) is None]


@pytest.mark.skipif(not MISSING_BACKENDS, reason="torch and jax are both installed here")
def test_train_on_a_missing_backend_is_one_clear_line():
    import os

    backend = MISSING_BACKENDS[0]
    env = dict(os.environ, KERAS_BACKEND=backend)
    result = subprocess.run([sys.executable, "-m", "rnninspect", "train", "ptb", "--config",
                             "test", "--max-steps", "1"], capture_output=True, text=True, env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"rnninspect: error: KERAS_BACKEND={backend} needs {backend}, which is not installed "
        f"here; pip install {backend} (or unset KERAS_BACKEND to train on TensorFlow)")
