"""dynamic_rnn over variable-length sequences, last relevant output gathered by index.

Follows aymericdamien/TensorFlow-Examples `examples/3_NeuralNetworks/dynamic_rnn.py`:
`x` [batch, max_len, 1], a `seqlen` placeholder, `static_rnn`'s dynamic sibling
`dynamic_rnn(BasicLSTMCell, x, sequence_length=seqlen)`, the output at `seqlen - 1` picked with
`tf.gather` on the flattened outputs, `@ weights['out'] + biases['out']`, softmax
cross-entropy, `GradientDescentOptimizer.minimize`, accuracy. Written after its structure.
"""

import tensorflow as tf

tf1 = tf.compat.v1

seq_max_len, n_hidden, n_classes = 6, 8, 2


def dynamicRNN(x, seqlen, weights, biases):
    lstm_cell = tf1.nn.rnn_cell.BasicLSTMCell(n_hidden)
    outputs, _ = tf1.nn.dynamic_rnn(lstm_cell, x, dtype=tf.float32, sequence_length=seqlen)
    batch_size = tf.shape(outputs)[0]
    index = tf.range(0, batch_size) * seq_max_len + (seqlen - 1)
    outputs = tf.gather(tf.reshape(outputs, [-1, n_hidden]), index)
    return tf.matmul(outputs, weights["out"]) + biases["out"]


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder("float", [None, seq_max_len, 1], name="x")
        y = tf1.placeholder("float", [None, n_classes], name="y")
        seqlen = tf1.placeholder(tf.int32, [None], name="seqlen")
        weights = {"out": tf.Variable(tf1.random_normal([n_hidden, n_classes]))}
        biases = {"out": tf.Variable(tf1.random_normal([n_classes]))}
        pred = dynamicRNN(x, seqlen, weights, biases)
        cost = tf.reduce_mean(tf1.nn.softmax_cross_entropy_with_logits_v2(logits=pred, labels=y))
        tf1.train.GradientDescentOptimizer(learning_rate=0.01).minimize(cost)
        correct_pred = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
        tf.reduce_mean(tf.cast(correct_pred, tf.float32), name="accuracy")
        tf1.global_variables_initializer()
    return graph


# Ground truth. Kernel [1 + 8, 32] 288 + bias 32; out [8, 2] 16 + 2. A while loop: dynamic.
EXPECTED = {
    "builder": "build",
    "mirrors": "aymericdamien/TensorFlow-Examples dynamic_rnn.py (sequence_length, gather)",
    "total_params": 338,
    "num_steps": None,
    "variables": {
        "rnn/basic_lstm_cell/kernel": {"role": "input_hidden_fused", "cell": "lstm", "layer": 0,
                                       "steps": "dynamic"},
        "rnn/basic_lstm_cell/bias": {"role": "bias", "cell": "lstm", "layer": 0,
                                     "steps": "dynamic"},
        "Variable": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "Variable_1": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "findings": {},
}
