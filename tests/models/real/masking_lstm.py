"""Masking + LSTM over zero-padded sequences.

Follows the Keras guide "Masking and padding with Keras" (keras.io/guides/
understanding_masking_and_padding/) and the many `Masking(mask_value=0.)` -> `LSTM` ->
`Dense` time-series classifiers built after it. Sequential model, Keras 3. Written after its
structure, tiny sizes.
"""

import keras

T, F, H, C = 6, 3, 8, 4


def build():
    return keras.Sequential([
        keras.Input((T, F), batch_size=2),
        keras.layers.Masking(mask_value=0.0, name="mask"),
        keras.layers.LSTM(H, name="lstm"),
        keras.layers.Dense(C, activation="softmax", name="out"),
    ], name="masked")


# Ground truth. LSTM: 3*32 + 8*32 + 32 = 384; Dense 32 + 4. The mask only selects between the
# new and the carried state (a `where` in the loop body): no weight of its own.
EXPECTED = {
    "builder": "build",
    "mirrors": "keras.io guide 'Masking and padding': Masking -> LSTM -> Dense",
    "total_params": 420,
    "num_steps": None,
    "variables": {
        "masked/lstm/lstm_cell/kernel": {"role": "input_to_hidden", "cell": "lstm", "layer": 0,
                                         "steps": "dynamic"},
        "masked/lstm/lstm_cell/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "lstm",
                                                   "layer": 0, "steps": "dynamic"},
        "masked/lstm/lstm_cell/bias": {"role": "bias", "cell": "lstm", "layer": 0,
                                       "steps": "dynamic"},
        "masked/out/kernel": {"role": "hidden_to_output", "cell": None, "layer": None,
                              "steps": []},
        "masked/out/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "findings": {},
}
