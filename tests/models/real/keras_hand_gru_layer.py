"""A GRU written as a Keras custom `Layer`: one matrix per gate, a Python loop in `call`.

Follows the "GRU from scratch in Keras/TF2" tutorials (a `keras.layers.Layer` subclass whose
`build` makes `W_z, W_r, W_h` for the input, `U_z, U_r, U_h` for the state and `b_z, b_r, b_h`
with `add_weight`, and whose `call` loops `for t in range(T)` over `inputs[:, t, :]` with
z = σ(x W_z + h U_z + b_z), r = σ(x W_r + h U_r + b_r), h̃ = tanh(x W_h + (r ⊙ h) U_h + b_h),
h = (1 - z) ⊙ h + z ⊙ h̃), its last state fed to a `Dense` classifier. Functional model,
Keras 3. Written after its structure, tiny sizes.
"""

import keras
from keras import ops

T, F, H, C = 4, 3, 5, 2


class HandGRU(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        d = input_shape[-1]
        for g in "zrh":
            setattr(self, "W_" + g, self.add_weight(name="W_" + g, shape=(d, self.units)))
            setattr(self, "U_" + g, self.add_weight(name="U_" + g, shape=(self.units,
                                                                          self.units)))
            setattr(self, "b_" + g, self.add_weight(name="b_" + g, shape=(self.units,),
                                                    initializer="zeros"))

    def call(self, inputs):
        h = ops.zeros((ops.shape(inputs)[0], self.units))
        for t in range(inputs.shape[1]):
            x = inputs[:, t, :]
            z = ops.sigmoid(ops.matmul(x, self.W_z) + ops.matmul(h, self.U_z) + self.b_z)
            r = ops.sigmoid(ops.matmul(x, self.W_r) + ops.matmul(h, self.U_r) + self.b_r)
            hh = ops.tanh(ops.matmul(x, self.W_h) + ops.matmul(r * h, self.U_h) + self.b_h)
            h = (1 - z) * h + z * hh
        return h


def build():
    inputs = keras.Input((T, F), batch_size=2)
    h = HandGRU(H, name="hand_gru")(inputs)
    outputs = keras.layers.Dense(C, activation="softmax", name="out")(h)
    return keras.Model(inputs, outputs, name="handgru")


# Ground truth. Per gate 3*5 + 5*5 + 5 = 45, three gates 135; Dense 5*2 + 2 = 12. One cell:
# all nine weights are on the recurrence of h; W_* multiply x_t, U_* h_{t-1} (U_h through
# r ⊙ h). Read at the 4 unrolled steps.
_STEPS = [0, 1, 2, 3]


EXPECTED = {
    "builder": "build",
    "mirrors": "GRU-from-scratch Keras custom Layer tutorials (W/U/b per gate, loop in call)",
    "total_params": 147,
    "num_steps": 4,
    "variables": {
        "hand_gru/W_z": {"role": "input_to_hidden", "cell": "gru", "layer": 0, "steps": _STEPS},
        "hand_gru/W_r": {"role": "input_to_hidden", "cell": "gru", "layer": 0, "steps": _STEPS},
        "hand_gru/W_h": {"role": "input_to_hidden", "cell": "gru", "layer": 0, "steps": _STEPS},
        "hand_gru/U_z": {"role": "hidden_to_hidden", "cell": "gru", "layer": 0,
                         "steps": _STEPS},
        "hand_gru/U_r": {"role": "hidden_to_hidden", "cell": "gru", "layer": 0,
                         "steps": _STEPS},
        "hand_gru/U_h": {"role": "hidden_to_hidden", "cell": "gru", "layer": 0,
                         "steps": _STEPS},
        "hand_gru/b_z": {"role": "bias", "cell": "gru", "layer": 0, "steps": _STEPS},
        "hand_gru/b_r": {"role": "bias", "cell": "gru", "layer": 0, "steps": _STEPS},
        "hand_gru/b_h": {"role": "bias", "cell": "gru", "layer": 0, "steps": _STEPS},
        "out/kernel": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "out/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "findings": {},
}
