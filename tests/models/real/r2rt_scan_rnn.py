"""The same hand RNN run by `tf.scan`, over an embedding, one flattened softmax.

Follows R2RT's "Recurrent Neural Networks in Tensorflow II" (r2rt.com, 2016): an
`embedding_matrix` looked up by the character ids, a `rnn_cell(rnn_input, state)` that fetches
`W` [state + state, state] and `b` with `variable_scope('rnn_cell', reuse=True)`, the loop
written as `tf.scan(lambda a, x: rnn_cell(x, a), tf.transpose(rnn_inputs, [1, 0, 2]),
initializer=init_state)`, outputs transposed back and reshaped to `[-1, state_size]`, one
softmax matmul, `AdamOptimizer`. Written after its structure, tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1
batch_size, num_steps, num_classes, state_size = 2, 5, 7, 4


def rnn_cell(rnn_input, state):
    with tf1.variable_scope("rnn_cell", reuse=True):
        W = tf1.get_variable("W", [state_size + state_size, state_size])
        b = tf1.get_variable("b", [state_size], initializer=tf1.constant_initializer(0.0))
    return tf.tanh(tf.matmul(tf.concat([rnn_input, state], 1), W) + b)


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.int32, [batch_size, num_steps], name="input_placeholder")
        y = tf1.placeholder(tf.int32, [batch_size, num_steps], name="labels_placeholder")
        init_state = tf.zeros([batch_size, state_size])
        embeddings = tf1.get_variable("embedding_matrix", [num_classes, state_size])
        rnn_inputs = tf1.nn.embedding_lookup(embeddings, x)
        with tf1.variable_scope("rnn_cell"):
            tf1.get_variable("W", [state_size + state_size, state_size])
            tf1.get_variable("b", [state_size], initializer=tf1.constant_initializer(0.0))
        rnn_outputs = tf.scan(lambda a, x: rnn_cell(x, a), tf.transpose(rnn_inputs, [1, 0, 2]),
                              initializer=init_state)
        rnn_outputs = tf.transpose(rnn_outputs, [1, 0, 2])
        with tf1.variable_scope("softmax"):
            W = tf1.get_variable("W", [state_size, num_classes])
            b = tf1.get_variable("b", [num_classes], initializer=tf1.constant_initializer(0.0))
        logits = tf.matmul(tf.reshape(rnn_outputs, [-1, state_size]), W) + b
        y_reshaped = tf.reshape(y, [-1])
        total_loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y_reshaped, logits=logits))
        tf1.train.AdamOptimizer(1e-3).minimize(total_loss)
    return graph


# Ground truth. embedding 7*4 = 28; rnn_cell/W [8, 4] 32 + b 4; softmax [4, 7] 28 + 7 = 99.
# The scan body is the step (dynamic); rows 0..3 of W multiply the embedded input. Adam: two
# slots per variable (10) and beta1/beta2 powers (2).
EXPECTED = {
    "builder": "build",
    "mirrors": "R2RT 'Recurrent Neural Networks in Tensorflow II' (tf.scan, embedding)",
    "total_params": 99,
    "num_steps": None,
    "variables": {
        "embedding_matrix": {"role": "embedding", "cell": None, "layer": None, "steps": []},
        "rnn_cell/W": {"role": "input_hidden_fused", "cell": "rnn", "layer": 0,
                       "steps": "dynamic"},
        "rnn_cell/b": {"role": "bias", "cell": "rnn", "layer": 0, "steps": "dynamic"},
        "softmax/W": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "softmax/b": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 12,
    "findings": {},
}
