"""Small Keras models for the single-step and weight-product edges of the analysis.

* `simple_once`: a SimpleRNN over one step, then a Dense head: the head's matmul is a few
  ops after the recurrent kernel's, yet it is the output layer, not part of the cell.
* `low_rank`: no recurrence; a layer whose kernel is the product of two weights (A @ B,
  neither depends on the input) then a Dense head: no weight multiplies a state, so there
  is no cell."""

import keras
import tensorflow as tf

F, H, B = 3, 4, 2


def simple_once():
    x = keras.Input((1, F), batch_size=B, name="x")
    h = keras.layers.SimpleRNN(H, unroll=True, name="rnn")(x)
    model = keras.Model(x, keras.layers.Dense(2, name="head")(h), name="simple_once")
    return model, [tf.TensorSpec([B, 1, F], tf.float32)]


class LowRank(keras.layers.Layer):
    def build(self, input_shape):
        self.a = self.add_weight(shape=(input_shape[-1], 2), name="a")
        self.b = self.add_weight(shape=(2, H), name="b")

    def call(self, x):
        return keras.ops.matmul(x, keras.ops.matmul(self.a, self.b))


def low_rank():
    x = keras.Input((F,), batch_size=B, name="x")
    h = LowRank(name="low_rank")(x)
    model = keras.Model(x, keras.layers.Dense(2, name="head")(h), name="low_rank")
    return model, [tf.TensorSpec([B, F], tf.float32)]
