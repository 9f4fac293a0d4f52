"""The seed programs' whole graphs, as their `main()` builds them: the model copies that share
the weights, the training ops and the bookkeeping (SEEDS.md §1.4, "The whole graph").

What a user who points a tool at the real program gets; rnninspect must read the same roles,
steps and totals from these as from the forward graphs in `legacy.py`. Runs only in the TF1
worker (``TF_USE_LEGACY_KERAS=1``).
"""

from __future__ import annotations

from typing import Any

from rnninspect.zoo.base import LegacyGraph
from rnninspect.zoo.configs import MNISTConfig, PTBConfig
from rnninspect.zoo.legacy import build_mnist


def build_ptb_main(config: PTBConfig, seed: int | None = None) -> LegacyGraph:
    """ptb_word_lm.py `main()` (eras c–d): Train (with dropout when keep_prob < 1, gradients
    clipped by global norm, SGD with a learning-rate variable and global_step), Valid (same
    T and batch) and Test (T = batch = 1) under one `Model` variable scope."""
    import tensorflow as tf

    tf1 = tf.compat.v1
    graph = tf.Graph()
    graph.seed = seed
    inputs: list[str] = []
    outputs: list[str] = []
    with graph.as_default():
        initializer = tf1.random_uniform_initializer(-config.init_scale, config.init_scale)
        copies = (("Train", True, config.batch_size, config.num_steps, None),
                  ("Valid", False, config.batch_size, config.num_steps, True),
                  ("Test", False, 1, 1, True))
        for scope, training, batch, steps, reuse in copies:
            with tf1.name_scope(scope), tf1.variable_scope(
                    "Model", reuse=reuse, initializer=initializer):
                fed, cost = _ptb_model(tf, config, training, batch, steps)
            inputs += fed
            outputs.append(cost)
    return LegacyGraph(graph, inputs, outputs)


def _ptb_model(tf: Any, config: PTBConfig, training: bool, batch: int, steps: int
               ) -> tuple[list[str], str]:
    """One PTBModel; returns its placeholders and its cost op."""
    tf1 = tf.compat.v1
    size, vocab = config.hidden_size, config.vocab_size
    dropout = training and config.keep_prob < 1
    input_data = tf1.placeholder(tf.int32, [batch, steps], name="input_data")
    targets = tf1.placeholder(tf.int32, [batch, steps], name="targets")

    def make_cell() -> Any:
        cell = tf1.nn.rnn_cell.BasicLSTMCell(size, forget_bias=0.0, state_is_tuple=True)
        if dropout:
            cell = tf1.nn.rnn_cell.DropoutWrapper(cell, output_keep_prob=config.keep_prob)
        return cell

    cell = tf1.nn.rnn_cell.MultiRNNCell([make_cell() for _ in range(config.num_layers)],
                                        state_is_tuple=True)
    state = cell.zero_state(batch, tf.float32)
    with tf.device("/cpu:0"):
        embedding = tf1.get_variable("embedding", [vocab, size])
        inputs = tf1.nn.embedding_lookup(embedding, input_data)
    if dropout:
        inputs = tf1.nn.dropout(inputs, rate=1 - config.keep_prob)
    outputs = []
    with tf1.variable_scope("RNN"):
        for time_step in range(steps):
            if time_step > 0:
                tf1.get_variable_scope().reuse_variables()
            cell_output, state = cell(inputs[:, time_step, :], state)
            outputs.append(cell_output)
    output = tf.reshape(tf.concat(outputs, 1), [-1, size])
    softmax_w = tf1.get_variable("softmax_w", [size, vocab])
    softmax_b = tf1.get_variable("softmax_b", [vocab])
    logits = tf.matmul(output, softmax_w) + softmax_b
    # sequence_loss_by_example with unit weights: per-token cross-entropy.
    loss = tf1.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.reshape(targets, [-1]), logits=logits)
    cost = tf.identity(tf.reduce_sum(loss) / batch, name="cost")
    if training:
        lr = tf.Variable(0.0, trainable=False, name="lr")
        tvars = tf1.trainable_variables()
        grads, _ = tf.clip_by_global_norm(tf1.gradients(cost, tvars), config.max_grad_norm)
        optimizer = tf1.train.GradientDescentOptimizer(lr)
        optimizer.apply_gradients(zip(grads, tvars, strict=True),
                                  global_step=tf1.train.get_or_create_global_step())
        new_lr = tf1.placeholder(tf.float32, [], name="new_learning_rate")
        tf1.assign(lr, new_lr)
    return [input_data.op.name, targets.op.name], cost.op.name


def build_mnist_train(config: MNISTConfig, seed: int | None = None) -> LegacyGraph:
    """recurrent_network.py's whole graph: the model, its cost, `AdamOptimizer.minimize`
    (two slots per weight, beta powers) and the accuracy."""
    import tensorflow as tf

    tf1 = tf.compat.v1
    forward = build_mnist(config, "standard", seed)
    with forward.graph.as_default():
        pred = forward.graph.get_tensor_by_name(f"{forward.outputs[0]}:0")
        y = tf1.placeholder(tf.float32, [None, config.n_classes], name="y")
        cost = tf.identity(tf.reduce_mean(
            tf1.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=pred)), name="cost")
        tf1.train.AdamOptimizer(config.learning_rate).minimize(cost)
        correct = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")
    return LegacyGraph(forward.graph, [*forward.inputs, y.op.name],
                       [cost.op.name, accuracy.op.name])
