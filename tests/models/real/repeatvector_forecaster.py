"""An encoder-decoder LSTM forecaster: LSTM, RepeatVector, LSTM, TimeDistributed(Dense).

Follows the multi-step time-series recipe popularised by Machine Learning Mastery ("How to
Develop LSTM Models for Multi-Step Time Series Forecasting", encoder-decoder model):
`LSTM(200, activation='relu', input_shape=(n_timesteps, n_features))`,
`RepeatVector(n_outputs)`, `LSTM(200, activation='relu', return_sequences=True)`,
`TimeDistributed(Dense(100, activation='relu'))`, `TimeDistributed(Dense(1))`. Sequential,
Keras 3. Written after its structure, tiny sizes.
"""

import keras

n_timesteps, n_features, n_outputs, H, D = 5, 2, 3, 4, 6


def build():
    return keras.Sequential([
        keras.Input((n_timesteps, n_features), batch_size=2),
        keras.layers.LSTM(H, activation="relu", name="encoder"),
        keras.layers.RepeatVector(n_outputs, name="repeat"),
        keras.layers.LSTM(H, activation="relu", return_sequences=True, name="decoder"),
        keras.layers.TimeDistributed(keras.layers.Dense(D, activation="relu", name="d1"),
                                     name="td1"),
        keras.layers.TimeDistributed(keras.layers.Dense(1, name="d2"), name="td2"),
    ], name="forecaster")


# Ground truth. encoder: kernel [2, 16] 32, recurrent [4, 16] 64, bias 16 = 112; decoder:
# kernel [4, 16] 64, recurrent 64, bias 16 = 144; td1 4*6 + 6 = 30; td2 6 + 1 = 7. 293 in
# all. The decoder reads the encoder's last output (repeated) at every one of its steps: a
# layer stacked on the encoder. Both TimeDistributed Dense layers read decoder outputs after
# its loop.
_P = "forecaster/"
EXPECTED = {
    "builder": "build",
    "mirrors": "MLM encoder-decoder LSTM: LSTM -> RepeatVector -> LSTM -> TimeDistributed(Dense)",
    "total_params": 293,
    "num_steps": None,
    "variables": {
        _P + "encoder/lstm_cell/kernel": {"role": "input_to_hidden", "cell": "enc", "layer": 0,
                                          "steps": "dynamic"},
        _P + "encoder/lstm_cell/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "enc",
                                                    "layer": 0, "steps": "dynamic"},
        _P + "encoder/lstm_cell/bias": {"role": "bias", "cell": "enc", "layer": 0,
                                        "steps": "dynamic"},
        _P + "decoder/lstm_cell/kernel": {"role": "input_to_hidden", "cell": "dec", "layer": 1,
                                          "steps": "dynamic"},
        _P + "decoder/lstm_cell/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "dec",
                                                    "layer": 1, "steps": "dynamic"},
        _P + "decoder/lstm_cell/bias": {"role": "bias", "cell": "dec", "layer": 1,
                                        "steps": "dynamic"},
        _P + "td1/d1/kernel": {"role": "hidden_to_output", "cell": None, "layer": None,
                            "steps": []},
        _P + "td1/d1/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
        _P + "td2/d2/kernel": {"role": "hidden_to_output", "cell": None, "layer": None,
                            "steps": []},
        _P + "td2/d2/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "findings": {},
}
