"""A loop state that no weight multiplies is still a recurrence (docs/analysis.md §6,
`loops.recurrent_states`), but a running sum is none: a loss accumulated in the loop body
must not turn the head that feeds it into a layer of its own."""

from __future__ import annotations

from pathlib import Path

from rnninspect import inspect

RUNNING_SUM = '''
import tensorflow as tf

tf1 = tf.compat.v1
B, T, F, H = 2, 5, 3, 4


def build():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [T, B, F], name="x")
        W = tf1.get_variable("W", [F, H])
        U = tf1.get_variable("U", [H, H])
        V = tf1.get_variable("V", [H, 1])

        def body(t, h, total):
            h = tf.tanh(tf.matmul(x[t], W) + tf.matmul(h, U))
            return t + 1, h, total + tf.reduce_sum(tf.square(tf.matmul(h, V)))

        _, _, total = tf.while_loop(lambda t, *_: t < T, body,
                                    (tf.constant(0), tf.zeros([B, H]), tf.constant(0.0)))
        tf1.train.GradientDescentOptimizer(0.1).minimize(total)
        tf.identity(total, name="loss")
    return g
'''


def test_a_loss_summed_in_the_loop_is_no_layer(tmp_path: Path) -> None:
    path = tmp_path / "running_sum.py"
    path.write_text(RUNNING_SUM, encoding="utf-8")
    got = inspect(f"{path}:build").to_dict()
    roles = {v["name"]: (v["role"], v["cell"]) for v in got["variables"]}
    assert len(got["cells"]) == 1
    assert roles["W"][0] == "input_to_hidden" and roles["U"][0] == "hidden_to_hidden"
    assert roles["V"] == ("hidden_to_output", None)
