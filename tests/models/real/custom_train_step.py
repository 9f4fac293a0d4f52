"""A TF2 custom training step: forward pass, tf.GradientTape and optimizer in one tf.function.

Follows keras.io "Writing a training loop from scratch" (TensorFlow backend, `@tf.function
def train_step(x, y)` with `tape.gradient` + `optimizer.apply_gradients`) applied to the
word-LM shape of the TF text-generation tutorial: Embedding -> LSTM(return_sequences) ->
Dense(vocab). Handed over as the ConcreteFunction of `train_step`. Written after its
structure, tiny sizes.
"""

import keras
import tensorflow as tf

VOCAB, EMBED, UNITS, T, B = 20, 6, 8, 5, 2
_alive = []  # the script keeps model and optimizer as globals; the function only captures them


def build():
    model = keras.Sequential([
        keras.Input((T,), batch_size=B, dtype="int32"),
        keras.layers.Embedding(VOCAB, EMBED, name="embedding"),
        keras.layers.LSTM(UNITS, return_sequences=True, name="lstm"),
        keras.layers.Dense(VOCAB, name="logits"),
    ], name="lm")
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    optimizer.build(model.trainable_variables)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = loss_fn(y, logits)
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights, strict=True))
        return loss

    _alive.append((model, optimizer))
    spec = tf.TensorSpec([B, T], tf.int32)
    return train_step.get_concrete_function(spec, spec)


# Ground truth. Embedding 120; LSTM 6*32 + 8*32 + 32 = 480; Dense 160 + 20. Adam: m and v
# for each of the 6 trainable variables, plus its iteration counter and learning rate = 14.
EXPECTED = {
    "builder": "build",
    "mirrors": "keras.io 'Writing a training loop from scratch' train_step (GradientTape + Adam)",
    "total_params": 780,
    "num_steps": None,
    "variables": {
        "lm/embedding/embeddings": {"role": "embedding", "cell": None, "layer": None,
                                    "steps": []},
        "lm/lstm/lstm_cell/kernel": {"role": "input_to_hidden", "cell": "lstm", "layer": 0,
                                     "steps": "dynamic"},
        "lm/lstm/lstm_cell/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "lstm",
                                               "layer": 0, "steps": "dynamic"},
        "lm/lstm/lstm_cell/bias": {"role": "bias", "cell": "lstm", "layer": 0,
                                   "steps": "dynamic"},
        "lm/logits/kernel": {"role": "hidden_to_output", "cell": None, "layer": None,
                             "steps": []},
        "lm/logits/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
        # The 14 Adam variables are not listed by name: Keras names the optimizer `adam`,
        # `adam_1`, ... by how many were made before in the process, so only their count and
        # role are ground truth.
    },
    "training_state_count": 14,
    "findings": {},
}
