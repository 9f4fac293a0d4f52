"""Names with markup and non-ASCII characters: they must come out escaped and intact.

TensorFlow refuses such characters in layer (scope) names, but a weight's own name may hold
them, so a custom cell carries them.
"""

import keras

ODD_W = 'poids_é<b>[0]"x'
ODD_U = "récurrent[1]'&"


class OddCell(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units, self.state_size = units, units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), name=ODD_W)
        self.u = self.add_weight(shape=(self.units, self.units), name=ODD_U)

    def call(self, inputs, states):
        h = keras.ops.tanh(keras.ops.matmul(inputs, self.w) + keras.ops.matmul(states[0], self.u))
        return h, [h]


def build():
    x = keras.Input((3, 2), batch_size=2)
    h = keras.layers.RNN(OddCell(4, name="odd_cell"), unroll=True, name="rnn")(x)
    return keras.Model(x, keras.layers.Dense(2, name="out")(h), name="odd_names")
