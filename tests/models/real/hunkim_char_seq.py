"""Character sequence RNN: one-hot chars, `BasicLSTMCell` + `dynamic_rnn`, a fully connected
layer over the reshaped outputs, `sequence_loss`.

Follows hunkim/DeepLearningZeroToAll `lab-12-2-char-seq-rnn.py`: `X`/`Y` int placeholders
[batch, seq_len], `tf.one_hot(X, num_classes)`, `BasicLSTMCell(hidden_size)` with its
`zero_state` as `initial_state` of `dynamic_rnn`, `X_for_fc = tf.reshape(outputs, [-1,
hidden_size])`, `fully_connected(X_for_fc, num_classes, activation_fn=None)` (here
`tf1.layers.dense`, contrib's successor), reshaped back to [batch, seq_len, classes], a
`sequence_loss` with all-ones weights (written out: weighted softmax cross-entropy averaged
over the steps), `AdamOptimizer`, `argmax` predictions. Written after its structure, tiny
sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1
batch_size, sequence_length, num_classes, hidden_size = 1, 6, 5, 5


def sequence_loss(logits, targets, weights):
    crossent = tf1.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
    return tf.reduce_sum(crossent * weights) / tf.reduce_sum(weights)


def build():
    graph = tf.Graph()
    with graph.as_default():
        X = tf1.placeholder(tf.int32, [None, sequence_length], name="X")
        Y = tf1.placeholder(tf.int32, [None, sequence_length], name="Y")
        x_one_hot = tf.one_hot(X, num_classes)
        cell = tf1.nn.rnn_cell.BasicLSTMCell(num_units=hidden_size, state_is_tuple=True)
        initial_state = cell.zero_state(batch_size, tf.float32)
        outputs, _states = tf1.nn.dynamic_rnn(cell, x_one_hot, initial_state=initial_state,
                                              dtype=tf.float32)
        X_for_fc = tf.reshape(outputs, [-1, hidden_size])
        outputs = tf1.layers.dense(X_for_fc, num_classes, activation=None,
                                   name="fully_connected")
        outputs = tf.reshape(outputs, [batch_size, sequence_length, num_classes])
        weights = tf.ones([batch_size, sequence_length])
        loss = tf.reduce_mean(sequence_loss(outputs, Y, weights))
        tf1.train.AdamOptimizer(learning_rate=0.1).minimize(loss)
        tf.argmax(outputs, axis=2, name="prediction")
    return graph


# Ground truth. LSTM kernel [5 + 5, 20] 200 + bias 20; fully_connected [5, 5] 25 + 5 = 250.
# Rows 0..4 of the kernel multiply the one-hot char. Adam: 2 slots x 4 + 2 powers = 10.
EXPECTED = {
    "builder": "build",
    "mirrors": "hunkim/DeepLearningZeroToAll lab-12-2-char-seq-rnn.py (dynamic_rnn, "
               "fully_connected, sequence_loss)",
    "total_params": 250,
    "num_steps": None,
    "variables": {
        "rnn/basic_lstm_cell/kernel": {"role": "input_hidden_fused", "cell": "lstm",
                                       "layer": 0, "steps": "dynamic"},
        "rnn/basic_lstm_cell/bias": {"role": "bias", "cell": "lstm", "layer": 0,
                                     "steps": "dynamic"},
        "fully_connected/kernel": {"role": "hidden_to_output", "cell": None, "layer": None,
                                   "steps": []},
        "fully_connected/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 10,
    "findings": {},
}
