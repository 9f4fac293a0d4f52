"""A tf_keras CuDNNLSTM sentiment classifier built in a TF1 graph.

Follows the many "IMDB with CuDNNLSTM" notebooks and Keras 2.x examples (`imdb_lstm.py` with
`LSTM` swapped for `CuDNNLSTM`): `Embedding(max_features, d)` → `CuDNNLSTM(units)` → `Dense(1,
sigmoid)`, binary cross-entropy, `tf.compat.v1.train.AdamOptimizer().minimize`. The
recurrence is one `CudnnRNN` op whose `params` operand concatenates slices of `kernel`,
`recurrent_kernel` and `bias` (tf_keras `_canonical_to_params`). Written after its structure.
"""

import tensorflow as tf

tf1 = tf.compat.v1

max_features, maxlen, embed, units = 50, 6, 8, 16


def build():
    graph = tf.Graph()
    with graph.as_default():
        ids = tf1.placeholder(tf.int32, [None, maxlen], name="ids")
        labels = tf1.placeholder(tf.float32, [None, 1], name="labels")
        x = tf1.keras.layers.Embedding(max_features, embed)(ids)
        h = tf1.keras.layers.CuDNNLSTM(units)(x)
        logits = tf1.keras.layers.Dense(1)(h)
        loss = tf.reduce_mean(tf1.nn.sigmoid_cross_entropy_with_logits(labels=labels,
                                                                       logits=logits))
        tf1.train.AdamOptimizer(1e-3).minimize(loss)
        tf1.global_variables_initializer()
    return graph


# Ground truth, from the CudnnRNN op docs (params: per layer the input weights, then the
# recurrent weights, one matrix per gate; then the biases; rnn_mode lstm: 4 gates, 2 biases
# per gate). embeddings 50*8 = 400; kernel [8, 64] 512, recurrent_kernel [16, 64] 1024,
# bias [128] 128; dense [16, 1] 16 + 1. One op runs the whole sequence: dynamic.
# Adam: m and v per trainable variable (6 * 2) and the two beta powers.
EXPECTED = {
    "builder": "build",
    "mirrors": "Keras imdb_lstm with CuDNNLSTM (tf_keras, TF1 graph, Adam)",
    "total_params": 2081,
    "num_steps": None,
    "variables": {
        "embedding/embeddings": {"role": "embedding", "cell": None, "layer": None, "steps": []},
        "cu_dnnlstm/kernel": {"role": "input_to_hidden", "cell": "lstm", "layer": 0,
                              "steps": "dynamic"},
        "cu_dnnlstm/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "lstm", "layer": 0,
                                        "steps": "dynamic"},
        "cu_dnnlstm/bias": {"role": "bias", "cell": "lstm", "layer": 0, "steps": "dynamic"},
        "dense/kernel": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "dense/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 14,
    "findings": {},
}
