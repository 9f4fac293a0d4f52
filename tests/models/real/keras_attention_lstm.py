"""Additive (Bahdanau-style) self-attention over an LSTM encoder's outputs.

Follows the Keras text classifiers that put `keras.layers.AdditiveAttention` (the layer's
docstring recipe: `[query, value]` from one encoder) on top of `LSTM(return_sequences=True)`:
`Embedding` -> `LSTM(U, return_sequences=True)` -> `AdditiveAttention()([seq, seq])` ->
`GlobalAveragePooling1D` -> `Dense(1, sigmoid)`. Functional model, Keras 3. Written after its
structure, tiny sizes.
"""

import keras

VOCAB, MAXLEN, EMBED, UNITS = 20, 5, 4, 3


def build():
    tokens = keras.Input(shape=(MAXLEN,), dtype="int32", batch_size=2)
    x = keras.layers.Embedding(VOCAB, EMBED, name="embedding")(tokens)
    seq = keras.layers.LSTM(UNITS, return_sequences=True, name="encoder")(x)
    attended = keras.layers.AdditiveAttention(name="attention")([seq, seq])
    pooled = keras.layers.GlobalAveragePooling1D(name="pool")(attended)
    score = keras.layers.Dense(1, activation="sigmoid", name="score")(pooled)
    return keras.Model(tokens, score, name="attn_clf")


# Ground truth. Embedding 20*4 = 80; LSTM 4*12 + 3*12 + 12 = 96; AdditiveAttention's `scale`
# [3] (use_scale=True) 3; Dense 3 + 1 = 4. 183 in all. The attention scale weighs
# tanh(q + k) elementwise after the recurrence: in no cell, `other` (it connects nothing).
EXPECTED = {
    "builder": "build",
    "mirrors": "Keras AdditiveAttention over an LSTM(return_sequences=True) encoder",
    "total_params": 183,
    "num_steps": None,
    "variables": {
        "embedding/embeddings": {"role": "embedding", "cell": None, "layer": None,
                                 "steps": []},
        "encoder/lstm_cell/kernel": {"role": "input_to_hidden", "cell": "lstm", "layer": 0,
                                     "steps": "dynamic"},
        "encoder/lstm_cell/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "lstm",
                                               "layer": 0, "steps": "dynamic"},
        "encoder/lstm_cell/bias": {"role": "bias", "cell": "lstm", "layer": 0,
                                   "steps": "dynamic"},
        "attention/scale": {"role": "other", "cell": None, "layer": None, "steps": []},
        "score/kernel": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "score/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "findings": {},
}
