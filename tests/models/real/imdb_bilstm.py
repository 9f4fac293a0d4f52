"""Stacked Bidirectional(LSTM) sentiment classifier.

Follows keras-team/keras-io `examples/nlp/bidirectional_lstm_imdb.py`: `Embedding(max_features,
128)` -> `Bidirectional(LSTM(64, return_sequences=True))` -> `Bidirectional(LSTM(64))` ->
`Dense(1, activation="sigmoid")`. Functional model, Keras 3. Written after its structure,
tiny sizes.
"""

import keras

MAX_FEATURES, MAXLEN, EMBED, UNITS = 40, 5, 6, 4


def build():
    inputs = keras.Input(shape=(MAXLEN,), dtype="int32", batch_size=2)
    x = keras.layers.Embedding(MAX_FEATURES, EMBED, name="embedding")(inputs)
    x = keras.layers.Bidirectional(
        keras.layers.LSTM(UNITS, return_sequences=True, name="lstm_a"), name="bidi_1")(x)
    x = keras.layers.Bidirectional(keras.layers.LSTM(UNITS, name="lstm_b"), name="bidi_2")(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="score")(x)
    return keras.Model(inputs, outputs, name="imdb")


# Inner LSTMs are named so the paths do not depend on how many unnamed LSTMs the process made.
# Ground truth. Embedding 40*6 = 240. Layer 0 (input 6): per direction 6*16 + 4*16 + 16 = 176;
# layer 1 (input 2*4 = 8): per direction 8*16 + 64 + 16 = 208. Dense 8 + 1: 240 + 352 + 416 + 9.
EXPECTED = {
    "builder": "build",
    "mirrors": "keras-io examples/nlp/bidirectional_lstm_imdb.py (stacked Bidirectional LSTM)",
    "total_params": 1017,
    "num_steps": None,
    "variables": {
        "embedding/embeddings": {"role": "embedding", "cell": None, "layer": None,
                                      "steps": []},
        "bidi_1/forward_lstm_a/lstm_cell/kernel": {
            "role": "input_to_hidden", "cell": "f0", "layer": 0, "direction": "forward",
            "steps": "dynamic"},
        "bidi_1/forward_lstm_a/lstm_cell/recurrent_kernel": {
            "role": "hidden_to_hidden", "cell": "f0", "layer": 0, "direction": "forward",
            "steps": "dynamic"},
        "bidi_1/forward_lstm_a/lstm_cell/bias": {
            "role": "bias", "cell": "f0", "layer": 0, "direction": "forward",
            "steps": "dynamic"},
        "bidi_1/backward_lstm_a/lstm_cell/kernel": {
            "role": "input_to_hidden", "cell": "b0", "layer": 0, "direction": "backward",
            "steps": "dynamic"},
        "bidi_1/backward_lstm_a/lstm_cell/recurrent_kernel": {
            "role": "hidden_to_hidden", "cell": "b0", "layer": 0, "direction": "backward",
            "steps": "dynamic"},
        "bidi_1/backward_lstm_a/lstm_cell/bias": {
            "role": "bias", "cell": "b0", "layer": 0, "direction": "backward",
            "steps": "dynamic"},
        "bidi_2/forward_lstm_b/lstm_cell/kernel": {
            "role": "input_to_hidden", "cell": "f1", "layer": 1, "direction": "forward",
            "steps": "dynamic"},
        "bidi_2/forward_lstm_b/lstm_cell/recurrent_kernel": {
            "role": "hidden_to_hidden", "cell": "f1", "layer": 1, "direction": "forward",
            "steps": "dynamic"},
        "bidi_2/forward_lstm_b/lstm_cell/bias": {
            "role": "bias", "cell": "f1", "layer": 1, "direction": "forward",
            "steps": "dynamic"},
        "bidi_2/backward_lstm_b/lstm_cell/kernel": {
            "role": "input_to_hidden", "cell": "b1", "layer": 1, "direction": "backward",
            "steps": "dynamic"},
        "bidi_2/backward_lstm_b/lstm_cell/recurrent_kernel": {
            "role": "hidden_to_hidden", "cell": "b1", "layer": 1, "direction": "backward",
            "steps": "dynamic"},
        "bidi_2/backward_lstm_b/lstm_cell/bias": {
            "role": "bias", "cell": "b1", "layer": 1, "direction": "backward",
            "steps": "dynamic"},
        "score/kernel": {"role": "hidden_to_output", "cell": None, "layer": None,
                              "steps": []},
        "score/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    # each layer-1 direction reads the concatenation of both layer-0 directions
    "links": [["input", "embedding/embeddings"], ["embedding/embeddings", "f0"],
              ["embedding/embeddings", "b0"], ["f0", "f1"], ["f0", "b1"], ["b0", "f1"],
              ["b0", "b1"], ["f1", "score/kernel"], ["b1", "score/kernel"],
              ["score/kernel", "score/bias"], ["score/bias", "output"]],
    "findings": {},
}
