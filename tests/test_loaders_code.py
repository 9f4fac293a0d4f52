"""TF1 user code (built in the worker), bad user code, and reuse errors provoked for real."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import sys
from pathlib import Path

import pytest

from rnninspect import zoo
from rnninspect.analysis import analyze
from rnninspect.errors import ModelSourceError, UnknownModelError
from rnninspect.model import Role
from rnninspect.sources import load_user

R = Role
SRC = "tests/models/sources"
TF1 = f"{SRC}/tf1_models.py"
BAD = f"{SRC}/bad_code.py"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch):
    monkeypatch.chdir(Path(__file__).parent.parent)


def message(spec, error=ModelSourceError):
    with pytest.raises(error) as e:
        load_user(spec)
    return str(e.value)


# --- TF1 code: built in the worker, the user's process keeps Keras 3 ------------------------


def test_tf1_graph_with_variable_scope():
    ins = analyze(load_user(f"{TF1}:scoped_graph"))
    assert ins.dialect == "legacy" and ins.num_steps == 4
    assert [(v.name, v.shape, v.role, v.steps) for v in ins.variables] == [
        ("lm/embedding", (7, 5), R.EMBEDDING, ()),
        ("lm/rnn/basic_lstm_cell/kernel", (10, 20), R.INPUT_HIDDEN_FUSED, (0, 1, 2, 3)),
        ("lm/rnn/basic_lstm_cell/bias", (20,), R.BIAS, (0, 1, 2, 3)),
        ("lm/softmax_w", (5, 7), R.HIDDEN_TO_OUTPUT, ()),
    ]
    kernel = ins.variable("lm/rnn/basic_lstm_cell/kernel")
    assert [g.gate for g in kernel.gates] == ["i", "j", "f", "o"]
    assert ins.total_params == 35 + 200 + 20 + 35
    assert "tf_keras" not in sys.modules and os.environ.get("TF_USE_LEGACY_KERAS") != "1"


def test_tf1_graph_without_scope_dynamic_rnn():
    traced = load_user(f"{TF1}:plain_graph")
    assert traced.inputs == ("x",) and traced.outputs == ("out",)
    ins = analyze(traced)
    assert ins.num_steps is None
    assert ins.variable("w_in").role is R.INPUT_TO_HIDDEN
    assert ins.variable("w_out").role is R.HIDDEN_TO_OUTPUT
    gates = ins.variable("rnn/gru_cell/gates/kernel")
    assert gates.role is R.INPUT_HIDDEN_FUSED and gates.dynamic and gates.shared
    assert ins.total_params == 15 + 100 + 10 + 50 + 5 + 10


def test_tf_keras_model_in_the_worker():
    ins = analyze(load_user(f"{TF1}:tf_keras_model"))
    assert [(v.name, v.role) for v in ins.variables] == [
        ("lstm/lstm_cell/kernel", R.INPUT_TO_HIDDEN),
        ("lstm/lstm_cell/recurrent_kernel", R.HIDDEN_TO_HIDDEN),
        ("lstm/lstm_cell/bias", R.BIAS),
        ("head/kernel", R.HIDDEN_TO_OUTPUT),
        ("head/bias", R.BIAS),
    ]
    assert ins.num_steps == 4 and "tf_keras" not in sys.modules


# --- bad user code: one line each --------------------------------------------------------------


def test_syntax_error_shows_file_and_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("broken.py").write_text("import tensorflow\n\ndef build(:\n    pass\n")
    assert message("broken.py:build") == "syntax error in broken.py:3: invalid syntax: def build(:"


def test_missing_name_lists_what_the_module_defines():
    assert message(f"{BAD}:build") == (
        f"{BAD} has no 'build'; it defines: HIDDEN, needs_args, raises, returns_dict")


def test_function_that_raises_shows_the_users_frame_only():
    assert message(f"{BAD}:raises") == (
        f"{BAD}:raises() raised ValueError: hidden size must be positive, got -4 "
        f"(at {BAD}:10 in _check: raise ValueError(f\"hidden size must be positive, got "
        "{hidden}\"))")


def test_unsupported_return_value():
    assert message(f"{BAD}:returns_dict") == (
        f"{BAD}:returns_dict returned a dict; rnninspect accepts a built Keras model "
        "(functional, sequential or subclassed; Keras 3 or tf-keras), a tf.Graph (TF1 style), "
        "a tf ConcreteFunction, or a tuple (tf.Module or Keras model, [tf.TensorSpec(...), "
        "...])")


def test_function_with_required_arguments():
    assert message(f"{BAD}:needs_args") == (
        f"{BAD}:needs_args takes required arguments (hidden); rnninspect calls it with none "
        "— give them defaults or wrap it in a function with no arguments")


def test_missing_file_module_and_path():
    assert message("nosuch.py:build", UnknownModelError) == (
        "no such file: 'nosuch.py' (from 'nosuch.py:build')")
    assert message("no.such.module:build", UnknownModelError) == (
        "no module 'no.such.module' on the Python path (current directory included); check "
        "the spelling, or give a file: path/to/module.py:build")
    assert message("runs/nothing.keras", UnknownModelError) == (
        "no such file or directory: 'runs/nothing.keras' — and it is not a built-in model "
        f"({', '.join(zoo.MODELS)}) nor FILE.py:NAME / package.module:NAME")


def test_python_file_without_name():
    assert message(BAD) == (
        f"{BAD!r} is Python code: add :NAME, the function or attribute that returns the "
        f"model, e.g. {BAD}:raises (it defines: raises, returns_dict, needs_args, HIDDEN)")


# --- reuse errors, provoked for real -----------------------------------------------------------

R1 = f"{SRC}/reuse_tf1.py"
R2 = f"{SRC}/reuse_tf2.py"


def test_tf1_variable_already_exists():
    assert message(f"{R1}:already_exists") == (
        f"variable reuse error: {R1}:24 in body: w = tf1.get_variable(\"w\", [F + H, H]) asks "
        "for 'rnn/w' again, but 'rnn/w' [6, 4] (created by that same line on an earlier pass "
        "— a loop over steps) already exists and this variable scope does not reuse "
        "variables; fix: call tf.compat.v1.get_variable_scope().reuse_variables() after the "
        "first step (or open the scope with reuse=tf.compat.v1.AUTO_REUSE); if a separate "
        "weight was meant, give it its own variable_scope")


def test_tf1_cell_already_exists_names_where_the_first_was_made():
    text = message(f"{R1}:cell_already_exists")
    assert text.startswith(
        f"variable reuse error: {R1}:58 in body: tf1.nn.static_rnn(tf1.nn.rnn_cell."
        "BasicLSTMCell(H), steps, dtype=tf.float32) asks for 'rnn/basic_lstm_cell/kernel' "
        "again, but 'rnn/basic_lstm_cell/kernel' [6, 16] (created at "
        f"{R1}:57 in body) already exists")


def test_tf1_shape_mismatch():
    assert message(f"{R1}:shape_mismatch") == (
        f"variable reuse error: {R1}:37 in body: tf1.get_variable(\"w\", [H, H]) asks to share "
        f"'rnn/w' with shape [4, 4], but 'rnn/w' [2, 4] (created at {R1}:35 in body) already "
        "exists; fix: two different weights share one name: give the second its own "
        "variable_scope (or name), or ask for the shape that exists")


def test_tf1_does_not_exist():
    assert message(f"{R1}:does_not_exist") == (
        f"variable reuse error: {R1}:47 in body: tf1.get_variable(\"w\", [F, H]) asks to reuse "
        "'rnn/w', which does not exist yet (no variable has been created with "
        "tf.compat.v1.get_variable so far); fix: create it first — leave reuse off for the "
        "first step and call reuse_variables() only from the second on — or use "
        "reuse=tf.compat.v1.AUTO_REUSE")


SINGLETON_FIX = (
    "tf.function allows variables only on the first trace; fix: create variables (and the "
    "layers or cells that own them) once, outside the traced function — in __init__/build "
    "or before the loop — and only use them inside it")


def test_tf2_variable_created_in_tf_function():
    assert message(f"{R2}:variable_per_call") == (
        f"variable reuse error: {R2}:14 in step: w = tf.Variable(tf.ones([F, H]), name=\"w\") "
        f"creates variable 'w' every time the function is traced — {SINGLETON_FIX}")


def test_tf2_keras_layer_created_in_call():
    assert message(f"{R2}:layer_in_call") == (
        f"variable reuse error: {R2}:26 in call: h, (h, c) = keras.layers.LSTMCell(H, "
        "name=\"cell\")(x[:, t], [h, c]) creates layer 'cell' (and its weights) every time "
        f"the function is traced — {SINGLETON_FIX}")
