"""Twin towers: one LSTM encodes two sentences whose encodings are compared.

Follows the Siamese LSTM sentence-similarity programs (e.g. the MaLSTM Keras example: one
shared `LSTM` applied to the left and the right input, the two encodings compared; here by
cosine similarity, a `Dot(normalize=True)` layer, as other Siamese examples do). Keras 3
functional model, tiny sizes.
"""

import keras

T, F, UNITS = 5, 3, 6


def build():
    left = keras.Input((T, F), batch_size=2, name="left")
    right = keras.Input((T, F), batch_size=2, name="right")
    shared = keras.layers.LSTM(UNITS, name="encoder")
    h_left, h_right = shared(left), shared(right)
    similarity = keras.layers.Dot(axes=1, normalize=True, name="similarity")([h_left, h_right])
    return keras.Model([left, right], similarity, name="siamese")


# Ground truth. LSTM: 3*24 + 6*24 + 24 = 240. One cell applied to two independent sequences
# from two inputs: two copies of the encoder (DESIGN §3b), not two layers sharing one cell
# (no shared_across_layers).
EXPECTED = {
    "builder": "build",
    "mirrors": "Siamese Manhattan LSTM (MaLSTM) sentence similarity, shared Keras LSTM",
    "total_params": 240,
    "num_steps": None,
    "variables": {
        "encoder/lstm_cell/kernel": {"role": "input_to_hidden", "cell": "enc", "layer": 0,
                                     "steps": "dynamic"},
        "encoder/lstm_cell/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "enc",
                                               "layer": 0, "steps": "dynamic"},
        "encoder/lstm_cell/bias": {"role": "bias", "cell": "enc", "layer": 0,
                                   "steps": "dynamic"},
    },
    "training_state_count": 0,
    "copies": [{"num_steps": None, "training": False}, {"num_steps": None, "training": False}],
    "findings": {},
}
