"""Stacks where some layers run on one cell object's weights: the `[cell] * n` bug, mixed with
a separate layer. T=5 steps, hidden 3, input 2."""

import keras
import tensorflow as tf

tf1 = tf.compat.v1
T, F, H, B = 5, 3, 3, 2


def tf1_two_tied_one_separate():
    """MultiRNNCell([cell, cell, other]): layers 0 and 1 share `cell`, layer 2 has its own."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [B, T, H], name="x")
        tied = tf1.nn.rnn_cell.BasicLSTMCell(H, name="tied")
        separate = tf1.nn.rnn_cell.BasicLSTMCell(H, name="separate")
        stack = tf1.nn.rnn_cell.MultiRNNCell([tied, tied, separate])
        outputs, _ = tf1.nn.static_rnn(stack, tf.unstack(x, axis=1), dtype=tf.float32)
        w = tf1.get_variable("w_out", [H, 2])
        tf.matmul(outputs[-1], w, name="logits")
    return graph


def keras_two_tied_one_separate():
    """StackedRNNCells([cell, cell, other]) unrolled: the Keras form of the same bug."""
    tied = keras.layers.LSTMCell(H, name="tied")
    separate = keras.layers.LSTMCell(H, name="separate")
    x = keras.Input((T, H), batch_size=B, name="x")
    rnn = keras.layers.RNN(keras.layers.StackedRNNCells([tied, tied, separate]), unroll=True,
                           name="stack")
    return keras.Model(x, keras.layers.Dense(2, name="head")(rnn(x)), name="mixed")
