"""One TF1 LSTM over T steps written four ways — static_rnn or dynamic_rnn, with or without
`sequence_length` — with the same weights (constant initialisers), for the gradients: at full
lengths all four compute the same thing, so their per-step contributions must agree.
Each builder returns the tf.Graph, as a user's `file.py:build` does."""

from __future__ import annotations

T, F, H, B = 4, 3, 5, 2


def _graph(unroll: bool, lengths: bool):
    import numpy as np
    import tensorflow as tf

    tf1 = tf.compat.v1
    rng = np.random.default_rng(7)
    kernel = rng.normal(0, 0.5, (F + H, 4 * H)).astype("float32")
    head = rng.normal(0, 0.5, (H, 2)).astype("float32")
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [B, T, F], name="x")
        seqlen = tf1.placeholder(tf.int32, [B], name="lengths") if lengths else None
        cell = tf1.nn.rnn_cell.LSTMCell(H, initializer=tf1.constant_initializer(kernel))
        if unroll:
            outputs, _ = tf1.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32,
                                           sequence_length=seqlen)
            last = outputs[-1]
        else:
            outputs, _ = tf1.nn.dynamic_rnn(cell, x, dtype=tf.float32, sequence_length=seqlen)
            last = outputs[:, -1]
        w = tf1.get_variable("head", initializer=tf.constant(head))
        tf.matmul(last, w, name="out")
    return graph


def static_plain():
    return _graph(unroll=True, lengths=False)


def static_lengths():
    return _graph(unroll=True, lengths=True)


def dynamic_plain():
    return _graph(unroll=False, lengths=False)


def dynamic_lengths():
    return _graph(unroll=False, lengths=True)


def unknown_length():
    """dynamic_rnn over inputs whose time dimension is unknown: no static unroll exists."""
    import tensorflow as tf

    tf1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [B, None, F], name="x")
        outputs, _ = tf1.nn.dynamic_rnn(tf1.nn.rnn_cell.GRUCell(H), x, dtype=tf.float32)
        tf.identity(outputs[:, -1], name="out")
    return graph


def bidirectional_dynamic():
    """bidirectional_dynamic_rnn calls dynamic_rnn twice (the backward one on reversed
    inputs): both directions are unrolled."""
    import tensorflow as tf

    tf1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [B, T, F], name="x")
        (fw, bw), _ = tf1.nn.bidirectional_dynamic_rnn(
            tf1.nn.rnn_cell.GRUCell(H), tf1.nn.rnn_cell.GRUCell(H), x, dtype=tf.float32)
        tf.concat([fw[:, -1], bw[:, 0]], axis=1, name="out")
    return graph


def hand_written_loop():
    """A cell written by hand inside tf.while_loop: no dynamic_rnn to unroll."""
    import tensorflow as tf

    tf1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [B, T, F], name="x")
        w = tf1.get_variable("w", [F, H])
        u = tf1.get_variable("u", [H, H])

        def body(t, h):
            return t + 1, tf.tanh(tf.matmul(x[:, t], w) + tf.matmul(h, u))

        _, h = tf.while_loop(lambda t, h: t < T, body, [tf.constant(0), tf.zeros([B, H])])
        tf.identity(h, name="out")
    return graph
