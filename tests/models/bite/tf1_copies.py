"""Copies of one small RNN in one TF1 graph, sharing its two variables (`u` [3, 4] input,
`w` [4, 4] recurrent): the PTB program's Train/Valid/Test shape, hand-made and tiny."""

import tensorflow as tf

tf1 = tf.compat.v1
F, H = 3, 4


def _rnn(batch, steps, train=False):
    with tf1.variable_scope("vars", reuse=tf1.AUTO_REUSE):
        u = tf1.get_variable("u", [F, H])
        w = tf1.get_variable("w", [H, H])
    x = tf1.placeholder(tf.float32, [batch, steps, F], name="x")
    h = tf.zeros([batch, H])
    for t in range(steps):
        h = tf.tanh(tf.matmul(x[:, t], u) + tf.matmul(h, w))
    loss = tf.reduce_sum(h, name="loss")
    if train:
        tf1.train.GradientDescentOptimizer(0.1).minimize(loss)


def named():
    """Train (batch 3, T=3, with an optimizer), Valid (batch 5, T=3), Test (batch 1, T=2)."""
    graph = tf.Graph()
    with graph.as_default():
        for scope, batch, steps, train in [("Train", 3, 3, True), ("Valid", 5, 3, False),
                                           ("Test", 1, 2, False)]:
            with tf1.name_scope(scope):
                _rnn(batch, steps, train)
    return graph


def unnamed():
    """Two copies built at the top level: no scope names most of either copy's ops."""
    graph = tf.Graph()
    with graph.as_default():
        _rnn(2, 3)
        _rnn(4, 2)
    return graph


def trained_second():
    """Eval (batch 2, T=2) first, then Train (batch 6, T=4, with an optimizer)."""
    graph = tf.Graph()
    with graph.as_default():
        with tf1.name_scope("Eval"):
            _rnn(2, 2)
        with tf1.name_scope("Train"):
            _rnn(6, 4, train=True)
    return graph


def single():
    """One model, trained: no copies."""
    graph = tf.Graph()
    with graph.as_default(), tf1.name_scope("Train"):
        _rnn(2, 3, train=True)
    return graph


def gradients_only():
    """Eval (batch 2, T=3) and Probe (batch 4, T=3), whose loss is differentiated
    (tf.gradients, no optimizer): the gradient ops alone make Probe a training copy."""
    graph = tf.Graph()
    with graph.as_default():
        with tf1.name_scope("Eval"):
            _rnn(2, 3)
        with tf1.name_scope("Probe"):
            _rnn(4, 3)
            loss = graph.get_tensor_by_name("Probe/loss:0")
            u, w = tf1.trainable_variables()
            tf.identity(tf.add_n([tf.norm(g) for g in tf1.gradients(loss, [u, w])]),
                        name="grad_norm")
    return graph
