"""TF1 variable-reuse mistakes, each provoked for real (rnninspect explains them)."""

import tensorflow as tf

tf1 = tf.compat.v1
T, F, H = 3, 2, 4


def _steps(body):
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [2, T, F], name="x")
        body(x)
    return graph


def already_exists():
    """The loop forgets reuse_variables(): step 1 asks for step 0's weight again."""

    def body(x):
        h = tf.zeros([2, H])
        for t in range(T):
            with tf1.variable_scope("rnn"):
                w = tf1.get_variable("w", [F + H, H])
                h = tf.tanh(tf.matmul(tf.concat([x[:, t], h], 1), w))

    return _steps(body)


def shape_mismatch():
    """Reuse is on, but the second request asks for another shape."""

    def body(x):
        with tf1.variable_scope("rnn"):
            tf1.get_variable("w", [F, H])
        with tf1.variable_scope("rnn", reuse=True):
            tf1.get_variable("w", [H, H])

    return _steps(body)


def does_not_exist():
    """reuse=True before the first step created anything."""

    def body(x):
        with tf1.variable_scope("rnn", reuse=True):
            tf1.get_variable("w", [F, H])

    return _steps(body)


def cell_already_exists():
    """Two cells in one scope: the second static_rnn asks for the first one's kernel."""

    def body(x):
        steps = tf.unstack(x, axis=1)
        tf1.nn.static_rnn(tf1.nn.rnn_cell.BasicLSTMCell(H), steps, dtype=tf.float32)
        tf1.nn.static_rnn(tf1.nn.rnn_cell.BasicLSTMCell(H), steps, dtype=tf.float32)

    return _steps(body)
