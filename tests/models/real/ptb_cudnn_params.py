"""The PTB word LM's `rnn_mode=cudnn` graph: one opaque parameter buffer for a 2-layer LSTM.

Follows tensorflow/models `tutorials/rnn/ptb/ptb_word_lm.py` `_build_rnn_graph_cudnn`:
`tf.contrib.cudnn_rnn.CudnnLSTM(num_layers=2, ...)` runs on one `lstm_params` variable of
`params_size()` floats (cuDNN's opaque layout), zero initial states `[num_layers, batch,
hidden]`, time-major inputs from the embedding, outputs reshaped and projected by
`softmax_w`, `softmax_b`. Contrib is gone: the op is `tf.raw_ops.CudnnRNN` and the buffer's
size is the canonical one, computed here. Written after its structure.
"""

import tensorflow as tf

tf1 = tf.compat.v1

vocab, hidden, layers, steps, batch = 30, 8, 2, 5, 4
# per layer: 4 gates x (input matrix + recurrent matrix) + 8 bias vectors; inputs are
# `hidden` wide in both layers (the embedding has the hidden size, as in the tutorial)
params_size = layers * (4 * (hidden * hidden + hidden * hidden) + 8 * hidden)


def build():
    graph = tf.Graph()
    with graph.as_default():
        ids = tf1.placeholder(tf.int32, [batch, steps], name="input_data")
        targets = tf1.placeholder(tf.int32, [batch, steps], name="targets")
        embedding = tf1.get_variable("embedding", [vocab, hidden])
        inputs = tf.transpose(tf.nn.embedding_lookup(embedding, ids), [1, 0, 2])
        rnn_params = tf1.get_variable("lstm_params", [params_size])
        c = tf.zeros([layers, batch, hidden])
        h = tf.zeros([layers, batch, hidden])
        outputs = tf.raw_ops.CudnnRNN(input=inputs, input_h=h, input_c=c, params=rnn_params,
                                      rnn_mode="lstm", is_training=True).output
        output = tf.reshape(tf.transpose(outputs, [1, 0, 2]), [-1, hidden])
        softmax_w = tf1.get_variable("softmax_w", [hidden, vocab])
        softmax_b = tf1.get_variable("softmax_b", [vocab])
        logits = tf.matmul(output, softmax_w) + softmax_b
        tf.reduce_sum(tf1.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.reshape(targets, [-1]), logits=logits), name="cost")
    return graph


# Ground truth, from the CudnnRNN op docs: `params` holds both layers' input matrices,
# recurrent matrices and biases in one buffer. One variable fills slots of every kind and
# both layers: which elements connect what is hidden in the packing, so its role is not
# proven (`other`, unresolved), never guessed. The op runs 2 layers: 2 cells. embedding 240,
# lstm_params 1152, softmax_w 240 + 30.
EXPECTED = {
    "builder": "build",
    "mirrors": "tensorflow/models ptb_word_lm.py rnn_mode=cudnn (opaque lstm_params)",
    "total_params": 1662,
    "num_steps": None,
    "variables": {
        "embedding": {"role": "embedding", "cell": None, "layer": None, "steps": []},
        "lstm_params": {"role": "other", "steps": "dynamic"},
        "softmax_w": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "softmax_b": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "cells": 2,
    "layers": 2,
    "training_state_count": 0,
    "findings": {"unresolved": ["lstm_params"]},
}
