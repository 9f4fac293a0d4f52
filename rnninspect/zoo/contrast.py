"""Contrast models: the other common RNN forms, sized like the MNIST classifier, so a user
can set them beside the seed programs (`rnninspect compare mnist keras-lstm`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rnninspect.zoo.base import LegacyGraph, ZooModel


@dataclass(frozen=True)
class ContrastConfig:
    num_steps: int = 28
    n_input: int = 28
    hidden_size: int = 128
    n_classes: int = 10
    batch_size: int = 128


CONTRAST_CONFIGS = {"default": ContrastConfig()}
CONTRAST_OVERRIDES = {"num_steps": "num_steps", "hidden": "hidden_size", "batch": "batch_size"}

DESCRIPTIONS = {
    "keras-lstm": "Keras LSTM layer (a while loop, cuDNN-style fused weights), then Dense",
    "gru": "Keras GRU layer (while loop): gates z, r, h",
    "bidirectional": "Keras Bidirectional(LSTM): two cells side by side, one per direction",
    "seq2seq": "Keras encoder LSTM whose final state starts a decoder LSTM",
    "dynamic": "TF1 tf.nn.dynamic_rnn over an LSTMCell: the loop reads the weights each step",
}


@dataclass(frozen=True)
class ContrastFamily(ZooModel[ContrastConfig]):
    """One contrast form per entry (`variant` is the entry's name); float32 `[batch, steps,
    n_input]` inputs, two of them for seq2seq."""

    def build_legacy(self, config: ContrastConfig, seed: int | None) -> LegacyGraph:
        return build_legacy(self.variant, config, seed)

    def build_keras(self, config: ContrastConfig) -> Any:
        return build_keras(self.variant, config)

    def signature(self, config: ContrastConfig) -> list[Any]:
        import tensorflow as tf

        spec = tf.TensorSpec([config.batch_size, config.num_steps, config.n_input], tf.float32)
        return [spec, spec] if self.variant == "seq2seq" else [spec]


def build_keras(variant: str, config: ContrastConfig) -> Any:
    """A functional Keras 3 model (its signature: `ContrastFamily.signature`)."""
    import keras

    shape = (config.num_steps, config.n_input)
    x = keras.Input(shape, batch_size=config.batch_size, name="x")
    units = config.hidden_size
    if variant == "seq2seq":
        target = keras.Input(shape, batch_size=config.batch_size, name="target")
        _, h, c = keras.layers.LSTM(units, return_state=True, name="encoder")(x)
        out = keras.layers.LSTM(units, name="decoder")(target, initial_state=[h, c])
        y = keras.layers.Dense(config.n_classes, name="out")(out)
        return keras.Model([x, target], y, name=variant)
    layer = {
        "keras-lstm": lambda: keras.layers.LSTM(units, name="lstm"),
        "gru": lambda: keras.layers.GRU(units, name="gru"),
        "bidirectional": lambda: keras.layers.Bidirectional(keras.layers.LSTM(units),
                                                            name="bidirectional"),
    }[variant]()
    y = keras.layers.Dense(config.n_classes, name="out")(layer(x))
    return keras.Model(x, y, name=variant)


def build_legacy(variant: str, config: ContrastConfig, seed: int | None = None) -> LegacyGraph:
    """TF1 dynamic_rnn (runs in the legacy worker)."""
    import tensorflow as tf

    tf1 = tf.compat.v1
    graph = tf.Graph()
    graph.seed = seed
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [config.batch_size, config.num_steps, config.n_input],
                            name="x")
        cell = tf1.nn.rnn_cell.LSTMCell(config.hidden_size)
        outputs, _ = tf1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        w = tf1.get_variable("out/kernel", [config.hidden_size, config.n_classes])
        b = tf1.get_variable("out/bias", [config.n_classes])
        pred = tf.identity(tf.matmul(outputs[:, -1], w) + b, name="pred")
    return LegacyGraph(graph, [x.op.name], [pred.op.name])
