"""A fused kernel read as two row slices whose products are added (`x @ W[:F] + h @ W[F:]`)
is `concat([x, h]) @ W`: one fused kernel, its row split given (docs/analysis.md §3), in a
static unroll and in a while loop, through a strided slice, `tf.slice` or `tf.split`, the
state's rows first or last. Two slices that both multiply data that is no state are no
fused kernel.

The truth is written from each program below: which slice multiplies h_{t-1}."""

from __future__ import annotations

from pathlib import Path
from typing import Any

HEADER = '''
import tensorflow as tf

tf1 = tf.compat.v1
T, B, F, U = 3, 2, 4, 5


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [B, T, F], name="x")
        h = tf.zeros([B, U])
{body}
        w_out = tf1.get_variable("w_out", [U, 2])
        tf.matmul(h, w_out, name="logits")
    return graph
'''

PROGRAMS = {
    # unrolled, a strided slice, the state's rows last
    "unrolled_state_last": '''
        W = tf1.get_variable("W", [F + U, U])
        for t in range(T):
            h = tf.tanh(tf.matmul(x[:, t], W[:F]) + tf.matmul(h, W[F:]))
''',
    # unrolled, tf.split along the rows, the state's rows first
    "unrolled_state_first_split": '''
        W = tf1.get_variable("W", [U + F, U])
        for t in range(T):
            w_h, w_x = tf.split(W, [U, F], axis=0)
            h = tf.tanh(tf.matmul(h, w_h) + tf.matmul(x[:, t], w_x))
''',
    # a while loop, tf.slice
    "while_slice": '''
        W = tf1.get_variable("W", [F + U, U])
        xs = tf.transpose(x, [1, 0, 2])

        def step(t, h):
            top, bottom = tf.slice(W, [0, 0], [F, U]), tf.slice(W, [F, 0], [U, U])
            return t + 1, tf.tanh(tf.matmul(xs[t], top) + tf.matmul(h, bottom))

        _, h = tf.while_loop(lambda t, h: t < T, step, [0, h])
''',
    # both slices multiply inputs (two halves of the features): an input layer, no state
    "unrolled_two_inputs": '''
        P = tf1.get_variable("P", [F, U])
        R = tf1.get_variable("R", [U, U])
        for t in range(T):
            z = tf.matmul(x[:, t, :2], P[:2]) + tf.matmul(x[:, t, 2:], P[2:])
            h = tf.tanh(z + tf.matmul(h, R))
''',
}


def _inspect(tmp_path: Path, program: str) -> dict[str, Any]:
    from rnninspect import inspect

    path = tmp_path / f"{program}.py"
    path.write_text(HEADER.format(body=PROGRAMS[program]), encoding="utf-8")
    result: dict[str, Any] = inspect(f"{path}:build").to_dict()
    return result


def _variables(got: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in got["variables"]}


def _unresolved(got: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in got["findings"] if f["kind"] == "unresolved"]


def test_unrolled_row_slices_are_one_fused_kernel(tmp_path: Path) -> None:
    got = _inspect(tmp_path, "unrolled_state_last")
    w = _variables(got)["W"]
    assert w["role"] == "input_hidden_fused"
    assert w["row_split"] == {"input": [0, 4], "hidden": [4, 9]}
    assert w["steps"] == [0, 1, 2]
    assert [c["num_steps"] for c in got["cells"]] == [3]
    assert not _unresolved(got)


def test_split_with_the_state_rows_first(tmp_path: Path) -> None:
    got = _inspect(tmp_path, "unrolled_state_first_split")
    w = _variables(got)["W"]
    assert w["role"] == "input_hidden_fused"
    assert w["row_split"] == {"input": [5, 9], "hidden": [0, 5]}
    assert w["steps"] == [0, 1, 2]
    assert not _unresolved(got)


def test_row_slices_in_a_while_loop(tmp_path: Path) -> None:
    got = _inspect(tmp_path, "while_slice")
    w = _variables(got)["W"]
    assert w["role"] == "input_hidden_fused"
    assert w["row_split"] == {"input": [0, 4], "hidden": [4, 9]}
    assert w["dynamic"]


def test_slices_on_two_inputs_are_no_fused_kernel(tmp_path: Path) -> None:
    got = _inspect(tmp_path, "unrolled_two_inputs")
    variables = _variables(got)
    assert variables["P"]["role"] == "input_to_hidden"
    assert variables["R"]["role"] == "hidden_to_hidden"
