"""A word LM whose softmax reuses the embedding matrix (tied input/output embeddings).

Follows the "tied" variants of the TF PTB LM (Press & Wolf, "Using the Output Embedding to
Improve Language Models", 2017; e.g. the `--tied` forks of `ptb_word_lm.py`): embedding ->
`tf.unstack` -> `static_rnn(GRUCell)` under scope "RNN" -> outputs concatenated ->
`matmul(output, embedding, transpose_b=True) + softmax_b`, with the sequence loss. Forward
graph only (the eval model). Written after its structure, tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1

T, B, H, V = 4, 2, 8, 24


def build():
    graph = tf.Graph()
    with graph.as_default(), tf1.variable_scope("Model"):
        input_data = tf1.placeholder(tf.int32, [B, T], name="input_data")
        targets = tf1.placeholder(tf.int32, [B, T], name="targets")
        embedding = tf1.get_variable("embedding", [V, H])
        inputs = tf.unstack(tf1.nn.embedding_lookup(embedding, input_data), T, axis=1)
        cell = tf1.nn.rnn_cell.GRUCell(H)
        outputs, _ = tf1.nn.static_rnn(cell, inputs, dtype=tf.float32, scope="RNN")
        output = tf.reshape(tf.concat(outputs, 1), [-1, H])
        softmax_b = tf1.get_variable("softmax_b", [V])
        logits = tf.matmul(output, embedding, transpose_b=True) + softmax_b
        loss = tf1.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.reshape(targets, [-1]), logits=logits)
        tf.reduce_sum(loss, name="cost")
    return graph


# Ground truth. Embedding 24*8 = 192 (counted once); GRU gates [16, 16] 256 + 16, candidate
# [16, 8] 128 + 8; softmax_b 24. The embedding is also the output layer: weight_tying.
_G = "Model/RNN/gru_cell/"
EXPECTED = {
    "builder": "build",
    "mirrors": "ptb_word_lm.py with tied embedding/softmax (Press & Wolf 2017 forks)",
    "total_params": 624,
    "num_steps": 4,
    "variables": {
        "Model/embedding": {"role": "embedding", "also_roles": ["hidden_to_output"],
                            "cell": None, "layer": None, "steps": []},
        _G + "gates/kernel": {"role": "input_hidden_fused", "cell": "gru", "layer": 0,
                              "steps": [0, 1, 2, 3]},
        _G + "gates/bias": {"role": "bias", "cell": "gru", "layer": 0, "steps": [0, 1, 2, 3]},
        _G + "candidate/kernel": {"role": "input_hidden_fused", "cell": "gru", "layer": 0,
                                  "steps": [0, 1, 2, 3]},
        _G + "candidate/bias": {"role": "bias", "cell": "gru", "layer": 0,
                                "steps": [0, 1, 2, 3]},
        "Model/softmax_b": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "findings": {"weight_tying": ["Model/embedding"]},
}
