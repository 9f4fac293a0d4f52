"""Keras 3 RNN forms with known answers: each builder returns (model, input_signature)."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import tensorflow as tf

T, F, H, V = 5, 3, 4, 20  # steps, features, hidden units, vocabulary


def _seq_input():
    return keras.Input((T, F), batch_size=2, name="x")


def _signature(kind="float"):
    if kind == "ids":
        return [tf.TensorSpec([2, T], tf.int32)]
    return [tf.TensorSpec([2, T, F], tf.float32)]


def layer_model(layer_cls, unroll=False, **kwargs):
    x = _seq_input()
    h = layer_cls(H, unroll=unroll, name="rnn", **kwargs)(x)
    y = keras.layers.Dense(2, name="head")(h)
    form = "unrolled" if unroll else "loop"
    return keras.Model(x, y, name=f"{layer_cls.__name__.lower()}_{form}")


def lstm(unroll=False):
    return layer_model(keras.layers.LSTM, unroll), _signature()


def gru(unroll=False):
    return layer_model(keras.layers.GRU, unroll), _signature()


def simple_rnn(unroll=False):
    return layer_model(keras.layers.SimpleRNN, unroll), _signature()


def stacked(unroll=False):
    x = _seq_input()
    h = keras.layers.LSTM(H, return_sequences=True, unroll=unroll, name="lstm_a")(x)
    h = keras.layers.LSTM(H, unroll=unroll, name="lstm_b")(h)
    return keras.Model(x, keras.layers.Dense(2, name="head")(h), name="stacked"), _signature()


def bidirectional(unroll=False):
    x = _seq_input()
    h = keras.layers.Bidirectional(keras.layers.LSTM(H, unroll=unroll), name="bi")(x)
    return keras.Model(x, keras.layers.Dense(2, name="head")(h), name="bi"), _signature()


def seq2seq(unroll=False):
    enc_in = keras.Input((T, F), batch_size=2, name="enc")
    dec_in = keras.Input((T, F), batch_size=2, name="dec")
    _, h, c = keras.layers.LSTM(H, return_state=True, unroll=unroll, name="encoder")(enc_in)
    out = keras.layers.LSTM(H, return_sequences=True, unroll=unroll, name="decoder")(
        dec_in, initial_state=[h, c])
    model = keras.Model([enc_in, dec_in], keras.layers.Dense(2, name="head")(out),
                        name="seq2seq")
    return model, [tf.TensorSpec([2, T, F], tf.float32)] * 2


class MinimalCell(keras.layers.Layer):
    """A hand-written Elman cell: h_t = tanh(x W + h U)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units, self.state_size = units, units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")
        self.u = self.add_weight(shape=(self.units, self.units), name="u")

    def call(self, inputs, states):
        h = keras.ops.tanh(keras.ops.matmul(inputs, self.w) + keras.ops.matmul(states[0], self.u))
        return h, [h]


def custom_cell(unroll=False):
    x = _seq_input()
    h = keras.layers.RNN(MinimalCell(H), unroll=unroll, name="rnn")(x)
    return keras.Model(x, keras.layers.Dense(2, name="head")(h), name="custom"), _signature()


def stacked_cells(unroll=False):
    x = _seq_input()
    cells = keras.layers.StackedRNNCells([keras.layers.LSTMCell(H), keras.layers.LSTMCell(H)])
    h = keras.layers.RNN(cells, unroll=unroll, name="rnn")(x)
    return keras.Model(x, keras.layers.Dense(2, name="head")(h), name="stacked_cells"), \
        _signature()


class TiedLM(keras.Model):
    """Weight tying: the embedding, transposed, is the output matrix."""

    def __init__(self):
        super().__init__(name="tied")
        self.embed = keras.layers.Embedding(V, H, name="embed")
        self.cell = keras.layers.LSTMCell(H, name="cell")
        self.embed.build((None, T))
        self.cell.build((None, H))
        self.built = True

    def call(self, ids):
        x = self.embed(ids)
        state = [keras.ops.zeros((2, H))] * 2
        outs = []
        for t in range(T):
            h, state = self.cell(x[:, t], state)
            outs.append(h)
        h = keras.ops.stack(outs, axis=1)
        return keras.ops.matmul(h, keras.ops.transpose(self.embed.embeddings))


def tied():
    return TiedLM(), _signature("ids")


def no_recurrence():
    x = keras.Input((F,), batch_size=2)
    h = keras.layers.Dense(H, activation="relu", name="d1")(x)
    return keras.Model(x, keras.layers.Dense(2, name="d2")(h), name="mlp"), \
        [tf.TensorSpec([2, F], tf.float32)]


def projected(activation=None, unroll=False):
    """Dense(P, activation) -> LSTM -> Dense: redundant only without an activation."""
    x = _seq_input()
    p = keras.layers.Dense(6, activation=activation, name="proj")(x)
    h = keras.layers.LSTM(H, unroll=unroll, name="rnn")(p)
    name = f"projected_{activation or 'linear'}_{'unrolled' if unroll else 'loop'}"
    return keras.Model(x, keras.layers.Dense(2, name="head")(h), name=name), _signature()


def twin_lstms():
    """Two LSTMs over the same input, both forward: not a bidirectional pair."""
    x = _seq_input()
    a = keras.layers.LSTM(H, name="lstm_a")(x)
    b = keras.layers.LSTM(H, name="lstm_b")(x)
    h = keras.layers.Concatenate()([a, b])
    return keras.Model(x, keras.layers.Dense(2, name="head")(h), name="twins"), _signature()


def one_step_gru(steps=1, with_state=False, unroll=False):
    """A GRU over a `steps`-long sequence, with no initial state (zeros) unless `with_state`:
    with one step and no state its recurrent kernel only ever multiplies zeros."""
    x = keras.Input((steps, F), batch_size=2, name="x")
    inputs, state = [x], None
    if with_state:
        s = keras.Input((H,), batch_size=2, name="s")
        inputs, state = [x, s], [s]
    h = keras.layers.GRU(H, unroll=unroll, name="gru")(x, initial_state=state)
    model = keras.Model(inputs, keras.layers.Dense(2, name="head")(h), name="one_step_gru")
    signature = [tf.TensorSpec([2, steps, F], tf.float32)]
    if with_state:
        signature.append(tf.TensorSpec([2, H], tf.float32))
    return model, signature
