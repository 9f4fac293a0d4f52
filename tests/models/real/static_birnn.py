"""A static bidirectional LSTM classifier that reads `outputs[-1]`.

Follows aymericdamien/TensorFlow-Examples `examples/3_NeuralNetworks/bidirectional_rnn.py`
(2017 version): MNIST rows `tf.unstack`ed into steps, `static_bidirectional_rnn` of two
`BasicLSTMCell`s, `outputs[-1] @ weights['out'] + biases['out']`, softmax cross-entropy and
`GradientDescentOptimizer.minimize`, accuracy. `outputs[-1]` holds the backward cell's FIRST
application only (it ran on the last input), so its other steps reach nothing.
Written after its structure, tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1

num_input, timesteps, num_hidden, num_classes = 5, 4, 6, 3


def BiRNN(x, weights, biases):
    x = tf.unstack(x, timesteps, 1)
    lstm_fw_cell = tf1.nn.rnn_cell.BasicLSTMCell(num_hidden, forget_bias=1.0)
    lstm_bw_cell = tf1.nn.rnn_cell.BasicLSTMCell(num_hidden, forget_bias=1.0)
    outputs, _, _ = tf1.nn.static_bidirectional_rnn(lstm_fw_cell, lstm_bw_cell, x,
                                                    dtype=tf.float32)
    return tf.matmul(outputs[-1], weights["out"]) + biases["out"]


def build():
    graph = tf.Graph()
    with graph.as_default():
        X = tf1.placeholder("float", [None, timesteps, num_input], name="X")
        Y = tf1.placeholder("float", [None, num_classes], name="Y")
        weights = {"out": tf.Variable(tf1.random_normal([2 * num_hidden, num_classes]))}
        biases = {"out": tf.Variable(tf1.random_normal([num_classes]))}
        logits = BiRNN(X, weights, biases)
        prediction = tf.nn.softmax(logits, name="prediction")
        loss_op = tf.reduce_mean(
            tf1.nn.softmax_cross_entropy_with_logits_v2(logits=logits, labels=Y))
        tf1.train.GradientDescentOptimizer(learning_rate=0.001).minimize(loss_op)
        correct_pred = tf.equal(tf.argmax(prediction, 1), tf.argmax(Y, 1))
        tf.reduce_mean(tf.cast(correct_pred, tf.float32), name="accuracy")
        tf1.global_variables_initializer()
    return graph


# Ground truth. Each cell: kernel [5 + 6, 24] = 264 + bias 24; out [12, 3] 36 + 3.
# Steps of the backward cell are its own applications in recurrence order (0 = the first,
# which read x[3]); 1..3 are computed but reach neither the logits nor the loss: dead_steps.
_FW = "bidirectional_rnn/fw/basic_lstm_cell/"
_BW = "bidirectional_rnn/bw/basic_lstm_cell/"
EXPECTED = {
    "builder": "build",
    "mirrors": "aymericdamien/TensorFlow-Examples bidirectional_rnn.py (static_bidirectional_rnn)",
    "total_params": 615,
    "num_steps": 4,
    "variables": {
        _FW + "kernel": {"role": "input_hidden_fused", "cell": "fw", "layer": 0,
                         "direction": "forward", "steps": [0, 1, 2, 3]},
        _FW + "bias": {"role": "bias", "cell": "fw", "layer": 0, "direction": "forward",
                       "steps": [0, 1, 2, 3]},
        _BW + "kernel": {"role": "input_hidden_fused", "cell": "bw", "layer": 0,
                         "direction": "backward", "steps": [0, 1, 2, 3]},
        _BW + "bias": {"role": "bias", "cell": "bw", "layer": 0, "direction": "backward",
                       "steps": [0, 1, 2, 3]},
        "Variable": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "Variable_1": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "findings": {"dead_steps": [_BW + "kernel"]},
}
