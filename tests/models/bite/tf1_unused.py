"""A TF1 static RNN whose scope holds one variable nothing reads: `RNN/spare` [4, 4] is
created with get_variable and never used (16 parameters). T=5 steps, 3 features, hidden 4."""

import tensorflow as tf

tf1 = tf.compat.v1
T, F, H, B = 5, 3, 4, 2


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [B, T, F], name="x")
        cell = tf1.nn.rnn_cell.BasicRNNCell(H)
        outputs, _ = tf1.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32,
                                       scope="RNN")
        with tf1.variable_scope("RNN"):
            tf1.get_variable("spare", [H, H])
        w = tf1.get_variable("w_out", [H, 2])
        tf.matmul(outputs[-1], w, name="logits")
    return graph
