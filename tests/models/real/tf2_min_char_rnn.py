"""A minimal TF2 char-RNN: raw `tf.Variable`s, column vectors, `GradientTape` over a Python loop.

Follows Karpathy's `min-char-rnn.py` (2015) as ported to TF2 eager code (the many
"min-char-rnn in TensorFlow 2" gists): `Wxh` [H, V], `Whh` [H, H], `Why` [V, H], `bh`
[H, 1], `by` [V, 1] as `tf.Variable`s; in a `tf.function` train step, under a
`GradientTape`, a Python loop over the characters: `hs[t] = tanh(Wxh @ xs[t] + Whh @
hs[t-1] + bh)` with one-hot column vectors, `ys[t] = Why @ hs[t] + by`, softmax
cross-entropy summed; gradients clipped to [-5, 5]; Adagrad by hand (`mWxh` ... memory
variables, `param -= lr * g / sqrt(mem + 1e-8)`). Written after its structure, tiny sizes.
"""

import tensorflow as tf

V, H, T = 7, 5, 4
_KEEP = []  # the program's globals: the variables outlive build()


def build():
    Wxh = tf.Variable(tf.random.normal([H, V]) * 0.01, name="Wxh")
    Whh = tf.Variable(tf.random.normal([H, H]) * 0.01, name="Whh")
    Why = tf.Variable(tf.random.normal([V, H]) * 0.01, name="Why")
    bh = tf.Variable(tf.zeros([H, 1]), name="bh")
    by = tf.Variable(tf.zeros([V, 1]), name="by")
    params = [Wxh, Whh, Why, bh, by]
    mems = [tf.Variable(tf.zeros_like(p), trainable=False, name="m" + p.name.split(":")[0])
            for p in params]

    @tf.function
    def train_step(inputs, targets, hprev):
        with tf.GradientTape() as tape:
            hs = hprev
            loss = 0.0
            for t in range(T):
                xs = tf.one_hot(inputs[t:t + 1], V, axis=0)  # [V, 1]
                hs = tf.tanh(Wxh @ xs + Whh @ hs + bh)
                ys = Why @ hs + by
                ps = tf.nn.softmax(ys, axis=0)
                loss -= tf.math.log(ps[targets[t], 0])
        grads = tape.gradient(loss, params)
        for param, dparam, mem in zip(params, grads, mems, strict=True):
            dparam = tf.clip_by_value(dparam, -5.0, 5.0)
            mem.assign_add(dparam * dparam)
            param.assign_sub(0.1 * dparam / tf.sqrt(mem + 1e-8))
        return loss, hs

    _KEEP.append((params, mems))
    return train_step.get_concrete_function(
        tf.TensorSpec([T], tf.int32), tf.TensorSpec([T], tf.int32), tf.TensorSpec([H, 1]))


# Ground truth. Wxh 5*7 = 35, Whh 25, Why 35, bh 5, by 7 = 107. Each step multiplies the
# one-hot x_t by Wxh (input→hidden: weight on the left of a column vector) and h_{t-1} by
# Whh (hidden→hidden; step 0 multiplies hprev); Why reads each new h after the cell
# (hidden→output, read at every step but no step reads what it makes). The Adagrad
# memories are training state (5).
_STEPS = [0, 1, 2, 3]
EXPECTED = {
    "builder": "build",
    "mirrors": "Karpathy min-char-rnn ported to TF2 (tf.Variable, GradientTape, Python loop)",
    "total_params": 107,
    "num_steps": 4,
    "variables": {
        "Wxh": {"role": "input_to_hidden", "cell": "rnn", "layer": 0, "steps": _STEPS},
        "Whh": {"role": "hidden_to_hidden", "cell": "rnn", "layer": 0, "steps": _STEPS},
        "bh": {"role": "bias", "cell": "rnn", "layer": 0, "steps": _STEPS},
        "Why": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "by": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 5,
    "findings": {},
}
