"""A RepeatVector encoder-decoder (sequence to sequence without teacher forcing).

Follows keras-team/keras `examples/addition_rnn.py` ("Learning to add numbers with a
sequence-to-sequence RNN"): one-hot characters -> `LSTM(hidden)` encoder (last output only) ->
`RepeatVector(DIGITS + 1)` -> `LSTM(hidden, return_sequences=True)` decoder -> `Dense(chars,
softmax)` on every step. Sequential model, Keras 3. Written after its structure, tiny sizes.
"""

import keras

MAXLEN, DIGITS, CHARS, HIDDEN = 5, 2, 12, 8


def build():
    model = keras.Sequential(name="addition")
    model.add(keras.Input((MAXLEN, CHARS), batch_size=2))
    model.add(keras.layers.LSTM(HIDDEN, name="encoder"))
    model.add(keras.layers.RepeatVector(DIGITS + 1, name="repeat"))
    model.add(keras.layers.LSTM(HIDDEN, return_sequences=True, name="decoder"))
    model.add(keras.layers.Dense(CHARS, activation="softmax", name="chars"))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


# Ground truth. LSTM(8) on 12 inputs: kernel [12, 32] 384 + recurrent [8, 32] 256 +
# bias 32 = 672; decoder on 8 inputs: 256 + 256 + 32 = 544; Dense 96 + 12 = 108. Both LSTMs
# are Keras while loops (dynamic). The decoder reads the encoder's output: it is layer 1.
_E = "addition/encoder/lstm_cell/"
_D = "addition/decoder/lstm_cell/"
EXPECTED = {
    "builder": "build",
    "mirrors": "keras-team/keras examples/addition_rnn.py (LSTM -> RepeatVector -> LSTM)",
    "total_params": 1324,
    "num_steps": None,
    "variables": {
        _E + "kernel": {"role": "input_to_hidden", "cell": "enc", "layer": 0,
                        "steps": "dynamic"},
        _E + "recurrent_kernel": {"role": "hidden_to_hidden", "cell": "enc", "layer": 0,
                                  "steps": "dynamic"},
        _E + "bias": {"role": "bias", "cell": "enc", "layer": 0, "steps": "dynamic"},
        _D + "kernel": {"role": "input_to_hidden", "cell": "dec", "layer": 1,
                        "steps": "dynamic"},
        _D + "recurrent_kernel": {"role": "hidden_to_hidden", "cell": "dec", "layer": 1,
                                  "steps": "dynamic"},
        _D + "bias": {"role": "bias", "cell": "dec", "layer": 1, "steps": "dynamic"},
        "addition/chars/kernel": {"role": "hidden_to_output", "cell": None, "layer": None,
                                  "steps": []},
        "addition/chars/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "links": [["input", "enc"], ["enc", "dec"], ["dec", "addition/chars/kernel"],
              ["addition/chars/kernel", "addition/chars/bias"], ["addition/chars/bias", "output"]],
    "findings": {},
}
