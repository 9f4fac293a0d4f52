"""Two stacked stateful LSTMs with `batch_input_shape`, built in the Keras 2 dialect (tf_keras).

Follows the Keras 2 example `examples/stateful_lstm.py` (keras-team/keras, 2016-2018):
`Sequential`, `LSTM(50, batch_input_shape=(batch_size, tsteps, 1), return_sequences=True,
stateful=True)`, `LSTM(50, return_sequences=False, stateful=True)`, `Dense(1)`,
`compile(loss='mse', optimizer='rmsprop')`, trained one epoch at a time with
`reset_states()` between. Written after its structure in tf_keras, tiny sizes.
"""

import tf_keras as keras

batch_size, tsteps, H1, H2 = 2, 4, 5, 3


def build():
    model = keras.Sequential(name="stateful")
    model.add(keras.layers.LSTM(H1, batch_input_shape=(batch_size, tsteps, 1),
                                return_sequences=True, stateful=True, name="lstm_1"))
    model.add(keras.layers.LSTM(H2, return_sequences=False, stateful=True, name="lstm_2"))
    model.add(keras.layers.Dense(1, name="dense"))
    model.compile(loss="mse", optimizer="rmsprop")
    return model


# Ground truth. lstm_1: kernel [1, 20] 20, recurrent [5, 20] 100, bias 20 = 140; lstm_2:
# kernel [5, 12] 60, recurrent [3, 12] 36, bias 12 = 108; dense 3 + 1 = 4. 252 in all. Each
# stateful layer keeps its h and c in two non-trainable variables that the call assigns the
# final state and the next call starts from: 4 carried states. compile() alone makes no
# optimizer slots.
_L1 = "lstm_1/lstm_cell/"
_L2 = "lstm_2/lstm_cell/"
EXPECTED = {
    "builder": "build",
    "mirrors": "Keras 2 examples/stateful_lstm.py (batch_input_shape, stateful=True, 2 LSTMs)",
    "total_params": 252,
    "num_steps": None,
    "variables": {
        _L1 + "kernel": {"role": "input_to_hidden", "cell": "l1", "layer": 0,
                         "steps": "dynamic"},
        _L1 + "recurrent_kernel": {"role": "hidden_to_hidden", "cell": "l1", "layer": 0,
                                   "steps": "dynamic"},
        _L1 + "bias": {"role": "bias", "cell": "l1", "layer": 0, "steps": "dynamic"},
        _L2 + "kernel": {"role": "input_to_hidden", "cell": "l2", "layer": 1,
                         "steps": "dynamic"},
        _L2 + "recurrent_kernel": {"role": "hidden_to_hidden", "cell": "l2", "layer": 1,
                                   "steps": "dynamic"},
        _L2 + "bias": {"role": "bias", "cell": "l2", "layer": 1, "steps": "dynamic"},
        "dense/kernel": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "dense/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "carried_state_count": 4,
    "findings": {},
}
