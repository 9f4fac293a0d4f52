"""A two-layer LSTM from scratch run by `tf.scan`, one fused matrix per layer.

Follows the `tf.scan` RNN tutorials for TF1 (e.g. the R2RT "Recurrent neural networks in
Tensorflow" series and the `tf.scan` LSTM gists): a step function that applies a stacked
pair of hand-written LSTM layers (`concat([x, h]) @ W + b`, split into four gates) to a
carried tuple (h0, c0, h1, c1), `tf.scan` over the time-major inputs, an output layer on the
last top state and its cross-entropy loss. Tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1
H, D, T, B, C = 6, 3, 4, 2, 5


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [B, T, D], name="x")
        w0 = tf1.get_variable("layer0/W", [D + H, 4 * H])
        b0 = tf1.get_variable("layer0/b", [4 * H])
        w1 = tf1.get_variable("layer1/W", [H + H, 4 * H])
        b1 = tf1.get_variable("layer1/b", [4 * H])

        def lstm(inputs, h, c, w, b):
            i, f, o, u = tf.split(tf.matmul(tf.concat([inputs, h], 1), w) + b, 4, axis=1)
            c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(u)
            return tf.sigmoid(o) * tf.tanh(c), c

        def step(state, x_t):
            h0, c0, h1, c1 = state
            h0, c0 = lstm(x_t, h0, c0, w0, b0)
            h1, c1 = lstm(h0, h1, c1, w1, b1)
            return h0, c0, h1, c1

        zeros = tf.zeros([B, H])
        states = tf.scan(step, tf.transpose(x, [1, 0, 2]), initializer=(zeros,) * 4)
        w_out = tf1.get_variable("out/W", [H, C])
        logits = tf.matmul(states[2][-1], w_out)
        labels = tf1.placeholder(tf.int32, [B], name="labels")
        tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits(
            labels=labels, logits=logits), name="loss")
    return graph


# Ground truth. layer0 [9, 24] 216 + 24; layer1 [12, 24] 288 + 24; out 30. Two layers inside
# one loop body, each fused: rows 0..D-1 (layer 0) / 0..H-1 (layer 1) multiply its input.
EXPECTED = {
    "builder": "build",
    "mirrors": "tf.scan stacked LSTM tutorials (R2RT RNN series, scan LSTM gists)",
    "total_params": 582,
    "num_steps": None,
    "variables": {
        "layer0/W": {"role": "input_hidden_fused", "cell": "l0", "layer": 0,
                     "steps": "dynamic"},
        "layer0/b": {"role": "bias", "cell": "l0", "layer": 0, "steps": "dynamic"},
        "layer1/W": {"role": "input_hidden_fused", "cell": "l1", "layer": 1,
                     "steps": "dynamic"},
        "layer1/b": {"role": "bias", "cell": "l1", "layer": 1, "steps": "dynamic"},
        "out/W": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 0,
    "findings": {},
}
