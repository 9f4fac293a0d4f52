"""A time-major bidirectional GRU whose concatenated outputs feed a second GRU layer.

Follows the TF1 sequence-labelling / NMT-encoder code built on `bidirectional_dynamic_rnn`
(e.g. the TensorFlow NMT tutorial's `bi` encoder and the many tagger repos after it):
inputs transposed to time-major, `bidirectional_dynamic_rnn(GRUCell, GRUCell, x,
time_major=True)`, `tf.concat(outputs, -1)` fed to `dynamic_rnn(GRUCell, ..., time_major=True)`
in its own scope, a `dense` layer on every step of the top layer, softmax cross-entropy,
`GradientDescentOptimizer`. Written after its structure, tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1
B, T, F, H, C = 2, 4, 3, 4, 5


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [B, T, F], name="x")
        labels = tf1.placeholder(tf.int32, [B, T], name="labels")
        inputs = tf.transpose(x, [1, 0, 2])
        (out_fw, out_bw), _ = tf1.nn.bidirectional_dynamic_rnn(
            tf1.nn.rnn_cell.GRUCell(H), tf1.nn.rnn_cell.GRUCell(H), inputs, dtype=tf.float32,
            time_major=True, scope="bi_encoder")
        bi_outputs = tf.concat([out_fw, out_bw], -1)
        top, _ = tf1.nn.dynamic_rnn(tf1.nn.rnn_cell.GRUCell(H), bi_outputs, dtype=tf.float32,
                                    time_major=True, scope="top")
        logits = tf1.layers.dense(tf.transpose(top, [1, 0, 2]), C, name="proj")
        loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits(
            labels=labels, logits=logits))
        tf1.train.GradientDescentOptimizer(0.1).minimize(loss)
    return graph


# Ground truth. Layer 0, per direction: gates [3 + 4, 8] 56 + 8, candidate [7, 4] 28 + 4 = 96;
# layer 1 (input 8): gates [12, 8] 96 + 8, candidate [12, 4] 48 + 4 = 156; proj 4*5 + 5 = 25.
# 96*2 + 156 + 25 = 373. Every GRU kernel's first rows multiply its layer's input.
_FW = "bi_encoder/fw/gru_cell/"
_BW = "bi_encoder/bw/gru_cell/"
_TOP = "top/gru_cell/"


EXPECTED = {
    "builder": "build",
    "mirrors": "TF1 bidirectional_dynamic_rnn(GRUCell, time_major=True) encoders with a "
               "second layer on the concatenated outputs (NMT tutorial 'bi' encoder, taggers)",
    "total_params": 373,
    "num_steps": None,
    "variables": {
        _FW + "gates/kernel": {"role": "input_hidden_fused", "cell": "fw", "layer": 0,
                               "direction": "forward", "steps": "dynamic"},
        _FW + "gates/bias": {"role": "bias", "cell": "fw", "layer": 0, "direction": "forward",
                             "steps": "dynamic"},
        _FW + "candidate/kernel": {"role": "input_hidden_fused", "cell": "fw", "layer": 0,
                                   "direction": "forward", "steps": "dynamic"},
        _FW + "candidate/bias": {"role": "bias", "cell": "fw", "layer": 0,
                                 "direction": "forward", "steps": "dynamic"},
        _BW + "gates/kernel": {"role": "input_hidden_fused", "cell": "bw", "layer": 0,
                               "direction": "backward", "steps": "dynamic"},
        _BW + "gates/bias": {"role": "bias", "cell": "bw", "layer": 0, "direction": "backward",
                             "steps": "dynamic"},
        _BW + "candidate/kernel": {"role": "input_hidden_fused", "cell": "bw", "layer": 0,
                                   "direction": "backward", "steps": "dynamic"},
        _BW + "candidate/bias": {"role": "bias", "cell": "bw", "layer": 0,
                                 "direction": "backward", "steps": "dynamic"},
        _TOP + "gates/kernel": {"role": "input_hidden_fused", "cell": "top", "layer": 1,
                                "steps": "dynamic"},
        _TOP + "gates/bias": {"role": "bias", "cell": "top", "layer": 1, "steps": "dynamic"},
        _TOP + "candidate/kernel": {"role": "input_hidden_fused", "cell": "top", "layer": 1,
                                    "steps": "dynamic"},
        _TOP + "candidate/bias": {"role": "bias", "cell": "top", "layer": 1,
                                  "steps": "dynamic"},
        "proj/kernel": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "proj/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 0,
    "findings": {},
}
