"""Two LSTM cells stacked in one RNN layer, with recurrent dropout.

Follows the Keras `StackedRNNCells` usage in keras-team/keras-io guides (`working_with_rnns`:
"`RNN(StackedRNNCells([LSTMCell, LSTMCell]))`") with `recurrent_dropout` on both cells, as
regularised language models do. Keras 3 functional model, tiny sizes.
"""

import keras

T, F, UNITS, CLASSES = 5, 3, 6, 4


def build():
    x = keras.Input((T, F), batch_size=2)
    cells = keras.layers.StackedRNNCells(
        [keras.layers.LSTMCell(UNITS, recurrent_dropout=0.2, name="lower"),
         keras.layers.LSTMCell(UNITS, recurrent_dropout=0.2, name="upper")], name="stack")
    h = keras.layers.RNN(cells, name="rnn")(x)
    return keras.Model(x, keras.layers.Dense(CLASSES, name="out")(h), name="stacked")


# Ground truth. lower: 3*24 + 6*24 + 24 = 240; upper: 6*24 + 6*24 + 24 = 312; out 6*4 + 4.
EXPECTED = {
    "builder": "build",
    "mirrors": "keras-io guides/working_with_rnns.py RNN(StackedRNNCells), recurrent_dropout",
    "total_params": 580,
    "num_steps": None,
    "variables": {
        "rnn/stack/lower/kernel": {"role": "input_to_hidden", "cell": "lower", "layer": 0,
                                   "steps": "dynamic"},
        "rnn/stack/lower/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "lower",
                                             "layer": 0, "steps": "dynamic"},
        "rnn/stack/lower/bias": {"role": "bias", "cell": "lower", "layer": 0,
                                 "steps": "dynamic"},
        "rnn/stack/upper/kernel": {"role": "input_to_hidden", "cell": "upper", "layer": 1,
                                   "steps": "dynamic"},
        "rnn/stack/upper/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "upper",
                                             "layer": 1, "steps": "dynamic"},
        "rnn/stack/upper/bias": {"role": "bias", "cell": "upper", "layer": 1,
                                 "steps": "dynamic"},
        "out/kernel": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "out/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 0,
    "findings": {},
}
