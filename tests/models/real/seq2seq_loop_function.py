"""Sequence-to-sequence forecaster whose decoder is fed its own predictions (TF1).

Follows TensorFlow 1.x `tf.contrib.legacy_seq2seq`: `rnn_decoder(decoder_inputs,
initial_state, cell, loop_function)` — from the second step on, each step's input is
`loop_function(previous output)` instead of the given decoder input — as used for time-series
forecasting (a stacked LSTM encoder over the history, its final state seeding a stacked LSTM
decoder, an output projection `w_out`, `b_out` applied to every decoder output and, in the
loop function, to the output that becomes the next input). Written after its structure
(contrib is gone from TF 2), tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1
B, F, H, LAYERS, T_ENC, T_DEC = 2, 2, 6, 2, 4, 3


def stacked_cell():
    return tf1.nn.rnn_cell.MultiRNNCell(
        [tf1.nn.rnn_cell.BasicLSTMCell(H) for _ in range(LAYERS)])


def rnn_decoder(decoder_inputs, initial_state, cell, loop_function=None, scope=None):
    """legacy_seq2seq.rnn_decoder: `loop_function(prev, i)` makes the next input."""
    with tf1.variable_scope(scope or "rnn_decoder"):
        state = initial_state
        outputs = []
        prev = None
        for i, inp in enumerate(decoder_inputs):
            if loop_function is not None and prev is not None:
                with tf1.variable_scope("loop_function", reuse=True):
                    inp = loop_function(prev, i)
            if i > 0:
                tf1.get_variable_scope().reuse_variables()
            output, state = cell(inp, state)
            outputs.append(output)
            if loop_function is not None:
                prev = output
    return outputs, state


def build():
    graph = tf.Graph()
    with graph.as_default():
        enc_inp = [tf1.placeholder(tf.float32, [B, F], name=f"enc_{t}") for t in range(T_ENC)]
        go = tf1.placeholder(tf.float32, [B, F], name="go")
        targets = tf1.placeholder(tf.float32, [B, T_DEC, F], name="targets")
        w_out = tf.Variable(tf1.random_normal([H, F]), name="w_out")
        b_out = tf.Variable(tf1.random_normal([F]), name="b_out")

        def project(output, _=None):
            return tf.matmul(output, w_out) + b_out

        _, enc_state = tf1.nn.static_rnn(stacked_cell(), enc_inp, dtype=tf.float32,
                                         scope="encoder")
        dec_inp = [go] + [tf.zeros_like(go)] * (T_DEC - 1)  # only the first is read
        dec_outputs, _ = rnn_decoder(dec_inp, enc_state, stacked_cell(),
                                     loop_function=project, scope="decoder")
        predictions = tf.stack([project(o) for o in dec_outputs], axis=1)
        loss = tf.reduce_mean(tf.square(predictions - targets))
        tf1.train.RMSPropOptimizer(0.01).minimize(loss)
    return graph


# Ground truth. Encoder layer 0 [F+H, 4H] = 8*24, layer 1 [H+H, 4H] = 12*24, biases 24 each;
# decoder the same; w_out 6*2, b_out 2. 4*24 + 2*(192 + 288) + 14 = 1070.
# The decoder's first rows multiply the prediction fed back (input rows); w_out is the output
# layer, in no cell, though its product is the next input. RMSProp: 2 slots per weight.
_E0 = "encoder/multi_rnn_cell/cell_0/basic_lstm_cell/"
_E1 = "encoder/multi_rnn_cell/cell_1/basic_lstm_cell/"
_D0 = "decoder/multi_rnn_cell/cell_0/basic_lstm_cell/"
_D1 = "decoder/multi_rnn_cell/cell_1/basic_lstm_cell/"
EXPECTED = {
    "builder": "build",
    "mirrors": "tensorflow 1.x contrib/legacy_seq2seq rnn_decoder(loop_function=...)",
    "total_params": 1070,
    "num_steps": 4,
    "variables": {
        _E0 + "kernel": {"role": "input_hidden_fused", "cell": "enc0", "layer": 0,
                         "steps": [0, 1, 2, 3]},
        _E0 + "bias": {"role": "bias", "cell": "enc0", "layer": 0, "steps": [0, 1, 2, 3]},
        _E1 + "kernel": {"role": "input_hidden_fused", "cell": "enc1", "layer": 1,
                         "steps": [0, 1, 2, 3]},
        _E1 + "bias": {"role": "bias", "cell": "enc1", "layer": 1, "steps": [0, 1, 2, 3]},
        _D0 + "kernel": {"role": "input_hidden_fused", "cell": "dec0", "steps": [0, 1, 2]},
        _D0 + "bias": {"role": "bias", "cell": "dec0", "steps": [0, 1, 2]},
        _D1 + "kernel": {"role": "input_hidden_fused", "cell": "dec1", "steps": [0, 1, 2]},
        _D1 + "bias": {"role": "bias", "cell": "dec1", "steps": [0, 1, 2]},
        "w_out": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "b_out": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 20,
    "findings": {},
}
