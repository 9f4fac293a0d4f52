"""A textbook LSTM from scratch: one matrix per gate, a Python loop, L2 and a logged loss.

Follows the from-scratch LSTM tutorials written for TF1 (e.g. the "LSTM by hand" notebooks
after Olah's "Understanding LSTM Networks"): `tf.Variable`s W_x*, W_h*, b_* for the input,
forget, output gates and the candidate, a Python loop over the steps, an output layer, a
loss with `λ·Σ l2_loss` over the trainable variables, `tf.summary.scalar` of the loss and of
the weights' histograms, Adam. Tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1
H, D, T, B, C = 6, 3, 4, 2, 5


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [B, T, D], name="x")
        y = tf1.placeholder(tf.int32, [B], name="y")

        def weight(name, shape):
            return tf.Variable(tf1.random_normal(shape, stddev=0.1), name=name)

        gates = {g: (weight(f"W_x{g}", [D, H]), weight(f"W_h{g}", [H, H]), weight(f"b_{g}", [H]))
                 for g in "ifoc"}
        h, c = tf.zeros([B, H]), tf.zeros([B, H])
        for t in range(T):
            xt = x[:, t, :]
            pre = {g: tf.matmul(xt, wx) + tf.matmul(h, wh) + b for g, (wx, wh, b) in gates.items()}
            i, f, o = tf.sigmoid(pre["i"]), tf.sigmoid(pre["f"]), tf.sigmoid(pre["o"])
            c = f * c + i * tf.tanh(pre["c"])
            h = o * tf.tanh(c)
        w_out, b_out = weight("W_out", [H, C]), weight("b_out", [C])
        logits = tf.matmul(h, w_out) + b_out
        loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y, logits=logits))
        loss += 1e-4 * tf.add_n([tf.nn.l2_loss(v) for v in tf1.trainable_variables()])
        tf1.summary.scalar("loss", loss)
        for v in tf1.trainable_variables():
            tf1.summary.histogram(v.op.name, v)
        tf1.summary.merge_all()
        tf1.train.AdamOptimizer(0.01).minimize(loss)
    return graph


# Ground truth. Per gate 3*6 + 6*6 + 6 = 60, four gates 240; output 6*5 + 5 = 35. One cell
# (all twelve matrices are on the cycle of h and c), one layer; Adam keeps 2 slots per
# variable (28) and beta1/beta2 powers (2).
_STEPS = [0, 1, 2, 3]
EXPECTED = {
    "builder": "build",
    "mirrors": "from-scratch TF1 LSTM tutorials (one matrix per gate, l2_loss, summaries)",
    "total_params": 275,
    "num_steps": 4,
    "variables": {
        "W_xi": {"role": "input_to_hidden", "cell": "lstm", "layer": 0, "steps": _STEPS},
        "W_xf": {"role": "input_to_hidden", "cell": "lstm", "layer": 0, "steps": _STEPS},
        "W_xo": {"role": "input_to_hidden", "cell": "lstm", "layer": 0, "steps": _STEPS},
        "W_xc": {"role": "input_to_hidden", "cell": "lstm", "layer": 0, "steps": _STEPS},
        "W_hi": {"role": "hidden_to_hidden", "cell": "lstm", "layer": 0, "steps": _STEPS},
        "W_hf": {"role": "hidden_to_hidden", "cell": "lstm", "layer": 0, "steps": _STEPS},
        "W_ho": {"role": "hidden_to_hidden", "cell": "lstm", "layer": 0, "steps": _STEPS},
        "W_hc": {"role": "hidden_to_hidden", "cell": "lstm", "layer": 0, "steps": _STEPS},
        "b_i": {"role": "bias", "cell": "lstm", "layer": 0, "steps": _STEPS},
        "b_f": {"role": "bias", "cell": "lstm", "layer": 0, "steps": _STEPS},
        "b_o": {"role": "bias", "cell": "lstm", "layer": 0, "steps": _STEPS},
        "b_c": {"role": "bias", "cell": "lstm", "layer": 0, "steps": _STEPS},
        "W_out": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "b_out": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 30,
    "findings": {},
}
