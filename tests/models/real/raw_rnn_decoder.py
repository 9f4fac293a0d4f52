"""A seq2seq whose decoder is `raw_rnn` with a `loop_fn` feeding back its own argmax.

Follows ematvey/tensorflow-seq2seq-tutorials `2-seq2seq-advanced.ipynb`: time-major id
placeholders, one `embeddings` matrix for both sides, an `LSTMCell` encoder run by
`dynamic_rnn(time_major=True)`, a decoder `LSTMCell` run by `tf.nn.raw_rnn(decoder_cell,
loop_fn)` where `loop_fn` starts from the encoder's final state with the EOS embedding and
then feeds `embedding_lookup(embeddings, argmax(output @ W + b))` as the next input; the
emitted outputs stacked, flattened, projected with the same `W`, `b`, softmax cross-entropy
against one-hot targets, `AdamOptimizer`. Written after its structure, tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1
vocab_size, input_embedding_size, hidden_units, batch_size = 6, 3, 4, 2
enc_len, dec_len, EOS = 4, 3, 1


def build():
    graph = tf.Graph()
    with graph.as_default():
        encoder_inputs = tf1.placeholder(tf.int32, [enc_len, batch_size], name="encoder_inputs")
        decoder_targets = tf1.placeholder(tf.int32, [dec_len, batch_size],
                                          name="decoder_targets")
        embeddings = tf.Variable(tf1.random_uniform([vocab_size, input_embedding_size], -1, 1),
                                 name="embeddings")
        encoder_inputs_embedded = tf1.nn.embedding_lookup(embeddings, encoder_inputs)
        encoder_cell = tf1.nn.rnn_cell.LSTMCell(hidden_units)
        _, encoder_final_state = tf1.nn.dynamic_rnn(
            encoder_cell, encoder_inputs_embedded, dtype=tf.float32, time_major=True,
            scope="encoder")

        decoder_cell = tf1.nn.rnn_cell.LSTMCell(hidden_units)
        W = tf.Variable(tf1.random_uniform([hidden_units, vocab_size], -1, 1), name="W")
        b = tf.Variable(tf.zeros([vocab_size]), name="b")
        eos_step_embedded = tf1.nn.embedding_lookup(embeddings, tf.fill([batch_size], EOS))
        pad_step_embedded = tf.zeros([batch_size, input_embedding_size])

        def loop_fn_initial():
            return (tf.zeros([batch_size], tf.bool), eos_step_embedded, encoder_final_state,
                    None, None)

        def loop_fn_transition(time, previous_output, previous_state, previous_loop_state):
            def get_next_input():
                output_logits = tf.add(tf.matmul(previous_output, W), b)
                prediction = tf.argmax(output_logits, axis=1)
                return tf1.nn.embedding_lookup(embeddings, prediction)

            elements_finished = time >= dec_len
            finished = tf.reduce_all(elements_finished)
            next_input = tf.cond(finished, lambda: pad_step_embedded, get_next_input)
            return elements_finished, next_input, previous_state, previous_output, None

        def loop_fn(time, previous_output, previous_state, previous_loop_state):
            if previous_state is None:
                return loop_fn_initial()
            return loop_fn_transition(time, previous_output, previous_state,
                                      previous_loop_state)

        decoder_outputs_ta, _, _ = tf1.nn.raw_rnn(decoder_cell, loop_fn, scope="decoder")
        decoder_outputs = decoder_outputs_ta.stack()
        decoder_outputs_flat = tf.reshape(decoder_outputs, [-1, hidden_units])
        decoder_logits_flat = tf.add(tf.matmul(decoder_outputs_flat, W), b)
        decoder_logits = tf.reshape(decoder_logits_flat, [-1, batch_size, vocab_size])
        tf.argmax(decoder_logits, 2, name="decoder_prediction")
        cross = tf1.nn.softmax_cross_entropy_with_logits_v2(
            labels=tf.one_hot(decoder_targets, depth=vocab_size, dtype=tf.float32),
            logits=decoder_logits[:dec_len])
        tf1.train.AdamOptimizer().minimize(tf.reduce_mean(cross))
    return graph


# Ground truth. embeddings 6*3 = 18; encoder kernel [3 + 4, 16] 112 + 16; decoder the same
# 128; W [4, 6] 24 + b 6 = 304. Two while loops: the encoder (layer 0) and the decoder,
# seeded with its final state. W is the output layer, read on every decoder output, and its
# argmax is looked up again as the next input: fed back, hidden→output. The decoder kernel's
# rows 0..2 multiply that embedded prediction. The decoder's layer is not asserted (seeded by
# the encoder). The embeddings are read before the encoder and inside the decoder loop
# (the prediction looked up): role asserted, placement conventions not (as nmt_attention).
# Adam: 2 slots x 7 + 2 powers = 16.
EXPECTED = {
    "builder": "build",
    "mirrors": "ematvey/tensorflow-seq2seq-tutorials 2-seq2seq-advanced (raw_rnn loop_fn, "
               "time_major dynamic_rnn encoder)",
    "total_params": 304,
    "num_steps": None,
    "variables": {
        "embeddings": {"role": "embedding"},
        "encoder/lstm_cell/kernel": {"role": "input_hidden_fused", "cell": "enc", "layer": 0,
                                     "steps": "dynamic"},
        "encoder/lstm_cell/bias": {"role": "bias", "cell": "enc", "layer": 0,
                                   "steps": "dynamic"},
        "decoder/lstm_cell/kernel": {"role": "input_hidden_fused", "cell": "dec",
                                     "steps": "dynamic"},
        "decoder/lstm_cell/bias": {"role": "bias", "cell": "dec", "steps": "dynamic"},
        "W": {"role": "hidden_to_output", "cell": None, "layer": None},
        "b": {"role": "bias", "cell": None, "layer": None},
    },
    "training_state_count": 16,
    "findings": {},
}
