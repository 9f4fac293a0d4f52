"""The MNIST seed program before and after its `hidden` projection (recurrent_network.py
@ce5f4de vs @998ba46 without `_istate`), tiny sizes, each with its Adam optimizer. The
weights are plain `tf.Variable`s whose auto-names (Variable, Variable_1, ...) shift when the
projection is added: only the structure tells which weight is which."""

import tensorflow as tf

tf1 = tf.compat.v1
N_INPUT, STEPS, HIDDEN, CLASSES = 4, 3, 5, 2


def _program(project):
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [None, STEPS, N_INPUT], name="x")
        y = tf1.placeholder(tf.float32, [None, CLASSES], name="y")
        weights, biases = {}, {}
        if project:
            weights["hidden"] = tf.Variable(tf1.random_normal([N_INPUT, HIDDEN]))
            biases["hidden"] = tf.Variable(tf1.random_normal([HIDDEN]))
        weights["out"] = tf.Variable(tf1.random_normal([HIDDEN, CLASSES]))
        biases["out"] = tf.Variable(tf1.random_normal([CLASSES]))
        rows = tf.reshape(tf.transpose(x, [1, 0, 2]), [-1, N_INPUT])
        if project:
            rows = tf.matmul(rows, weights["hidden"]) + biases["hidden"]
        steps = tf.split(rows, STEPS, 0)
        outputs, _ = tf1.nn.static_rnn(tf1.nn.rnn_cell.BasicLSTMCell(HIDDEN), steps,
                                       dtype=tf.float32)
        pred = tf.matmul(outputs[-1], weights["out"]) + biases["out"]
        cost = tf.reduce_mean(tf1.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=pred))
        tf1.train.AdamOptimizer(0.001).minimize(cost)
    return graph


def with_projection():
    return _program(True)


def without_projection():
    return _program(False)
