"""`Bidirectional(LSTM, merge_mode='sum')` under a `GRU(go_backwards=True)`.

Follows the Keras `Bidirectional` docs and the text classifiers that use its other merge
modes (`merge_mode='sum'`, as in the Keras 2 `imdb_bidirectional_lstm.py` variants) and a
reversed-reading `GRU(go_backwards=True)` (the Keras `RNN` docs' `go_backwards`): token ids,
`Embedding`, `Bidirectional(LSTM(return_sequences=True), merge_mode='sum')`,
`GRU(go_backwards=True)`, `Dense(sigmoid)`. Functional model, Keras 3. Written after its
structure, tiny sizes.
"""

import keras

V, T, E, H, G = 30, 6, 4, 5, 3


def build():
    ids = keras.Input((T,), dtype="int32", batch_size=2, name="ids")
    x = keras.layers.Embedding(V, E, name="embed")(ids)
    x = keras.layers.Bidirectional(keras.layers.LSTM(H, return_sequences=True, name="lstm"),
                                   merge_mode="sum", name="bidi")(x)
    x = keras.layers.GRU(G, go_backwards=True, name="rev_gru")(x)
    out = keras.layers.Dense(1, activation="sigmoid", name="out")(x)
    return keras.Model(ids, out, name="sumbidi")


# Ground truth. embed 30*4 = 120; each LSTM direction: [4, 20] 80 + [5, 20] 100 + 20 = 200,
# 400; GRU (reset_after): [5, 9] 45 + [3, 9] 27 + bias [2, 9] 18 = 90; out 3 + 1 = 4. 614 in
# all. The sum merges both directions elementwise (no weight); the GRU reads the summed
# sequence from its end: one cell, a layer above both LSTM directions (its direction is a
# single reversed RNN, not a bidirectional pair: not asserted).
EXPECTED = {
    "builder": "build",
    "mirrors": "Keras Bidirectional(LSTM, merge_mode='sum') -> GRU(go_backwards=True)",
    "total_params": 614,
    "num_steps": None,
    "variables": {
        "embed/embeddings": {"role": "embedding", "cell": None, "layer": None, "steps": []},
        "bidi/forward_lstm/lstm_cell/kernel": {
            "role": "input_to_hidden", "cell": "f", "layer": 0, "direction": "forward",
            "steps": "dynamic"},
        "bidi/forward_lstm/lstm_cell/recurrent_kernel": {
            "role": "hidden_to_hidden", "cell": "f", "layer": 0, "direction": "forward",
            "steps": "dynamic"},
        "bidi/forward_lstm/lstm_cell/bias": {
            "role": "bias", "cell": "f", "layer": 0, "direction": "forward", "steps": "dynamic"},
        "bidi/backward_lstm/lstm_cell/kernel": {
            "role": "input_to_hidden", "cell": "b", "layer": 0, "direction": "backward",
            "steps": "dynamic"},
        "bidi/backward_lstm/lstm_cell/recurrent_kernel": {
            "role": "hidden_to_hidden", "cell": "b", "layer": 0, "direction": "backward",
            "steps": "dynamic"},
        "bidi/backward_lstm/lstm_cell/bias": {
            "role": "bias", "cell": "b", "layer": 0, "direction": "backward",
            "steps": "dynamic"},
        "rev_gru/gru_cell/kernel": {"role": "input_to_hidden", "cell": "g", "layer": 1,
                                    "steps": "dynamic"},
        "rev_gru/gru_cell/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "g",
                                              "layer": 1, "steps": "dynamic"},
        "rev_gru/gru_cell/bias": {"role": "bias", "cell": "g", "layer": 1, "steps": "dynamic"},
        "out/kernel": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "out/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "findings": {},
}
