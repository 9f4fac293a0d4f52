"""The seed programs in Keras 3, backend-agnostic (TensorFlow, JAX or PyTorch).

Both keep the seeds' structure: a Python loop over time steps that calls the *same* cell
objects, so every step reads the same weights. The training code (`rnninspect.train`)
uses these classes too.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from rnninspect.zoo.configs import MNISTConfig, PTBConfig


@keras.saving.register_keras_serializable(package="rnninspect")
class PTBModel(keras.Model):  # type: ignore[misc]  # keras ships no type information
    """ptb_word_lm.py in Keras 3: embedding -> stacked LSTMCell loop -> softmax layer.

    ``call(ids, states)`` returns ``(logits, states)`` so that training can carry the state
    from batch to batch (truncated BPTT). `variant` "noreuse" makes a new cell per step
    and "tiedlayers" uses one cell for every layer (both are sharing bugs, for demos).
    """

    def __init__(
        self,
        vocab_size: int = 10000,
        hidden_size: int = 200,
        num_layers: int = 2,
        num_steps: int = 20,
        keep_prob: float = 1.0,
        init_scale: float = 0.1,
        variant: str = "standard",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.vocab_size, self.hidden_size = vocab_size, hidden_size
        self.num_layers, self.num_steps = num_layers, num_steps
        self.keep_prob, self.init_scale, self.variant = keep_prob, init_scale, variant
        init = keras.initializers.RandomUniform(-init_scale, init_scale)
        self.embedding = keras.layers.Embedding(
            vocab_size, hidden_size, embeddings_initializer=init, name="embedding"
        )
        self.embedding.build((None, num_steps))

        def make_cell(name: str) -> keras.layers.LSTMCell:
            cell = keras.layers.LSTMCell(
                hidden_size,
                kernel_initializer=init,
                recurrent_initializer=init,
                unit_forget_bias=False,  # the paper's forget_bias = 0.0
                name=name,
            )
            cell.build((None, hidden_size))
            return cell

        if variant == "tiedlayers":
            self.cells = [make_cell("lstm_cell")] * num_layers
        elif variant == "noreuse":
            self.cells = [
                make_cell(f"lstm_cell_{t}_{layer}")
                for t in range(num_steps)
                for layer in range(num_layers)
            ]
        else:
            self.cells = [make_cell(f"lstm_cell_{layer}") for layer in range(num_layers)]
        self.dropout = keras.layers.Dropout(1.0 - keep_prob)
        self.softmax = keras.layers.Dense(
            vocab_size, kernel_initializer=init, bias_initializer=init, name="softmax"
        )
        self.softmax.build((None, num_steps, hidden_size))
        self.built = True  # every layer is built above: JAX's stateless_call needs this

    def cell_at(self, step: int, layer: int) -> keras.layers.LSTMCell:
        if self.variant == "noreuse":
            return self.cells[step * self.num_layers + layer]
        return self.cells[layer]

    def initial_states(self, batch_size: int) -> list[list[Any]]:
        zeros = ops.zeros((batch_size, self.hidden_size))
        return [[zeros, zeros] for _ in range(self.num_layers)]

    def call(self, ids: Any, states: Any = None, training: bool = False) -> Any:
        x = self.embedding(ids)
        x = self.dropout(x, training=training)
        if states is None:
            states = self.initial_states(ops.shape(ids)[0])
        states = [list(s) for s in states]
        outputs = []
        for t in range(self.num_steps):
            h = x[:, t, :]
            for layer in range(self.num_layers):
                h, states[layer] = self.cell_at(t, layer)(h, states[layer], training=training)
                h = self.dropout(h, training=training)
            outputs.append(h)
        logits = self.softmax(ops.stack(outputs, axis=1))
        return logits, states

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "vocab_size": self.vocab_size,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "num_steps": self.num_steps,
            "keep_prob": self.keep_prob,
            "init_scale": self.init_scale,
            "variant": self.variant,
        }


@keras.saving.register_keras_serializable(package="rnninspect")
class MNISTModel(keras.Model):  # type: ignore[misc]
    """recurrent_network.py in Keras 3: linear `hidden` projection -> LSTMCell loop -> `out`."""

    def __init__(
        self,
        n_input: int = 28,
        num_steps: int = 28,
        hidden_size: int = 128,
        n_classes: int = 10,
        forget_bias: float = 1.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.n_input, self.num_steps = n_input, num_steps
        self.hidden_size, self.n_classes, self.forget_bias = hidden_size, n_classes, forget_bias
        normal = keras.initializers.RandomNormal(stddev=1.0)  # tf.random_normal, as the seed
        # No activation: the seed's projection is linear (this is what makes it redundant).
        self.hidden = keras.layers.Dense(
            hidden_size, kernel_initializer=normal, bias_initializer=normal, name="hidden"
        )
        self.hidden.build((None, num_steps, n_input))
        # Keras stores the forget bias in the bias vector (TF1 added it at run time).
        self.cell = keras.layers.LSTMCell(
            hidden_size, unit_forget_bias=forget_bias == 1.0, name="lstm_cell"
        )
        self.cell.build((None, hidden_size))
        self.out = keras.layers.Dense(
            n_classes, kernel_initializer=normal, bias_initializer=normal, name="out"
        )
        self.out.build((None, hidden_size))
        self.built = True

    def call(self, x: Any, training: bool = False) -> Any:
        x = self.hidden(x)  # [batch, steps, hidden]
        zeros = ops.zeros((ops.shape(x)[0], self.hidden_size))
        state = [zeros, zeros]
        h = zeros
        for t in range(self.num_steps):
            h, state = self.cell(x[:, t, :], state, training=training)
        return self.out(h)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "n_input": self.n_input,
            "num_steps": self.num_steps,
            "hidden_size": self.hidden_size,
            "n_classes": self.n_classes,
            "forget_bias": self.forget_bias,
        }


def build_ptb(config: PTBConfig, variant: str = "standard") -> PTBModel:
    return PTBModel(
        vocab_size=config.vocab_size,
        hidden_size=config.hidden_size,
        num_layers=config.num_layers,
        num_steps=config.num_steps,
        keep_prob=config.keep_prob,
        init_scale=config.init_scale,
        variant=variant,
        name="ptb",
    )


def build_mnist(config: MNISTConfig, variant: str = "standard") -> MNISTModel:
    return MNISTModel(
        n_input=config.n_input,
        num_steps=config.num_steps,
        hidden_size=config.hidden_size,
        n_classes=config.n_classes,
        forget_bias=config.forget_bias,
        name="mnist",
    )
