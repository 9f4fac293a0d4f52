"""A Keras RNN cell whose recurrent matrix is masked by a constant connectivity pattern.

Follows the block-sparse / modular RNN cells people write as `keras.layers.Layer` cells for
`keras.layers.RNN` (the Clockwork-RNN and "modular RNN" Keras ports: a fixed numpy
block-triangular mask multiplied into the recurrent kernel at every step, `h = tanh(x @ W +
h @ (U * mask) + b)`), the cell wrapped in `RNN`, a `Dense` on the last state. Keras 3,
written after its structure, tiny sizes.
"""

import keras
import numpy as np
from keras import ops

T, F, H, C, MODULES = 5, 3, 6, 2, 3


class ModularCell(keras.layers.Layer):
    def __init__(self, units, modules, **kwargs):
        super().__init__(**kwargs)
        self.units, self.state_size = units, units
        size = units // modules
        mask = np.zeros((units, units), np.float32)
        for m in range(modules):
            mask[m * size:(m + 1) * size, m * size:] = 1.0
        self.mask = mask

    def build(self, input_shape):
        self.W = self.add_weight(shape=(input_shape[-1], self.units), name="W")
        self.U = self.add_weight(shape=(self.units, self.units), name="U")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, x, states):
        h = ops.tanh(ops.matmul(x, self.W)
                     + ops.matmul(states[0], ops.multiply(self.U, self.mask)) + self.b)
        return h, [h]


def build():
    x = keras.Input((T, F), batch_size=2, name="x")
    h = keras.layers.RNN(ModularCell(H, MODULES, name="cell"), name="rnn")(x)
    out = keras.layers.Dense(C, name="out")(h)
    return keras.Model(x, out, name="modular")


# Ground truth. W [3, 6] 18, U [6, 6] 36, b 6; out 6*2 + 2 = 14. 74 in all. U (masked by a
# constant) multiplies h_{t-1}: hidden→hidden; W multiplies x_t.
EXPECTED = {
    "builder": "build",
    "mirrors": "Keras RNN(cell) with a constant block mask on the recurrent kernel",
    "total_params": 74,
    "num_steps": None,
    "variables": {
        "rnn/cell/W": {"role": "input_to_hidden", "cell": "c", "layer": 0, "steps": "dynamic"},
        "rnn/cell/U": {"role": "hidden_to_hidden", "cell": "c", "layer": 0,
                       "steps": "dynamic"},
        "rnn/cell/b": {"role": "bias", "cell": "c", "layer": 0, "steps": "dynamic"},
        "out/kernel": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "out/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "findings": {},
}
