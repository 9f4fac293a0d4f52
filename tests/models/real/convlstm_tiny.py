"""A ConvLSTM next-frame / video classifier, tiny.

Follows keras-io `examples/vision/conv_lstm.py` (next-frame prediction with `ConvLSTM2D`)
in its classifier form: frames [T, rows, cols, channels] -> `ConvLSTM2D(filters, 3,
padding="same")` on the last state -> `Flatten` -> `Dense`. Functional model, Keras 3.
Written after its structure, tiny sizes.
"""

import keras

T, ROWS, COLS, CH, FILTERS, C = 3, 4, 4, 1, 2, 3


def build():
    frames = keras.Input((T, ROWS, COLS, CH), batch_size=2)
    x = keras.layers.ConvLSTM2D(FILTERS, 3, padding="same", name="convlstm")(frames)
    x = keras.layers.Flatten(name="flat")(x)
    out = keras.layers.Dense(C, name="out")(x)
    return keras.Model(frames, out, name="convlstm_clf")


# Ground truth. ConvLSTM2D: kernel [3, 3, 1, 8] 72, recurrent_kernel [3, 3, 2, 8] 144, bias
# 8; Dense (4*4*2) 32*3 + 3 = 99. 323 in all. The kernel convolves x_t (input→hidden), the
# recurrent kernel convolves h_{t-1} (hidden→hidden): the same connections as an LSTM's
# matrices, by convolution, which multiplies every patch by the filter (docs/analysis.md
# §3: a convolution reads its filter as a matmul reads its matrix). Read in the loop body;
# the bias is added (reshaped to broadcast).
EXPECTED = {
    "builder": "build",
    "mirrors": "keras-io examples/vision/conv_lstm.py (ConvLSTM2D), classifier form",
    "total_params": 323,
    "num_steps": None,
    "variables": {
        "convlstm/conv_lstm_cell/kernel": {"role": "input_to_hidden", "cell": "conv",
                                            "layer": 0, "steps": "dynamic"},
        "convlstm/conv_lstm_cell/recurrent_kernel": {"role": "hidden_to_hidden",
                                                      "cell": "conv", "layer": 0,
                                                      "steps": "dynamic"},
        "convlstm/conv_lstm_cell/bias": {"role": "bias", "cell": "conv", "layer": 0,
                                          "steps": "dynamic"},
        "out/kernel": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "out/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "findings": {},
}
