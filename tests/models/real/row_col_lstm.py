"""Hierarchical RNN: one LSTM over each row (TimeDistributed), a second over the rows.

Follows keras-team/keras `examples/mnist_hierarchical_rnn.py` (Keras 2): `TimeDistributed(
LSTM(row_hidden))` encodes every row of pixels, `LSTM(col_hidden)` encodes the encoded rows,
`Dense(num_classes, softmax)`. Keras 3, tiny sizes.
"""

import keras

ROWS, COLS, ROW_H, COL_H, CLASSES = 4, 5, 6, 7, 3


def build():
    x = keras.Input((ROWS, COLS, 1), batch_size=2)
    encoded_rows = keras.layers.TimeDistributed(keras.layers.LSTM(ROW_H, name="row_lstm"),
                                                name="rows")(x)
    encoded_columns = keras.layers.LSTM(COL_H, name="col_lstm")(encoded_rows)
    prediction = keras.layers.Dense(CLASSES, activation="softmax", name="out")(encoded_columns)
    return keras.Model(x, prediction, name="hierarchical")


# Ground truth. Row LSTM: 1*24 + 6*24 + 24 = 192; column LSTM: 6*28 + 7*28 + 28 = 392;
# Dense 7*3 + 3 = 24. The row LSTM runs on every row independently: one cell of layer 0,
# not layers sharing a cell.
EXPECTED = {
    "builder": "build",
    "mirrors": "keras-team/keras examples/mnist_hierarchical_rnn.py",
    "total_params": 608,
    "num_steps": None,
    "variables": {
        "rows/row_lstm/lstm_cell/kernel": {"role": "input_to_hidden", "cell": "row",
                                           "layer": 0, "steps": "dynamic"},
        "rows/row_lstm/lstm_cell/recurrent_kernel": {"role": "hidden_to_hidden",
                                                     "cell": "row", "layer": 0,
                                                     "steps": "dynamic"},
        "rows/row_lstm/lstm_cell/bias": {"role": "bias", "cell": "row", "layer": 0,
                                         "steps": "dynamic"},
        "col_lstm/lstm_cell/kernel": {"role": "input_to_hidden", "cell": "col", "layer": 1,
                                      "steps": "dynamic"},
        "col_lstm/lstm_cell/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "col",
                                                "layer": 1, "steps": "dynamic"},
        "col_lstm/lstm_cell/bias": {"role": "bias", "cell": "col", "layer": 1,
                                    "steps": "dynamic"},
        "out/kernel": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "out/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 0,
    "findings": {},
}
