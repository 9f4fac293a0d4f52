"""Character-level seq2seq with separate training and inference models sharing layers.

Follows keras-team/keras `examples/lstm_seq2seq.py` (keras-io `examples/nlp/lstm_seq2seq.py`):
an encoder `LSTM(latent, return_state=True)` whose `[h, c]` seed a decoder `LSTM(latent,
return_sequences=True, return_state=True)` + `Dense(softmax)` trained with teacher forcing;
then `encoder_model` and `decoder_model` built from the SAME layers, and `decode_sequence`
feeding the decoder one step at a time with its own sampled tokens. Here the script's two
uses run in one tf.function (training forward + greedy decoding of DEC_T steps), handed over
as a ConcreteFunction. Written after its structure, tiny sizes.
"""

import keras
import tensorflow as tf

ENC_T, DEC_T, ENC_TOKENS, DEC_TOKENS, LATENT, B = 5, 4, 10, 12, 8, 2
_alive = []


def build():
    encoder_inputs = keras.Input(shape=(None, ENC_TOKENS), name="encoder_inputs")
    encoder = keras.layers.LSTM(LATENT, return_state=True, name="encoder")
    _, state_h, state_c = encoder(encoder_inputs)
    encoder_states = [state_h, state_c]
    decoder_inputs = keras.Input(shape=(None, DEC_TOKENS), name="decoder_inputs")
    decoder_lstm = keras.layers.LSTM(LATENT, return_sequences=True, return_state=True,
                                     name="decoder")
    decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=encoder_states)
    decoder_dense = keras.layers.Dense(DEC_TOKENS, activation="softmax", name="dense")
    model = keras.Model([encoder_inputs, decoder_inputs], decoder_dense(decoder_outputs),
                        name="training")

    encoder_model = keras.Model(encoder_inputs, encoder_states, name="encoder_model")
    state_input_h = keras.Input(shape=(LATENT,), name="state_h")
    state_input_c = keras.Input(shape=(LATENT,), name="state_c")
    outputs, h, c = decoder_lstm(decoder_inputs, initial_state=[state_input_h, state_input_c])
    decoder_model = keras.Model([decoder_inputs, state_input_h, state_input_c],
                                [decoder_dense(outputs), h, c], name="decoder_model")
    _alive.append((model, encoder_model, decoder_model))

    @tf.function
    def program(encoder_input_data, decoder_input_data):
        trained = model([encoder_input_data, decoder_input_data])  # model.fit's forward pass
        states = encoder_model(encoder_input_data)  # decode_sequence
        target_seq = tf.one_hot(tf.zeros([B, 1], tf.int32), DEC_TOKENS)
        decoded = []
        for _ in range(DEC_T):
            output_tokens, h, c = decoder_model([target_seq, *states])
            sampled = tf.argmax(output_tokens[:, -1, :], axis=-1, output_type=tf.int32)
            decoded.append(sampled)
            target_seq = tf.one_hot(sampled[:, None], DEC_TOKENS)
            states = [h, c]
        return trained, tf.stack(decoded, axis=1)

    return program.get_concrete_function(
        tf.TensorSpec([B, ENC_T, ENC_TOKENS], tf.float32),
        tf.TensorSpec([B, DEC_T, DEC_TOKENS], tf.float32))


# Ground truth. Encoder 10*32 + 8*32 + 32 = 608; decoder 12*32 + 256 + 32 = 672; Dense 96 + 12.
# Two copies share every weight, with no data path between them: the teacher-forced training
# pass (both LSTMs while loops) and greedy inference (the decoder layer called DEC_T times on
# one-step sequences, each call a while loop of one iteration; its steps are the outer calls).
# Which copy is primary when neither trains is left open, so steps are not asserted here; nor
# is the decoder's layer (it is seeded by the encoder's state, not stacked on its outputs).
EXPECTED = {
    "builder": "build",
    "mirrors": "keras examples/lstm_seq2seq.py: training model + encoder_model/decoder_model",
    "total_params": 1388,
    "variables": {
        "encoder/lstm_cell/kernel": {"role": "input_to_hidden", "cell": "enc", "layer": 0},
        "encoder/lstm_cell/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "enc",
                                               "layer": 0},
        "encoder/lstm_cell/bias": {"role": "bias", "cell": "enc", "layer": 0},
        "decoder/lstm_cell/kernel": {"role": "input_to_hidden", "cell": "dec"},
        "decoder/lstm_cell/recurrent_kernel": {"role": "hidden_to_hidden", "cell": "dec"},
        "decoder/lstm_cell/bias": {"role": "bias", "cell": "dec"},
        "dense/kernel": {"role": "hidden_to_output", "cell": None, "layer": None},
        "dense/bias": {"role": "bias", "cell": None, "layer": None},
    },
    "copies": [
        {"num_steps": None, "batch_size": 2, "training": False},  # teacher forcing (loops)
        {"num_steps": 4, "batch_size": 2, "training": False},  # greedy decoding, 4 calls
    ],
    "findings": {},  # in particular NOT shared_across_layers: copies are not layers
}
