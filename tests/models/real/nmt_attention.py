"""An attention decoder that loops over the steps and calls a Keras GRU layer per step.

Follows the TensorFlow tutorial "Neural machine translation with attention" (2019-2020
version, tensorflow/docs `site/en/tutorials/text/nmt_with_attention.ipynb`): `Encoder`
(Embedding -> `GRU(return_sequences=True, return_state=True)` over the whole sentence),
`BahdanauAttention` (`W1` on the decoder hidden state, `W2` on the encoder outputs, `V` on
their tanh), `Decoder` (Embedding, concat of context and embedded token,
`output, state = self.gru(x)` -- called WITHOUT `initial_state`, as the tutorial does -- and
`Dense(vocab)`), and the teacher-forced loop `for t in range(1, targ.shape[1])` of its
`train_step`, here without the tape. Traced as a ConcreteFunction. Written after its
structure, tiny sizes.
"""

import keras
import tensorflow as tf

VOCAB_IN, VOCAB_OUT, EMBED, UNITS, ATT, B, T_IN, T_OUT = 16, 18, 4, 6, 5, 2, 5, 5
_alive = []


class Encoder(keras.Model):
    def __init__(self):
        super().__init__(name="encoder")
        self.embedding = keras.layers.Embedding(VOCAB_IN, EMBED, name="embedding")
        self.gru = keras.layers.GRU(UNITS, return_sequences=True, return_state=True,
                                    recurrent_initializer="glorot_uniform", name="gru")

    def call(self, x, hidden):
        output, state = self.gru(self.embedding(x), initial_state=hidden)
        return output, state


class BahdanauAttention(keras.layers.Layer):
    def __init__(self, units):
        super().__init__(name="attention")
        self.W1 = keras.layers.Dense(units, name="W1")
        self.W2 = keras.layers.Dense(units, name="W2")
        self.V = keras.layers.Dense(1, name="V")

    def call(self, query, values):
        query_with_time_axis = tf.expand_dims(query, 1)
        score = self.V(tf.nn.tanh(self.W1(query_with_time_axis) + self.W2(values)))
        attention_weights = tf.nn.softmax(score, axis=1)
        context_vector = tf.reduce_sum(attention_weights * values, axis=1)
        return context_vector, attention_weights


class Decoder(keras.Model):
    def __init__(self):
        super().__init__(name="decoder")
        self.embedding = keras.layers.Embedding(VOCAB_OUT, EMBED, name="embedding")
        self.gru = keras.layers.GRU(UNITS, return_sequences=True, return_state=True,
                                    recurrent_initializer="glorot_uniform", name="gru")
        self.fc = keras.layers.Dense(VOCAB_OUT, name="fc")
        self.attention = BahdanauAttention(ATT)

    def call(self, x, hidden, enc_output):
        context_vector, attention_weights = self.attention(hidden, enc_output)
        x = self.embedding(x)
        x = tf.concat([tf.expand_dims(context_vector, 1), x], axis=-1)
        output, state = self.gru(x)  # the tutorial passes no initial_state here
        output = tf.reshape(output, (-1, output.shape[2]))
        return self.fc(output), state, attention_weights


def build():
    encoder, decoder = Encoder(), Decoder()
    _alive.append((encoder, decoder))

    @tf.function
    def translate(inp, targ):
        enc_output, enc_hidden = encoder(inp, tf.zeros((B, UNITS)))
        dec_hidden = enc_hidden
        dec_input = tf.expand_dims(tf.ones([B], tf.int32), 1)  # <start>
        predictions = []
        for t in range(1, targ.shape[1]):
            logits, dec_hidden, _ = decoder(dec_input, dec_hidden, enc_output)
            predictions.append(logits)
            dec_input = tf.expand_dims(targ[:, t], 1)  # teacher forcing
        return tf.stack(predictions, axis=1)

    return translate.get_concrete_function(tf.TensorSpec([B, T_IN], tf.int32),
                                           tf.TensorSpec([B, T_OUT], tf.int32))


# Ground truth (T_OUT = 5: four decoder steps, t = 1..4 -> steps 0-3).
# Encoder: embedding 64; GRU(6) on 4 inputs (reset_after): 4*18 + 6*18 + 2*18 = 216.
# Decoder: embedding 72; W1 [6, 5] 30 + 5; W2 [6, 5] 30 + 5; V [5, 1] 5 + 1;
#   GRU on 6 + 4 = 10 inputs: 10*18 + 108 + 36 = 324; fc [6, 18] 108 + 18. Total 280 + 598.
# The decoder's recurrence runs through the attention: h_{t-1} -> W1 -> score -> context ->
# GRU input -> GRU state h_t. So all attention weights belong to the decoder cell and are
# read at every decoder step. W1 multiplies h_{t-1} (hidden_to_hidden); W2 multiplies the
# encoder outputs, which do not depend on the decoder state (input_to_hidden); V multiplies
# tanh of a mix of both: no role of the taxonomy fits (other), but it is placed (cell, steps).
# The decoder GRU is called per step on a one-step sequence with NO initial state: its
# recurrent kernel only ever multiplies the zero state (dead_weight). Its kernel multiplies the
# GRU layer's own input (context + embedded token): input_to_hidden.
# Per-step embedding lookups and the per-step fc: roles asserted, placement conventions not.
_D = "decoder/"
_STEPS = [0, 1, 2, 3]
EXPECTED = {
    "builder": "build",
    "mirrors": "tensorflow/docs nmt_with_attention (Bahdanau attention, GRU called per step)",
    "total_params": 878,
    "variables": {
        "encoder/embedding/embeddings": {"role": "embedding", "cell": None, "layer": None,
                                         "steps": []},
        "encoder/gru/gru_cell/kernel": {"role": "input_to_hidden", "cell": "enc", "layer": 0,
                                        "steps": "dynamic"},
        "encoder/gru/gru_cell/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "enc",
                                                  "layer": 0, "steps": "dynamic"},
        "encoder/gru/gru_cell/bias": {"role": "bias", "cell": "enc", "layer": 0,
                                      "steps": "dynamic"},
        _D + "embedding/embeddings": {"role": "embedding"},
        _D + "attention/W1/kernel": {"role": "hidden_to_hidden", "cell": "dec",
                                     "steps": _STEPS},
        _D + "attention/W1/bias": {"role": "bias", "cell": "dec", "steps": _STEPS},
        _D + "attention/W2/kernel": {"role": "input_to_hidden", "cell": "dec",
                                     "steps": _STEPS},
        _D + "attention/W2/bias": {"role": "bias", "cell": "dec", "steps": _STEPS},
        _D + "attention/V/kernel": {"role": "other", "cell": "dec", "steps": _STEPS},
        _D + "attention/V/bias": {"role": "bias", "cell": "dec", "steps": _STEPS},
        _D + "gru/gru_cell/kernel": {"role": "input_to_hidden", "cell": "dec",
                                     "steps": _STEPS},
        _D + "gru/gru_cell/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "dec",
                                               "steps": _STEPS},
        _D + "gru/gru_cell/bias": {"role": "bias", "cell": "dec", "steps": _STEPS},
        _D + "fc/kernel": {"role": "hidden_to_output", "cell": None, "layer": None},
        _D + "fc/bias": {"role": "bias", "cell": None, "layer": None},
    },
    "findings": {"dead_weight": [_D + "gru/gru_cell/recurrent_kernel"]},
}
