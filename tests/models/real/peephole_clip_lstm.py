"""A peephole LSTM with a projection and both clips, unrolled by `static_rnn`.

Follows the TF1 `LSTMCell(num_units, use_peepholes=True, cell_clip=..., num_proj=...,
proj_clip=...)` acoustic/speech models (Sak et al. 2014 "LSTMP", as in the TF1 speech and
LM examples that set all four): inputs [batch, T, F] unstacked into a list, `static_rnn`, a
dense layer on the last output, softmax cross-entropy, `MomentumOptimizer`. Written after its
structure, tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1
B, T, F, H, P, C = 2, 4, 3, 6, 4, 5


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [B, T, F], name="x")
        labels = tf1.placeholder(tf.int32, [B], name="labels")
        cell = tf1.nn.rnn_cell.LSTMCell(H, use_peepholes=True, cell_clip=3.0, num_proj=P,
                                        proj_clip=2.0)
        outputs, _ = tf1.nn.static_rnn(cell, tf.unstack(x, T, 1), dtype=tf.float32)
        logits = tf1.layers.dense(outputs[-1], C, name="out")
        loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits(
            labels=labels, logits=logits))
        tf1.train.MomentumOptimizer(0.1, 0.9).minimize(loss)
    return graph


# Ground truth. kernel [3 + 4, 24] 168 + bias 24; peepholes w_f/w_i/w_o_diag 3*6 = 18;
# projection [6, 4] 24; out [4, 5] 20 + 5 = 259. Rows 0..2 of the kernel multiply x_t, rows
# 3..6 the projected h_{t-1}. The peepholes multiply the cell state (hidden→hidden, the
# convention of the generated lstm_peephole family); the projection makes the state the
# next step multiplies (hidden→hidden). Momentum: one slot per variable (8).
_STEPS = [0, 1, 2, 3]
_C = "rnn/lstm_cell/"
EXPECTED = {
    "builder": "build",
    "mirrors": "TF1 LSTMCell(use_peepholes, cell_clip, num_proj, proj_clip) under static_rnn",
    "total_params": 259,
    "num_steps": 4,
    "variables": {
        _C + "kernel": {"role": "input_hidden_fused", "cell": "lstm", "layer": 0,
                        "steps": _STEPS},
        _C + "bias": {"role": "bias", "cell": "lstm", "layer": 0, "steps": _STEPS},
        _C + "w_f_diag": {"role": "hidden_to_hidden", "cell": "lstm", "layer": 0,
                          "steps": _STEPS},
        _C + "w_i_diag": {"role": "hidden_to_hidden", "cell": "lstm", "layer": 0,
                          "steps": _STEPS},
        _C + "w_o_diag": {"role": "hidden_to_hidden", "cell": "lstm", "layer": 0,
                          "steps": _STEPS},
        _C + "projection/kernel": {"role": "hidden_to_hidden", "cell": "lstm", "layer": 0,
                                   "steps": _STEPS},
        "out/kernel": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "out/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 8,
    "findings": {},
}
