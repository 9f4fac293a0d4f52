"""The MNIST row classifier seed as its whole script builds it (2016-01 version).

Follows aymericdamien/TensorFlow-Examples `examples/3 - Neural Networks/recurrent_network.py`
at ce5f4de (SEEDS.md §2.3), ported to tf.compat.v1: `weights`/`biases` dicts of tf.Variable,
a linear 'hidden' projection with no activation, `BasicLSTMCell` with a concatenated `istate`
placeholder, `static_rnn`, `outputs[-1] @ weights['out']`, then the cost,
`AdamOptimizer.minimize` and the accuracy ops. Written after its structure, tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1

n_input, n_steps, n_hidden, n_classes = 6, 4, 8, 3
learning_rate = 0.001


def RNN(_X, _istate, _weights, _biases):
    _X = tf.transpose(_X, [1, 0, 2])  # (n_steps, batch, n_input)
    _X = tf.reshape(_X, [-1, n_input])  # (n_steps * batch, n_input)
    _X = tf.matmul(_X, _weights["hidden"]) + _biases["hidden"]  # no activation
    lstm_cell = tf1.nn.rnn_cell.BasicLSTMCell(n_hidden, forget_bias=1.0, state_is_tuple=False)
    _X = tf.split(_X, n_steps, 0)  # n_steps x (batch, n_hidden)
    outputs, _states = tf1.nn.static_rnn(lstm_cell, _X, initial_state=_istate)
    return tf.matmul(outputs[-1], _weights["out"]) + _biases["out"]


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder("float", [None, n_steps, n_input], name="x")
        istate = tf1.placeholder("float", [None, 2 * n_hidden], name="istate")
        y = tf1.placeholder("float", [None, n_classes], name="y")
        weights = {
            "hidden": tf.Variable(tf1.random_normal([n_input, n_hidden])),
            "out": tf.Variable(tf1.random_normal([n_hidden, n_classes])),
        }
        biases = {
            "hidden": tf.Variable(tf1.random_normal([n_hidden])),
            "out": tf.Variable(tf1.random_normal([n_classes])),
        }
        pred = RNN(x, istate, weights, biases)
        cost = tf.reduce_mean(tf1.nn.softmax_cross_entropy_with_logits_v2(logits=pred, labels=y))
        tf1.train.AdamOptimizer(learning_rate=learning_rate).minimize(cost)
        correct_pred = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
        tf.reduce_mean(tf.cast(correct_pred, tf.float32), name="accuracy")
        tf1.global_variables_initializer()
    return graph


# Ground truth (SEEDS.md §2.3, §4.3). Kernel [8 + 8, 32]; total 48 + 24 + 8 + 3 + 512 + 32.
# Adam: two slots for each of the 6 trainable variables + beta1_power + beta2_power = 14.
EXPECTED = {
    "builder": "build",
    "mirrors": "aymericdamien/TensorFlow-Examples recurrent_network.py @ce5f4de, with Adam",
    "total_params": 627,
    "num_steps": 4,
    "variables": {
        "Variable": {"role": "input_to_hidden", "cell": None, "layer": None, "steps": []},
        "Variable_1": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "Variable_2": {"role": "bias", "cell": None, "layer": None, "steps": []},
        "Variable_3": {"role": "bias", "cell": None, "layer": None, "steps": []},
        "rnn/basic_lstm_cell/kernel": {"role": "input_hidden_fused", "cell": "lstm", "layer": 0,
                                       "steps": [0, 1, 2, 3]},
        "rnn/basic_lstm_cell/bias": {"role": "bias", "cell": "lstm", "layer": 0,
                                     "steps": [0, 1, 2, 3]},
        "beta1_power": {"role": "training_state"},
        "beta2_power": {"role": "training_state"},
        "Variable/Adam": {"role": "training_state"},
        "Variable/Adam_1": {"role": "training_state"},
        "rnn/basic_lstm_cell/kernel/Adam": {"role": "training_state"},
        "rnn/basic_lstm_cell/kernel/Adam_1": {"role": "training_state"},
    },
    "training_state_count": 14,
    "findings": {"redundant_projection": ["Variable", "rnn/basic_lstm_cell/kernel"]},
}
