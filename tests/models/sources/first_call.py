"""Keras 3 subclassed models as TF2 tutorials build them: by calling them once (tiny)."""

import keras
import tensorflow as tf

T, V, E, H, F = 5, 20, 6, 4, 3


class TutorialLM(keras.Model):
    """Embedding -> LSTM layer -> Dense, called on integer ids."""

    def __init__(self):
        super().__init__(name="tutorial_lm")
        self.embedding = keras.layers.Embedding(V, E, name="embedding")
        self.lstm = keras.layers.LSTM(H, return_sequences=True, name="lstm")
        self.head = keras.layers.Dense(V, name="head")

    def call(self, ids):
        return self.head(self.lstm(self.embedding(ids)))


class StepLM(keras.Model):
    """One cell called in a Python loop; the embedding looks up one step's ids at a time."""

    def __init__(self):
        super().__init__(name="step_lm")
        self.embedding = keras.layers.Embedding(V, E, name="embedding")
        self.cell = keras.layers.GRUCell(H, name="cell")
        self.head = keras.layers.Dense(V, name="head")

    def call(self, ids):
        h = tf.zeros([tf.shape(ids)[0], H])
        for t in range(ids.shape[1]):
            h, _ = self.cell(self.embedding(ids[:, t]), [h])
        return self.head(h)


class Rows(keras.Model):
    """Float features in, one SimpleRNNCell looped over the steps."""

    def __init__(self):
        super().__init__(name="rows")
        self.cell = keras.layers.SimpleRNNCell(H, name="cell")
        self.head = keras.layers.Dense(2, name="head")

    def call(self, x):
        h = tf.zeros([tf.shape(x)[0], H])
        for t in range(x.shape[1]):
            h, _ = self.cell(x[:, t, :], [h])
        return self.head(h)


class WithState(keras.Model):
    """Two call arguments: Keras 3 records only the first one's shape."""

    def __init__(self):
        super().__init__(name="with_state")
        self.cell = keras.layers.SimpleRNNCell(H, name="cell")

    def call(self, x, h0):
        h = h0
        for t in range(x.shape[1]):
            h, _ = self.cell(x[:, t, :], [h])
        return h


class Loop(keras.Model):
    """A GRUCell and a Dense with default names (issue 16, item 2)."""

    def __init__(self):
        super().__init__()
        self.cell = keras.layers.GRUCell(5)
        self.head = keras.layers.Dense(2)

    def call(self, x):
        h = tf.zeros([tf.shape(x)[0], 5])
        for t in range(x.shape[1]):
            h, _ = self.cell(x[:, t], [h])
        return self.head(h)


LOOP_SIGNATURE = [tf.TensorSpec([4, 6, 3])]


def tutorial_lm():
    m = TutorialLM()
    m(tf.zeros([2, T], tf.int32))
    return m


def step_lm():
    m = StepLM()
    m(tf.zeros([2, T], tf.int32))
    return m


def rows():
    m = Rows()
    m(tf.zeros([2, T, F]))
    return m


def rows_built():
    m = Rows()
    m.build((2, T, F))
    return m


def with_state():
    m = WithState()
    m(tf.zeros([2, T, F]), tf.zeros([2, H]))
    return m


def loop():
    return Loop(), LOOP_SIGNATURE
