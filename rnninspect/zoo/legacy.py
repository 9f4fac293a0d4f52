"""The seed programs as real TF1 graphs, built with tf.compat.v1 the way the originals do.

Runs only where ``TF_USE_LEGACY_KERAS=1`` was set before TensorFlow was imported (the
legacy worker process, see ``rnninspect.tf.worker``): that is where the TF1 cells live.
"""

from __future__ import annotations

from typing import Any

from rnninspect.zoo.base import LegacyGraph
from rnninspect.zoo.configs import MNISTConfig, PTBConfig


def build_ptb(config: PTBConfig, variant: str = "standard", seed: int | None = None
              ) -> LegacyGraph:
    """ptb_word_lm.py's PTBModel (forward graph), era (b)/(c) of SEEDS.md §1.1.

    `variant`: "standard"; "noreuse" (a fresh variable scope per step: the missing-reuse
    bug); "tiedlayers" (``MultiRNNCell([cell] * n)``: one cell's weights for every layer).
    """
    import tensorflow as tf

    tf1 = tf.compat.v1
    size, vocab = config.hidden_size, config.vocab_size
    graph = tf.Graph()
    graph.seed = seed
    with graph.as_default():
        initializer = tf1.random_uniform_initializer(-config.init_scale, config.init_scale)
        with tf1.variable_scope("model", initializer=initializer):
            input_data = tf1.placeholder(
                tf.int32, [config.batch_size, config.num_steps], name="input_data"
            )

            def lstm_cell() -> Any:
                return tf1.nn.rnn_cell.BasicLSTMCell(size, forget_bias=0.0, state_is_tuple=True)

            def multi_cell() -> Any:
                if variant == "tiedlayers":
                    return tf1.nn.rnn_cell.MultiRNNCell([lstm_cell()] * config.num_layers)
                return tf1.nn.rnn_cell.MultiRNNCell(
                    [lstm_cell() for _ in range(config.num_layers)], state_is_tuple=True
                )

            cell = multi_cell()
            state = cell.zero_state(config.batch_size, tf.float32)
            with tf.device("/cpu:0"):
                embedding = tf1.get_variable("embedding", [vocab, size])
                inputs = tf1.nn.embedding_lookup(embedding, input_data)
            outputs = []
            with tf1.variable_scope("RNN"):
                for time_step in range(config.num_steps):
                    if variant == "noreuse":
                        # The bug: a new cell in a fresh scope at every step: new weights.
                        with tf1.variable_scope(f"step_{time_step}"):
                            cell_output, state = multi_cell()(inputs[:, time_step, :], state)
                    else:
                        if time_step > 0:
                            tf1.get_variable_scope().reuse_variables()
                        cell_output, state = cell(inputs[:, time_step, :], state)
                    outputs.append(cell_output)
            output = tf.reshape(tf.concat(outputs, 1), [-1, size])
            softmax_w = tf1.get_variable("softmax_w", [size, vocab])
            softmax_b = tf1.get_variable("softmax_b", [vocab])
            logits = tf.identity(tf.matmul(output, softmax_w) + softmax_b, name="logits")
    return LegacyGraph(graph, [input_data.op.name], [logits.op.name])


def build_mnist(config: MNISTConfig, variant: str = "standard", seed: int | None = None
                ) -> LegacyGraph:
    """recurrent_network.py (2016): a linear `hidden` projection, then static_rnn."""
    import tensorflow as tf

    tf1 = tf.compat.v1
    n_input, n_steps, n_hidden = config.n_input, config.num_steps, config.hidden_size
    graph = tf.Graph()
    graph.seed = seed
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [None, n_steps, n_input], name="x")
        weights = {
            "hidden": tf.Variable(tf1.random_normal([n_input, n_hidden])),
            "out": tf.Variable(tf1.random_normal([n_hidden, config.n_classes])),
        }
        biases = {
            "hidden": tf.Variable(tf1.random_normal([n_hidden])),
            "out": tf.Variable(tf1.random_normal([config.n_classes])),
        }
        _x = tf.transpose(x, [1, 0, 2])  # [n_steps, batch, n_input]
        _x = tf.reshape(_x, [-1, n_input])  # [n_steps * batch, n_input]
        _x = tf.matmul(_x, weights["hidden"]) + biases["hidden"]
        lstm_cell = tf1.nn.rnn_cell.BasicLSTMCell(n_hidden, forget_bias=config.forget_bias)
        steps = tf.split(_x, n_steps, 0)  # n_steps tensors of [batch, n_hidden]
        outputs, _ = tf1.nn.static_rnn(lstm_cell, steps, dtype=tf.float32)
        pred = tf.identity(tf.matmul(outputs[-1], weights["out"]) + biases["out"], name="pred")
    return LegacyGraph(graph, [x.op.name], [pred.op.name])
