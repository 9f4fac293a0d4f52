"""The TF 2.0 text-generation tutorial's stateful GRU, in the Keras 2 dialect (tf_keras).

Follows the TensorFlow tutorial "Text generation with an RNN" (2019-2020 version,
tensorflow/docs `site/en/tutorials/text/text_generation.ipynb`): `build_model(vocab_size,
embedding_dim, rnn_units, batch_size)` returns `tf.keras.Sequential([Embedding(vocab_size,
embedding_dim, batch_input_shape=[batch_size, None]), GRU(rnn_units, return_sequences=True,
stateful=True, recurrent_initializer='glorot_uniform'), Dense(vocab_size)])`. Written after
its structure in tf_keras, tiny sizes (the time axis fixed, as `rnninspect` traces it).
"""

import tf_keras as keras

vocab_size, embedding_dim, rnn_units, batch_size, seq_len = 20, 4, 5, 2, 6


def build():
    return keras.Sequential([
        keras.layers.Embedding(vocab_size, embedding_dim,
                               batch_input_shape=[batch_size, seq_len], name="embedding"),
        keras.layers.GRU(rnn_units, return_sequences=True, stateful=True,
                         recurrent_initializer="glorot_uniform", name="gru"),
        keras.layers.Dense(vocab_size, name="dense"),
    ], name="textgen")


# Ground truth. embedding 20*4 = 80; GRU (reset_after): kernel [4, 15] 60, recurrent [5, 15]
# 75, bias [2, 15] 30 = 165; dense 5*20 + 20 = 120. 365 in all. The stateful GRU keeps its
# h in one variable the call assigns the final state and the next call starts from: one
# carried state, no weight.
EXPECTED = {
    "builder": "build",
    "mirrors": "TF tutorial 'Text generation with an RNN' (stateful GRU, batch_input_shape)",
    "total_params": 365,
    "num_steps": None,
    "variables": {
        "embedding/embeddings": {"role": "embedding", "cell": None, "layer": None,
                                 "steps": []},
        "gru/gru_cell/kernel": {"role": "input_to_hidden", "cell": "gru", "layer": 0,
                                "steps": "dynamic"},
        "gru/gru_cell/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "gru",
                                          "layer": 0, "steps": "dynamic"},
        "gru/gru_cell/bias": {"role": "bias", "cell": "gru", "layer": 0, "steps": "dynamic"},
        "dense/kernel": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "dense/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "carried_state_count": 1,
    "findings": {},
}
