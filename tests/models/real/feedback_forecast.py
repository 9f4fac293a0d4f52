"""Autoregressive forecaster: a warm-up RNN, then the same cell fed its own predictions.

Follows the TensorFlow tutorial `tutorials/structured_data/time_series` (`FeedBack` model):
an `LSTMCell` wrapped in `RNN(..., return_state=True)` for a warm-up over the inputs, a
`Dense` prediction, then the same cell called in a Python loop for each further step on the
previous prediction, each output through the same `Dense`. Keras 3, tiny sizes.
"""

import keras
import tensorflow as tf

UNITS, OUT_STEPS, FEATURES, STEPS, BATCH = 6, 4, 3, 5, 2


class FeedBack(keras.Model):
    def __init__(self, units, out_steps, features):
        super().__init__(name="feed_back")
        self.out_steps = out_steps
        self.lstm_cell = keras.layers.LSTMCell(units, name="lstm_cell")
        self.lstm_rnn = keras.layers.RNN(self.lstm_cell, return_state=True, name="rnn")
        self.dense = keras.layers.Dense(features, name="dense")

    def warmup(self, inputs):
        x, *state = self.lstm_rnn(inputs)
        return self.dense(x), state

    def call(self, inputs, training=None):
        predictions = []
        prediction, state = self.warmup(inputs)
        predictions.append(prediction)
        for _ in range(1, self.out_steps):
            x, state = self.lstm_cell(prediction, states=state, training=training)
            prediction = self.dense(x)
            predictions.append(prediction)
        return tf.stack(predictions, axis=1)


def build():
    model = FeedBack(UNITS, OUT_STEPS, FEATURES)
    model(tf.zeros([BATCH, STEPS, FEATURES]))
    return model, [tf.TensorSpec([BATCH, STEPS, FEATURES], tf.float32)]


# Ground truth. LSTM: kernel 3*24 = 72, recurrent 6*24 = 144, bias 24; Dense 6*3 + 3 = 21.
# One cell (the warm-up loop and the fed-back calls are the same cell); the Dense is the
# output layer whose prediction re-enters as the next input, not a recurrent weight.
EXPECTED = {
    "builder": "build",
    "mirrors": "tensorflow docs tutorials/structured_data/time_series.ipynb FeedBack",
    "total_params": 261,
    "variables": {
        "feed_back/rnn/lstm_cell/kernel": {"role": "input_to_hidden", "cell": "lstm",
                                           "layer": 0},
        "feed_back/rnn/lstm_cell/recurrent_kernel": {"role": "hidden_to_hidden",
                                                     "cell": "lstm", "layer": 0},
        "feed_back/rnn/lstm_cell/bias": {"role": "bias", "cell": "lstm", "layer": 0},
        "feed_back/dense/kernel": {"role": "hidden_to_output", "cell": None, "layer": None,
                                   "steps": []},
        "feed_back/dense/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 0,
    "findings": {},
}
