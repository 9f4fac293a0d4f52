"""An encoder-decoder (keras examples/lstm_seq2seq.py's training model) with both LSTMs
unrolled: the decoder starts from the encoder's final state, so every decoder step also
depends on the encoder's last step. Each decoder step still reads its own input kernel."""

from __future__ import annotations

ENC_T, DEC_T, ENC_F, DEC_F, UNITS, B = 5, 4, 3, 4, 6, 2


def build():
    import keras
    import tensorflow as tf

    enc_in = keras.Input((ENC_T, ENC_F), batch_size=B, name="enc_in")
    dec_in = keras.Input((DEC_T, DEC_F), batch_size=B, name="dec_in")
    _, h, c = keras.layers.LSTM(UNITS, return_state=True, unroll=True, name="encoder")(enc_in)
    seq = keras.layers.LSTM(UNITS, return_sequences=True, unroll=True,
                            name="decoder")(dec_in, initial_state=[h, c])
    out = keras.layers.Dense(DEC_F, name="dense")(seq)
    model = keras.Model([enc_in, dec_in], out, name="seq2seq")
    return model, [tf.TensorSpec([B, ENC_T, ENC_F]), tf.TensorSpec([B, DEC_T, DEC_F])]
