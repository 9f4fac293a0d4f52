"""Attention over a bidirectional GRU for sentiment: `w_omega`, `b_omega`, `u_omega`.

Follows ilivans/tf-rnn-attention (`attention.py`, `train.py`, TF1, 2017): an embedding,
`bidirectional_dynamic_rnn(GRUCell, GRUCell, sequence_length)`, outputs concatenated;
`attention(inputs, attention_size)`: `v = tanh(tensordot(inputs, w_omega, axes=1) +
b_omega)`, `vu = tensordot(v, u_omega, axes=1)`, `alphas = softmax(vu)`, `output =
reduce_sum(inputs * expand_dims(alphas, -1), 1)`; dropout; a fully connected `W`, `b` to
one logit; sigmoid cross-entropy; `AdamOptimizer`. Written after its structure, tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1
B, T, V, E, H, A = 2, 6, 25, 4, 3, 5


def attention(inputs, attention_size):
    hidden_size = inputs.shape[2]
    w_omega = tf1.Variable(tf1.random_normal([hidden_size, attention_size], stddev=0.1),
                           name="w_omega")
    b_omega = tf1.Variable(tf1.random_normal([attention_size], stddev=0.1), name="b_omega")
    u_omega = tf1.Variable(tf1.random_normal([attention_size], stddev=0.1), name="u_omega")
    with tf1.name_scope("v"):
        v = tf.tanh(tf.tensordot(inputs, w_omega, axes=1) + b_omega)
    vu = tf.tensordot(v, u_omega, axes=1, name="vu")
    alphas = tf.nn.softmax(vu, name="alphas")
    return tf.reduce_sum(inputs * tf.expand_dims(alphas, -1), 1)


def build():
    graph = tf.Graph()
    with graph.as_default():
        batch_ph = tf1.placeholder(tf.int32, [B, T], name="batch_ph")
        target_ph = tf1.placeholder(tf.float32, [B], name="target_ph")
        seq_len_ph = tf1.placeholder(tf.int32, [B], name="seq_len_ph")
        keep_prob_ph = tf1.placeholder(tf.float32, name="keep_prob_ph")
        with tf1.name_scope("Embedding_layer"):
            embeddings_var = tf1.Variable(tf1.random_uniform([V, E], -1.0, 1.0),
                                          name="embedding_var")
            batch_embedded = tf1.nn.embedding_lookup(embeddings_var, batch_ph)
        rnn_outputs, _ = tf1.nn.bidirectional_dynamic_rnn(
            tf1.nn.rnn_cell.GRUCell(H), tf1.nn.rnn_cell.GRUCell(H), inputs=batch_embedded,
            sequence_length=seq_len_ph, dtype=tf.float32)
        with tf1.name_scope("Attention_layer"):
            attention_output = attention(tf.concat(rnn_outputs, 2), A)
        drop = tf1.nn.dropout(attention_output, keep_prob_ph)
        with tf1.name_scope("Fully_connected_layer"):
            W = tf1.Variable(tf1.truncated_normal([2 * H, 1], stddev=0.1), name="W")
            b = tf1.Variable(tf.constant(0.0, shape=[1]), name="b")
            y_hat = tf.squeeze(tf1.nn.xw_plus_b(drop, W, b))
        loss = tf.reduce_mean(tf1.nn.sigmoid_cross_entropy_with_logits(logits=y_hat,
                                                                       labels=target_ph))
        tf1.train.AdamOptimizer(1e-3).minimize(loss)
    return graph


# Ground truth. embedding 25*4 = 100; each GRU direction: gates kernel [4 + 3, 6] 42 + 6,
# candidate kernel [7, 3] 21 + 3 = 72, 144; w_omega [6, 5] 30, b_omega 5, u_omega 5; W [6, 1]
# 6 + b 1. 291 in all. The attention and the classifier read the GRU outputs after both
# loops: w_omega and u_omega multiply (tensordot: a matmul) values computed from the cell
# outputs (hidden→output), b_omega is added onto w_omega's product (bias); W, b the same.
# Rows 0..3 of each GRU kernel multiply the embedded input. Adam: 2 slots per variable
# (28) and the beta powers (2).
_F = "bidirectional_rnn/fw/gru_cell/"
_B = "bidirectional_rnn/bw/gru_cell/"
EXPECTED = {
    "builder": "build",
    "mirrors": "ilivans/tf-rnn-attention (bidirectional GRU + w_omega/b_omega/u_omega attention)",
    "total_params": 291,
    "num_steps": None,
    "variables": {
        "Embedding_layer/embedding_var": {"role": "embedding", "cell": None, "layer": None,
                                          "steps": []},
        _F + "gates/kernel": {"role": "input_hidden_fused", "cell": "f", "layer": 0,
                              "direction": "forward", "steps": "dynamic",
                              "row_split": {"input": [0, 4], "hidden": [4, 7]}},
        _F + "gates/bias": {"role": "bias", "cell": "f", "layer": 0, "direction": "forward",
                            "steps": "dynamic"},
        _F + "candidate/kernel": {"role": "input_hidden_fused", "cell": "f", "layer": 0,
                                  "direction": "forward", "steps": "dynamic",
                                  "row_split": {"input": [0, 4], "hidden": [4, 7]}},
        _F + "candidate/bias": {"role": "bias", "cell": "f", "layer": 0,
                                "direction": "forward", "steps": "dynamic"},
        _B + "gates/kernel": {"role": "input_hidden_fused", "cell": "b", "layer": 0,
                              "direction": "backward", "steps": "dynamic",
                              "row_split": {"input": [0, 4], "hidden": [4, 7]}},
        _B + "gates/bias": {"role": "bias", "cell": "b", "layer": 0, "direction": "backward",
                            "steps": "dynamic"},
        _B + "candidate/kernel": {"role": "input_hidden_fused", "cell": "b", "layer": 0,
                                  "direction": "backward", "steps": "dynamic",
                                  "row_split": {"input": [0, 4], "hidden": [4, 7]}},
        _B + "candidate/bias": {"role": "bias", "cell": "b", "layer": 0,
                                "direction": "backward", "steps": "dynamic"},
        "Attention_layer/w_omega": {"role": "hidden_to_output", "cell": None, "layer": None,
                                    "steps": []},
        "Attention_layer/b_omega": {"role": "bias", "cell": None, "layer": None, "steps": []},
        "Attention_layer/u_omega": {"role": "hidden_to_output", "cell": None, "layer": None,
                                    "steps": []},
        "Fully_connected_layer/W": {"role": "hidden_to_output", "cell": None, "layer": None,
                                    "steps": []},
        "Fully_connected_layer/b": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 30,
    "findings": {},
}
