"""A character model unrolled by a Python loop over the one-step `LSTMBlockCell` op.

Follows the TF 1.x char-RNN scripts that used `tf.contrib.rnn.LSTMBlockCell` (the PTB
tutorial's `rnn_mode=block`) with `static_rnn`: one `LSTMBlockCell` op per time step, all
reading the same `kernel` and `bias`; no peepholes, so the peephole operands are zeros as
the contrib cell passed them; the last output projected to the next character,
a cross-entropy loss. Contrib is
gone, so the op is called through `tf.raw_ops.LSTMBlockCell`. Written after its structure.
"""

import tensorflow as tf

tf1 = tf.compat.v1

chars, units, steps = 12, 8, 4


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [None, steps, chars], name="x")
        y = tf1.placeholder(tf.float32, [None, chars], name="y")
        with tf1.variable_scope("lstm_cell"):
            kernel = tf1.get_variable("kernel", [chars + units, 4 * units])
            bias = tf1.get_variable("bias", [4 * units], initializer=tf1.zeros_initializer())
        batch = tf.shape(x)[0]
        c = h = tf.zeros([batch, units])
        no_peephole = tf.zeros([units])
        for t in range(steps):
            cell = tf.raw_ops.LSTMBlockCell(
                x=x[:, t, :], cs_prev=c, h_prev=h, w=kernel, wci=no_peephole,
                wcf=no_peephole, wco=no_peephole, b=bias, forget_bias=1.0)
            c, h = cell.cs, cell.h
        w_out = tf1.get_variable("w_out", [units, chars])
        b_out = tf1.get_variable("b_out", [chars])
        logits = tf.matmul(h, w_out) + b_out
        tf.reduce_mean(tf1.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits),
                       name="loss")
    return graph


# Ground truth, from the LSTMBlockCell op docs: xh = [x, h_prev]; [i, ci, f, o] = xh * w + b.
# kernel [12 + 8, 32]: rows 0..11 multiply x_t, 12..19 h_{t-1}: fused; 640 + bias 32;
# w_out [8, 12] 96 + 12. Four ops, step t's h_prev is step t-1's h: steps 0..3.
EXPECTED = {
    "builder": "build",
    "mirrors": "TF 1.x char-RNN on contrib LSTMBlockCell, unrolled by a Python loop",
    "total_params": 780,
    "num_steps": 4,
    "variables": {
        "lstm_cell/kernel": {"role": "input_hidden_fused", "cell": "lstm", "layer": 0,
                             "steps": [0, 1, 2, 3],
                             "row_split": {"input": [0, 12], "hidden": [12, 20]}},
        "lstm_cell/bias": {"role": "bias", "cell": "lstm", "layer": 0, "steps": [0, 1, 2, 3]},
        "w_out": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "b_out": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 0,
    "findings": {},
}
