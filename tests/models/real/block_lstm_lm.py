"""A word language model on the fused `BlockLSTM` op (TF1 `LSTMBlockFusedCell`).

Follows the PTB tutorial's `rnn_mode=block` and the TF 1.x `tf.contrib.rnn.LSTMBlockFusedCell`
LMs: embedding lookup, time-major inputs, one `BlockLSTM` op over the whole sequence with
peepholes (`use_peephole=True`, `forget_bias=1.0`), its variables named as the fused cell
named them (`kernel` [input + units, 4 units], `bias`, `w_i_diag`, `w_f_diag`, `w_o_diag`),
outputs reshaped to `[T * batch, units]` and projected by `softmax_w`, `softmax_b`; a
sequence loss, `GradientDescentOptimizer` with clipped gradients. Contrib is gone, so the op
is called through `tf.raw_ops.BlockLSTM`. Written after its structure.
"""

import tensorflow as tf

tf1 = tf.compat.v1

vocab, embed, units, steps, batch = 40, 6, 10, 5, 3


def build():
    graph = tf.Graph()
    with graph.as_default():
        ids = tf1.placeholder(tf.int32, [batch, steps], name="ids")
        targets = tf1.placeholder(tf.int32, [batch, steps], name="targets")
        embedding = tf1.get_variable("embedding", [vocab, embed])
        inputs = tf.transpose(tf.nn.embedding_lookup(embedding, ids), [1, 0, 2])
        with tf1.variable_scope("lstm_fused_cell"):
            kernel = tf1.get_variable("kernel", [embed + units, 4 * units])
            bias = tf1.get_variable("bias", [4 * units], initializer=tf1.zeros_initializer())
            w_i = tf1.get_variable("w_i_diag", [units])
            w_f = tf1.get_variable("w_f_diag", [units])
            w_o = tf1.get_variable("w_o_diag", [units])
        zeros = tf.zeros([batch, units])
        outputs = tf.raw_ops.BlockLSTM(
            seq_len_max=tf.constant(steps, tf.int64), x=inputs, cs_prev=zeros, h_prev=zeros,
            w=kernel, wci=w_i, wcf=w_f, wco=w_o, b=bias, forget_bias=1.0,
            use_peephole=True).h
        output = tf.reshape(tf.transpose(outputs, [1, 0, 2]), [-1, units])
        softmax_w = tf1.get_variable("softmax_w", [units, vocab])
        softmax_b = tf1.get_variable("softmax_b", [vocab])
        logits = tf.matmul(output, softmax_w) + softmax_b
        loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.reshape(targets, [-1]), logits=logits))
        tvars = tf1.trainable_variables()
        grads, _ = tf.clip_by_global_norm(tf.gradients(loss, tvars), 5.0)
        tf1.train.GradientDescentOptimizer(1.0).apply_gradients(zip(grads, tvars, strict=True))
    return graph


# Ground truth, from the BlockLSTM op docs: xh = [x, h_prev]; [i, ci, f, o] = xh * w + b;
# peepholes wci, wcf on cs_prev and wco on the new cs (use_peephole). So `kernel`'s rows
# 0..5 multiply x, rows 6..15 h_prev: fused, split 6/10. embedding 40*6 = 240; kernel
# [16, 40] 640; bias 40; diagonals 3 * 10; softmax_w [10, 40] 400 + 40. One op for the whole
# sequence: dynamic.
EXPECTED = {
    "builder": "build",
    "mirrors": "PTB word LM rnn_mode=block / contrib LSTMBlockFusedCell with peepholes",
    "total_params": 1390,
    "num_steps": None,
    "variables": {
        "embedding": {"role": "embedding", "cell": None, "layer": None, "steps": []},
        "lstm_fused_cell/kernel": {"role": "input_hidden_fused", "cell": "lstm", "layer": 0,
                                   "steps": "dynamic", "row_split": {"input": [0, 6],
                                                                     "hidden": [6, 16]}},
        "lstm_fused_cell/bias": {"role": "bias", "cell": "lstm", "layer": 0,
                                 "steps": "dynamic"},
        "lstm_fused_cell/w_i_diag": {"role": "hidden_to_hidden", "cell": "lstm", "layer": 0,
                                     "steps": "dynamic"},
        "lstm_fused_cell/w_f_diag": {"role": "hidden_to_hidden", "cell": "lstm", "layer": 0,
                                     "steps": "dynamic"},
        "lstm_fused_cell/w_o_diag": {"role": "hidden_to_hidden", "cell": "lstm", "layer": 0,
                                     "steps": "dynamic"},
        "softmax_w": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "softmax_b": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 0,
    "findings": {},
}
