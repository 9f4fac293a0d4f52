"""TF2 variable creation inside tf.function on every trace (rnninspect explains it)."""

import keras
import tensorflow as tf

T, F, H = 3, 2, 4


def variable_per_call():
    """A tf.Variable created inside the traced function."""

    @tf.function
    def step(x):
        w = tf.Variable(tf.ones([F, H]), name="w")
        return tf.matmul(x[:, 0], w)

    return step.get_concrete_function(tf.TensorSpec([2, T, F], tf.float32))


class NewCellPerCall(keras.Model):
    """Builds a fresh cell inside call(): new weights on every trace."""

    def call(self, x):
        h = c = tf.zeros([2, H])
        for t in range(T):
            h, (h, c) = keras.layers.LSTMCell(H, name="cell")(x[:, t], [h, c])
        return h


def layer_in_call():
    return NewCellPerCall(), [tf.TensorSpec([2, T, F], tf.float32)]
