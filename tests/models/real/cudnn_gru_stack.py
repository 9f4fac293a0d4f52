"""Two stacked tf_keras CuDNNGRU layers classifying sequences, in a TF1 graph.

Follows the Keras 2.x / TF 1.x tutorials that stack `CuDNNGRU(units, return_sequences=True)`
and `CuDNNGRU(units)` on float features (activity recognition, stock windows), then a softmax
`Dense`, `GradientDescentOptimizer`. Each layer is its own `CudnnRNN` op (rnn_mode gru)
whose `params` concatenates slices of the layer's variables. Written after its structure.
"""

import tensorflow as tf

tf1 = tf.compat.v1

steps, features, units, classes = 5, 3, 8, 4


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [None, steps, features], name="x")
        y = tf1.placeholder(tf.int32, [None], name="y")
        h = tf1.keras.layers.CuDNNGRU(units, return_sequences=True)(x)
        h = tf1.keras.layers.CuDNNGRU(units)(h)
        logits = tf1.keras.layers.Dense(classes)(h)
        loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                              logits=logits))
        tf1.train.GradientDescentOptimizer(0.1).minimize(loss)
    return graph


# Ground truth, from the CudnnRNN op docs (rnn_mode gru: 3 gates, input then recurrent
# matrices, then 2 biases per gate). Layer 0: kernel [3, 24] 72, recurrent_kernel [8, 24]
# 192, bias [48] 48; layer 1 reads layer 0's outputs: kernel [8, 24] 192, recurrent_kernel
# 192, bias 48; dense [8, 4] 32 + 4. Plain SGD keeps no state.
EXPECTED = {
    "builder": "build",
    "mirrors": "stacked CuDNNGRU classifiers of Keras 2.x / TF 1.x tutorials",
    "total_params": 780,
    "num_steps": None,
    "variables": {
        "cu_dnngru/kernel": {"role": "input_to_hidden", "cell": "gru0", "layer": 0,
                             "steps": "dynamic"},
        "cu_dnngru/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "gru0", "layer": 0,
                                       "steps": "dynamic"},
        "cu_dnngru/bias": {"role": "bias", "cell": "gru0", "layer": 0, "steps": "dynamic"},
        "cu_dnngru_1/kernel": {"role": "input_to_hidden", "cell": "gru1", "layer": 1,
                               "steps": "dynamic"},
        "cu_dnngru_1/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "gru1",
                                         "layer": 1, "steps": "dynamic"},
        "cu_dnngru_1/bias": {"role": "bias", "cell": "gru1", "layer": 1, "steps": "dynamic"},
        "dense/kernel": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "dense/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 0,
    "findings": {},
}
