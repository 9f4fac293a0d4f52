"""A Keras GRU layer called once per step by a Python loop (each call a one-iteration
while loop over x[:, t:t+1]), carrying its state from call to call: one cell of T steps.
`encoded=True` first runs a GRU over the whole sequence (a while loop) whose final state
starts the per-step decoder: the loop is layer 0, the per-step cell layer 1. `steps`
calls (default T); `projected=True` puts a Dense layer before the calls."""

import keras
import tensorflow as tf

T, F, H, B = 3, 2, 4, 2


def build(encoded=False, steps=T, projected=False):
    x = keras.Input((steps, F), batch_size=B, name="x")
    seq = keras.layers.Dense(F, name="proj")(x) if projected else x
    state = None
    if encoded:
        _, state = keras.layers.GRU(H, return_state=True, name="encoder")(x)
    step = keras.layers.GRU(H, return_state=True, name="decoder")
    outputs = []
    for t in range(steps):
        out, state = step(seq[:, t:t + 1, :], initial_state=state)
        outputs.append(out)
    y = keras.layers.Dense(2, name="head")(keras.layers.Concatenate()(outputs))
    model = keras.Model(x, y, name="per_step_encoded" if encoded else "per_step")
    return model, [tf.TensorSpec([B, steps, F], tf.float32)]
