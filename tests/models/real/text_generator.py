"""A subclassed character-level text generator: Embedding -> GRU(return_state) -> Dense.

Follows the TensorFlow tutorial "Text generation with an RNN" (tensorflow/docs
`site/en/tutorials/text/text_generation.ipynb`, class `MyModel`): `call(inputs, states=None,
return_state=False)` embeds the ids, takes `self.gru.get_initial_state` when no state is
given, runs `GRU(return_sequences=True, return_state=True)` and a `Dense(vocab_size)` on every
step. Keras 3, handed over with its input signature. Written after its structure, tiny sizes.
"""

import keras
import tensorflow as tf

VOCAB, EMBED, UNITS, T = 24, 6, 8, 5


class MyModel(keras.Model):
    def __init__(self, vocab_size, embedding_dim, rnn_units):
        super().__init__(name="my_model")
        self.embedding = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding")
        self.gru = keras.layers.GRU(rnn_units, return_sequences=True, return_state=True,
                                    name="gru")
        self.dense = keras.layers.Dense(vocab_size, name="dense")

    def call(self, inputs, states=None, return_state=False, training=False):
        x = self.embedding(inputs, training=training)
        if states is None:
            states = self.gru.get_initial_state(tf.shape(x)[0])
        x, states = self.gru(x, initial_state=states, training=training)
        x = self.dense(x, training=training)
        if return_state:
            return x, states
        return x


def build():
    model = MyModel(VOCAB, EMBED, UNITS)
    model(tf.zeros([2, T], tf.int32))
    return model, [tf.TensorSpec([2, T], tf.int32)]


# Ground truth. Embedding 24*6 = 144; GRU (reset_after): 6*24 + 8*24 + 2*24 = 384;
# Dense 8*24 + 24 = 216. The initial state is zeros, but the GRU runs T steps, so its
# recurrent kernel multiplies real states from step 1 on: not dead.
EXPECTED = {
    "builder": "build",
    "mirrors": "tensorflow/docs tutorials/text/text_generation MyModel (subclassed)",
    "total_params": 744,
    "num_steps": None,
    "variables": {
        "my_model/embedding/embeddings": {"role": "embedding", "cell": None, "layer": None,
                                          "steps": []},
        "my_model/gru/gru_cell/kernel": {"role": "input_to_hidden", "cell": "gru", "layer": 0,
                                         "steps": "dynamic"},
        "my_model/gru/gru_cell/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "gru",
                                                   "layer": 0, "steps": "dynamic"},
        "my_model/gru/gru_cell/bias": {"role": "bias", "cell": "gru", "layer": 0,
                                       "steps": "dynamic"},
        "my_model/dense/kernel": {"role": "hidden_to_output", "cell": None, "layer": None,
                                  "steps": []},
        "my_model/dense/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "links": [["input", "my_model/embedding/embeddings"],
              ["my_model/embedding/embeddings", "gru"], ["gru", "my_model/dense/kernel"],
              ["my_model/dense/kernel", "my_model/dense/bias"], ["my_model/dense/bias", "output"]],
    "findings": {},
}
