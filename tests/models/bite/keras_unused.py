"""A Keras cell that creates one trainable weight more than its step reads: `extra` [4, 4] is
built and never used, so 16 parameters never train. T=5 steps, 3 features, hidden 4."""

import keras

T, F, H, B = 5, 3, 4, 2


class CellWithExtra(keras.layers.Layer):
    """h_t = tanh(x W + h U); `extra` is created in build() and never read."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units, self.state_size = units, units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")
        self.u = self.add_weight(shape=(self.units, self.units), name="u")
        self.extra = self.add_weight(shape=(self.units, self.units), name="extra")

    def call(self, inputs, states):
        h = keras.ops.tanh(keras.ops.matmul(inputs, self.w) + keras.ops.matmul(states[0], self.u))
        return h, [h]


def build():
    x = keras.Input((T, F), batch_size=B, name="x")
    h = keras.layers.RNN(CellWithExtra(H, name="cell"), unroll=True, name="rnn")(x)
    return keras.Model(x, keras.layers.Dense(2, name="head")(h), name="unused")
