"""Issue 11 item 15 and issue 10's "user output stays out of ours": a user module that exits
at import is named as the one that exited; whatever user code prints while it is imported,
built and traced goes to stderr (in-process and in the TF1 worker), so `--format json` and
DOT on stdout stay valid."""

from __future__ import annotations

import json
import textwrap

import pytest

from tests.helpers import run_cli

ARGPARSE_AT_IMPORT = """
import argparse
parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
args = parser.parse_args()

def build():
    raise AssertionError("never reached")
"""

KERAS_PRINTS = """
import keras
print("Build model... (import)")

class Loud(keras.layers.Layer):
    def call(self, x):
        print("Build model... (call)")
        return x

def build():
    print("Build model... (build)")
    x = keras.Input((3, 2), batch_size=2)
    h = keras.layers.LSTM(4, unroll=True, name="lstm")(Loud()(x))
    return keras.Model(x, keras.layers.Dense(2, name="head")(h))
"""

TF1_PRINTS = """
import tensorflow as tf
tf1 = tf.compat.v1
print("Build model... (import)")

def build():
    print("Build model... (build)")
    graph = tf.Graph()
    with graph.as_default(), tf1.variable_scope("lm"):
        x = tf1.placeholder(tf.float32, [2, 3, 2], name="x")
        cell = tf1.nn.rnn_cell.BasicLSTMCell(4)
        outputs, _ = tf1.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
        w = tf1.get_variable("w", [4, 2])
        tf.matmul(outputs[-1], w, name="logits")
    return graph
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def test_sys_exit_at_import_is_named_as_the_users(tmp_path, capsys):
    path = write(tmp_path, "argparse_at_import.py", ARGPARSE_AT_IMPORT)
    code, out, err = run_cli(["show", f"{path}:build"])
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "argparse_at_import.py called sys.exit(2) while being imported" in lines[0]
    usage = capsys.readouterr().err  # argparse's own usage line names the user's file
    assert "usage: rnninspect" not in usage
    assert "argparse_at_import.py" in usage


@pytest.mark.parametrize("source", [KERAS_PRINTS, TF1_PRINTS], ids=["keras", "tf1-worker"])
def test_user_prints_go_to_stderr_and_json_stays_valid(tmp_path, capsys, source):
    path = write(tmp_path, "loud_model.py", source)
    code, out, err = run_cli(["show", f"{path}:build", "--format", "json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["variables"]
    assert "Build model" not in out
    printed = capsys.readouterr()
    assert "Build model" not in printed.out
    assert "Build model... (import)" in printed.err
    assert "Build model... (build)" in printed.err


def test_diagram_dot_on_stdout_stays_valid(tmp_path, capsys):
    path = write(tmp_path, "loud_model.py", KERAS_PRINTS)
    code, out, err = run_cli(["diagram", f"{path}:build"])
    assert code == 0, err
    assert out.lstrip().startswith("digraph") and out.rstrip().endswith("}")
    assert "Build model" not in capsys.readouterr().out


EXITS = """
import os
import sys

import keras
import tensorflow as tf

def hard_exit():
    os._exit(0)

def tf1_hard_exit():
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.placeholder(tf.float32, [2, 3])
        os._exit(0)
    return graph

class Quits(keras.Model):
    def __init__(self, how):
        super().__init__()
        self.how = how

    def call(self, x):
        self.how(0)
        return x

def exit_while_traced():
    return Quits(os._exit), [tf.TensorSpec([2, 3], tf.float32)]

def sys_exit_while_traced():
    return Quits(sys.exit), [tf.TensorSpec([2, 3], tf.float32)]
"""


@pytest.mark.parametrize("name, said", [
    ("hard_exit", "exits.py:hard_exit() called os._exit(0)"),
    ("tf1_hard_exit", "exits.py:tf1_hard_exit() called os._exit(0)"),  # in the TF1 worker
    ("exit_while_traced", "tracing {path}:exit_while_traced called os._exit(0)"),
    ("sys_exit_while_traced", "tracing {path}:sys_exit_while_traced called sys.exit(0)"),
])
def test_user_code_that_ends_the_process_is_one_line_not_a_silent_success(
        tmp_path, name, said):
    # os._exit(0) used to end rnninspect itself with status 0 and no output at all
    path = write(tmp_path, "exits.py", EXITS)
    code, out, err = run_cli(["show", f"{path}:{name}"])
    assert (code, out) == (2, "")
    lines = err.strip().splitlines()
    assert len(lines) == 1 and said.format(path=path) in lines[0], err


def test_concrete_function_whose_owner_was_a_local_is_one_line(tmp_path):
    """A concrete function holds its variables weakly: returned from a build whose tf.Module
    was a local, they are gone by the time it is traced."""
    source = tmp_path / "gone.py"
    source.write_text(textwrap.dedent("""\
        import tensorflow as tf


        class Net(tf.Module):
            def __init__(self):
                self.w = tf.Variable(tf.ones([3, 3]))

            @tf.function(input_signature=[tf.TensorSpec([2, 3], tf.float32)])
            def __call__(self, x):
                return tf.tanh(x @ self.w)


        def build():
            net = Net()
            return net.__call__.get_concrete_function()
        """), encoding="utf-8")
    code, out, err = run_cli(["show", f"{source}:build"])
    assert code == 2 and out == "" and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert "variables were deleted" in err and "(obj, [tf.TensorSpec" in err
