"""Graphs whose weights sit where the analysis cannot prove a role: it must say `unresolved`
(naming them), not guess. T=3 steps, 3 features, hidden 4."""

import tensorflow as tf

tf1 = tf.compat.v1
T, F, H, B = 3, 3, 4, 2


def side_branch():
    """A static RNN, plus `scale` [4, 4] read only by a side input's elementwise product."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [B, T, F], name="x")
        side = tf1.placeholder(tf.float32, [H, H], name="side")
        cell = tf1.nn.rnn_cell.BasicRNNCell(H)
        outputs, _ = tf1.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32,
                                       scope="RNN")
        scale = tf1.get_variable("scale", [H, H])
        tf.reduce_sum(side * scale, name="side_out")
        w = tf1.get_variable("w_out", [H, 2])
        tf.matmul(outputs[-1], w, name="logits")
    return graph


def parallel_reads():
    """No recurrence: one Dense weight `w` [3, 3] applied to two inputs side by side."""
    graph = tf.Graph()
    with graph.as_default():
        a = tf1.placeholder(tf.float32, [B, F], name="a")
        b = tf1.placeholder(tf.float32, [B, F], name="b")
        w = tf1.get_variable("w", [F, F])
        tf.add(tf.matmul(a, w), tf.matmul(b, w), name="out")
    return graph


def two_side_weights():
    """As side_branch, with a second unplaceable weight `shift` [4, 4] beside `scale`."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [B, T, F], name="x")
        side = tf1.placeholder(tf.float32, [H, H], name="side")
        cell = tf1.nn.rnn_cell.BasicRNNCell(H)
        outputs, _ = tf1.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32,
                                       scope="RNN")
        scale = tf1.get_variable("scale", [H, H])
        shift = tf1.get_variable("shift", [H, H])
        tf.reduce_sum(side * scale * shift, name="side_out")
        w = tf1.get_variable("w_out", [H, 2])
        tf.matmul(outputs[-1], w, name="logits")
    return graph
