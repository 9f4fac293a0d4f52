"""Inspect your own Keras 3 model from Python: pass the model and an input signature.

Run: .venv/bin/python examples/own_keras_model.py
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import tensorflow as tf

from rnninspect import inspect


class TwoLayerLM(keras.Model):
    """A loop over time steps that reuses one LSTMCell per layer, like the PTB seed."""

    def __init__(self, vocab=1000, hidden=64, steps=12):
        super().__init__(name="my_lm")
        self.steps = steps
        self.embed = keras.layers.Embedding(vocab, hidden)
        self.cells = [keras.layers.LSTMCell(hidden, name=f"cell{i}") for i in range(2)]
        self.head = keras.layers.Dense(vocab, name="head")

    def call(self, ids):
        x = self.embed(ids)
        batch = keras.ops.shape(ids)[0]
        states = [[keras.ops.zeros((batch, 64))] * 2 for _ in self.cells]
        outputs = []
        for t in range(self.steps):
            h = x[:, t]
            for i, cell in enumerate(self.cells):
                h, states[i] = cell(h, states[i])
            outputs.append(h)
        return self.head(keras.ops.stack(outputs, axis=1))


model = TwoLayerLM()
model(keras.ops.zeros((1, 12), dtype="int32"))  # build the weights
ins = inspect(model, input_signature=[tf.TensorSpec([8, 12], tf.int32)])
print(ins)
