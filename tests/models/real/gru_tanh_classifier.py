"""A GRU classifier with a nonlinear input layer: `Dense(tanh)` before the GRU.

Follows the TF2 notebook `tensorflow_v2/notebooks/3_NeuralNetworks/recurrent_network.ipynb` of
aymericdamien/TensorFlow-Examples (MNIST rows -> RNN -> Dense) with the common "feature layer
before the RNN" variant. The `tanh` makes the projection a real nonlinear layer: it must NOT
be reported as `redundant_projection`. Written after its structure, tiny sizes.
"""

import keras

T, F, P, H, C = 4, 6, 8, 5, 3


def build():
    return keras.Sequential([
        keras.Input((T, F), batch_size=2),
        keras.layers.Dense(P, activation="tanh", name="features"),
        keras.layers.GRU(H, name="gru"),
        keras.layers.Dense(C, name="logits"),
    ], name="rowgru")


# Ground truth. Dense 6*8 + 8 = 56; GRU (reset_after): 8*15 + 5*15 + 2*15 = 225; 15 + 3.
EXPECTED = {
    "builder": "build",
    "mirrors": "TensorFlow-Examples tensorflow_v2 recurrent_network (Dense(tanh) -> GRU -> Dense)",
    "total_params": 299,
    "num_steps": None,
    "variables": {
        "rowgru/features/kernel": {"role": "input_to_hidden", "cell": None, "layer": None,
                                   "steps": []},
        "rowgru/features/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
        "rowgru/gru/gru_cell/kernel": {"role": "input_to_hidden", "cell": "gru", "layer": 0,
                                       "steps": "dynamic"},
        "rowgru/gru/gru_cell/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "gru",
                                                 "layer": 0, "steps": "dynamic"},
        "rowgru/gru/gru_cell/bias": {"role": "bias", "cell": "gru", "layer": 0,
                                     "steps": "dynamic"},
        "rowgru/logits/kernel": {"role": "hidden_to_output", "cell": None, "layer": None,
                                 "steps": []},
        "rowgru/logits/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "links": [["input", "rowgru/features/kernel"],
              ["rowgru/features/kernel", "rowgru/features/bias"],
              ["rowgru/features/bias", "gru"], ["gru", "rowgru/logits/kernel"],
              ["rowgru/logits/kernel", "rowgru/logits/bias"], ["rowgru/logits/bias", "output"]],
    "findings": {},  # in particular no redundant_projection: tanh sits in between
}
