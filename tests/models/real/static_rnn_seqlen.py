"""A static_rnn classifier over padded sentences, with `sequence_length`.

Follows the common TF1 text-classification shape (e.g. the `tf.contrib.rnn.static_rnn(...,
sequence_length=seqlen)` sentiment examples and TensorFlow's own `rnn.py` docstring usage):
embedding -> `tf.unstack` over time -> `static_rnn(LSTMCell, sequence_length=lengths)` ->
the final state's `h` -> a dense softmax layer, trained with `GradientDescentOptimizer`.
With `sequence_length`, static_rnn wraps every step in a `cond` (If/StatelessIf).
Written after its structure, tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1

T, B, E, H, V, C = 5, 2, 6, 8, 30, 2


def build():
    graph = tf.Graph()
    with graph.as_default():
        ids = tf1.placeholder(tf.int32, [B, T], name="ids")
        lengths = tf1.placeholder(tf.int32, [B], name="lengths")
        labels = tf1.placeholder(tf.int32, [B], name="labels")
        embedding = tf1.get_variable("embedding", [V, E])
        inputs = tf.unstack(tf1.nn.embedding_lookup(embedding, ids), T, axis=1)
        cell = tf1.nn.rnn_cell.LSTMCell(H)
        _, state = tf1.nn.static_rnn(cell, inputs, sequence_length=lengths, dtype=tf.float32)
        with tf1.variable_scope("softmax"):
            w = tf1.get_variable("w", [H, C])
            b = tf1.get_variable("b", [C], initializer=tf1.zeros_initializer())
        logits = tf1.nn.xw_plus_b(state.h, w, b, name="logits")
        loss = tf.reduce_mean(
            tf1.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        tf1.train.GradientDescentOptimizer(0.1).minimize(loss)
    return graph


# Ground truth. LSTMCell kernel [6 + 8, 32]: 448 + 32; embedding 180; softmax 16 + 2.
EXPECTED = {
    "builder": "build",
    "mirrors": "TF1 static_rnn(..., sequence_length=) text classifier (final state -> softmax)",
    "total_params": 678,
    "num_steps": 5,
    "variables": {
        "embedding": {"role": "embedding", "cell": None, "layer": None, "steps": []},
        "rnn/lstm_cell/kernel": {"role": "input_hidden_fused", "cell": "lstm", "layer": 0,
                                 "steps": [0, 1, 2, 3, 4]},
        "rnn/lstm_cell/bias": {"role": "bias", "cell": "lstm", "layer": 0,
                               "steps": [0, 1, 2, 3, 4]},
        "softmax/w": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "softmax/b": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "findings": {},
}
