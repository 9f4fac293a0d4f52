"""User models in Keras 3, one per way of handing a model to rnninspect (tiny: H=4, T=3)."""

import keras
import tensorflow as tf

T, F, H = 3, 2, 4


def functional():
    x = keras.Input((T, F), batch_size=2, name="x")
    h = keras.layers.LSTM(H, unroll=True, name="lstm")(x)
    return keras.Model(x, keras.layers.Dense(2, name="head")(h), name="functional")


def sequential():
    return keras.Sequential([
        keras.Input((T, F), batch_size=2),
        keras.layers.GRU(H, name="gru"),
        keras.layers.Dense(2, name="head"),
    ], name="sequential")


class Looped(keras.Model):
    """A subclassed model whose call loops over the steps with one cell."""

    def __init__(self):
        super().__init__(name="looped")
        self.cell = keras.layers.SimpleRNNCell(H, name="cell")
        self.head = keras.layers.Dense(2, name="head")

    def call(self, x):
        h = tf.zeros([tf.shape(x)[0], H])
        for t in range(T):
            h, _ = self.cell(x[:, t, :], [h])
        return self.head(h)


def subclassed_with_signature():
    return Looped(), [tf.TensorSpec([2, T, F], tf.float32)]


def subclassed_without_signature():
    return Looped()


MODEL = functional()  # a module attribute, not a function


def concrete():
    cell = keras.layers.LSTMCell(H, name="cell")
    cell.build((None, F))

    @tf.function
    def run(x):
        h = c = tf.zeros([2, H])
        for t in range(T):
            h, (h, c) = cell(x[:, t, :], [h, c])
        return h

    return run.get_concrete_function(tf.TensorSpec([2, T, F], tf.float32))


_kept = []  # the Keras objects behind concrete_subclassed's tf.Variables stay alive


def concrete_subclassed():
    """A subclassed model and two output heads that both call themselves "twin" (so their
    Keras paths collide), traced as a ConcreteFunction: it lists plain tf.Variables, whose
    own names are `looped/kernel`, `looped/bias`, ... and `twin/kernel` twice."""
    model = Looped()
    heads = [keras.Sequential([keras.layers.Dense(1, name="out")], name="twin")
             for _ in range(2)]
    _kept.append((model, heads))

    @tf.function
    def run(x):
        y = model(x)
        return heads[0](y) + heads[1](y)

    return run.get_concrete_function(tf.TensorSpec([2, T, F], tf.float32))


class Handwritten(tf.Module):
    """Plain variables and matmuls: h = tanh(x W + h U + b)."""

    def __init__(self):
        super().__init__(name="handwritten")
        self.w = tf.Variable(tf.random.normal([F, H]), name="w")
        self.u = tf.Variable(tf.random.normal([H, H]), name="u")
        self.b = tf.Variable(tf.zeros([H]), name="b")

    def __call__(self, x):
        h = tf.zeros([2, H])
        for t in range(T):
            h = tf.tanh(tf.matmul(x[:, t, :], self.w) + tf.matmul(h, self.u) + self.b)
        return h


def module_with_signature():
    return Handwritten(), [tf.TensorSpec([2, T, F], tf.float32)]


def stepped_gru():
    """A Keras GRU layer called once per step (a one-step sequence each time) by a Python
    loop, its state passed on: one cell of four steps, each call a one-iteration loop."""
    gru = keras.layers.GRU(H, return_state=True, name="stepped")
    _kept.append(gru)

    @tf.function
    def run(x):
        h = tf.zeros([2, H])
        for t in range(4):
            _, h = gru(x[:, t:t + 1, :], initial_state=h)
        return h

    return run.get_concrete_function(tf.TensorSpec([2, 4, F], tf.float32))


def tied_gru():
    """One GRU layer run over its own output sequence: two layers on one set of weights."""
    gru = keras.layers.GRU(F, return_sequences=True, name="tied")
    _kept.append(gru)

    @tf.function
    def run(x):
        return gru(gru(x))

    return run.get_concrete_function(tf.TensorSpec([2, T, F], tf.float32))
