"""A BiLSTM-CRF tagger with a char-level BiLSTM over reshaped words.

Follows guillaumegenthial/sequence_tagging (`model/ner_model.py`, TF1, 2017): word ids and
char ids [batch, words, chars]; char embeddings reshaped to [batch * words, chars, d_char],
`bidirectional_dynamic_rnn(LSTMCell, LSTMCell, sequence_length=word_lengths)` whose final
h of both directions (`output_fw[1]`, `output_bw[1]`) are concatenated and reshaped back to
[batch, words, 2 * hc]; concatenated with the word embeddings; a word-level
`bidirectional_dynamic_rnn(LSTMCell, LSTMCell, sequence_length)`; a projection `W`, `b`
per word; `tf.contrib.crf.crf_log_likelihood` (its `transitions` variable, the unary and
binary scores, the log-normaliser run by `dynamic_rnn` over a `CrfForwardRnnCell`),
`AdamOptimizer`. The CRF is written after contrib's structure (contrib is gone from TF 2).
Tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1
B, NW, NC, V, VC, DW, DC, HC, HW, TAGS = 2, 4, 5, 20, 12, 6, 3, 2, 5, 4


class CrfForwardRnnCell(tf1.nn.rnn_cell.RNNCell):
    """contrib.crf: alphas_t = logsumexp(alphas_{t-1}[:, :, None] + transitions) + unary_t."""

    def __init__(self, transition_params):
        super().__init__()
        self._transition_params = tf.expand_dims(transition_params, 0)
        self._num_tags = transition_params.shape[0]

    @property
    def state_size(self):
        return self._num_tags

    @property
    def output_size(self):
        return self._num_tags

    def __call__(self, inputs, state, scope=None):
        state = tf.expand_dims(state, 2)
        transition_scores = state + self._transition_params
        new_alphas = inputs + tf.reduce_logsumexp(transition_scores, [1])
        return new_alphas, new_alphas


def crf_log_likelihood(inputs, tag_indices, sequence_lengths):
    transition_params = tf1.get_variable("transitions", [TAGS, TAGS])
    # sequence score: unary scores gathered at the tags + binary scores of tag pairs
    flat = tf.reshape(inputs, [-1])
    offsets = tf.expand_dims(tf.range(B) * NW * TAGS, 1) + tf.expand_dims(tf.range(NW) * TAGS, 0)
    unary = tf.reduce_sum(tf.reshape(tf.gather(flat, tf.reshape(offsets + tag_indices, [-1])),
                                     [B, NW]), 1)
    start, end = tag_indices[:, :-1], tag_indices[:, 1:]
    binary = tf.reduce_sum(tf.gather(tf.reshape(transition_params, [-1]),
                                     start * TAGS + end), 1)
    # log-normaliser: the forward algorithm over the words
    first = tf.squeeze(tf.slice(inputs, [0, 0, 0], [-1, 1, -1]), [1])
    rest = tf.slice(inputs, [0, 1, 0], [-1, -1, -1])
    _, alphas = tf1.nn.dynamic_rnn(CrfForwardRnnCell(transition_params), rest,
                                   sequence_length=tf.maximum(sequence_lengths - 1, 0),
                                   initial_state=first, dtype=tf.float32)
    log_norm = tf.reduce_logsumexp(alphas, [1])
    return unary + binary - log_norm


def build():
    graph = tf.Graph()
    with graph.as_default():
        word_ids = tf1.placeholder(tf.int32, [B, NW], name="word_ids")
        sequence_lengths = tf1.placeholder(tf.int32, [B], name="sequence_lengths")
        char_ids = tf1.placeholder(tf.int32, [B, NW, NC], name="char_ids")
        word_lengths = tf1.placeholder(tf.int32, [B, NW], name="word_lengths")
        labels = tf1.placeholder(tf.int32, [B, NW], name="labels")
        with tf1.variable_scope("words"):
            _word_embeddings = tf1.get_variable("_word_embeddings", [V, DW])
            word_embeddings = tf1.nn.embedding_lookup(_word_embeddings, word_ids)
        with tf1.variable_scope("chars"):
            _char_embeddings = tf1.get_variable("_char_embeddings", [VC, DC])
            char_embeddings = tf1.nn.embedding_lookup(_char_embeddings, char_ids)
            char_embeddings = tf.reshape(char_embeddings, [B * NW, NC, DC])
            cell_fw = tf1.nn.rnn_cell.LSTMCell(HC, state_is_tuple=True)
            cell_bw = tf1.nn.rnn_cell.LSTMCell(HC, state_is_tuple=True)
            _, ((_, output_fw), (_, output_bw)) = tf1.nn.bidirectional_dynamic_rnn(
                cell_fw, cell_bw, char_embeddings, sequence_length=tf.reshape(word_lengths, [-1]),
                dtype=tf.float32)
            output = tf.reshape(tf.concat([output_fw, output_bw], axis=-1), [B, NW, 2 * HC])
            word_embeddings = tf.concat([word_embeddings, output], axis=-1)
        with tf1.variable_scope("bi-lstm"):
            cell_fw = tf1.nn.rnn_cell.LSTMCell(HW)
            cell_bw = tf1.nn.rnn_cell.LSTMCell(HW)
            (output_fw, output_bw), _ = tf1.nn.bidirectional_dynamic_rnn(
                cell_fw, cell_bw, word_embeddings, sequence_length=sequence_lengths,
                dtype=tf.float32)
            output = tf.concat([output_fw, output_bw], axis=-1)
        with tf1.variable_scope("proj"):
            W = tf1.get_variable("W", [2 * HW, TAGS])
            b = tf1.get_variable("b", [TAGS], initializer=tf1.zeros_initializer())
            pred = tf.matmul(tf.reshape(output, [-1, 2 * HW]), W) + b
            logits = tf.reshape(pred, [B, NW, TAGS])
        log_likelihood = crf_log_likelihood(logits, labels, sequence_lengths)
        loss = tf.reduce_mean(-log_likelihood)
        tf1.train.AdamOptimizer(1e-3).minimize(loss)
    return graph


# Ground truth. word embeddings 20*6 = 120; char embeddings 12*3 = 36; each char LSTM
# direction: kernel [3 + 2, 8] 40 + bias 8 = 48, 96; each word LSTM direction: input is
# 6 + 2*2 = 10, kernel [10 + 5, 20] 300 + bias 20 = 320, 640; proj W [10, 4] 40 + b 4;
# transitions 16. 952 in all. The char BiLSTM runs over the words' characters (layer 0);
# the word BiLSTM reads its final states (layer 1); proj reads the word BiLSTM outputs
# (its role is not asserted: it feeds the CRF's loop). The CRF's log-normaliser is a loop
# whose carried scores alphas_t are made from alphas_{t-1} + transitions: a recurrence with
# a weight on it, a cell by DESIGN §3's definition (layer 2, above the word BiLSTM). Its
# transitions are pairwise tag scores, added (not multiplied) to the carried scores and
# also gathered by tag pairs: no role of the taxonomy is decided by the program (not
# asserted). Adam: 2 slots per variable (26) and the beta powers (2).
_CF = "chars/bidirectional_rnn/fw/lstm_cell/"
_CB = "chars/bidirectional_rnn/bw/lstm_cell/"
_WF = "bi-lstm/bidirectional_rnn/fw/lstm_cell/"
_WB = "bi-lstm/bidirectional_rnn/bw/lstm_cell/"
EXPECTED = {
    "builder": "build",
    "mirrors": "guillaumegenthial/sequence_tagging: char BiLSTM + word BiLSTM + CRF",
    "total_params": 952,
    "num_steps": None,
    "variables": {
        "words/_word_embeddings": {"role": "embedding", "cell": None, "layer": None,
                                   "steps": []},
        "chars/_char_embeddings": {"role": "embedding", "cell": None, "layer": None,
                                   "steps": []},
        _CF + "kernel": {"role": "input_hidden_fused", "cell": "cf", "layer": 0,
                         "direction": "forward", "steps": "dynamic",
                         "row_split": {"input": [0, 3], "hidden": [3, 5]}},
        _CF + "bias": {"role": "bias", "cell": "cf", "layer": 0, "direction": "forward",
                       "steps": "dynamic"},
        _CB + "kernel": {"role": "input_hidden_fused", "cell": "cb", "layer": 0,
                         "direction": "backward", "steps": "dynamic",
                         "row_split": {"input": [0, 3], "hidden": [3, 5]}},
        _CB + "bias": {"role": "bias", "cell": "cb", "layer": 0, "direction": "backward",
                       "steps": "dynamic"},
        _WF + "kernel": {"role": "input_hidden_fused", "cell": "wf", "layer": 1,
                         "direction": "forward", "steps": "dynamic",
                         "row_split": {"input": [0, 10], "hidden": [10, 15]}},
        _WF + "bias": {"role": "bias", "cell": "wf", "layer": 1, "direction": "forward",
                       "steps": "dynamic"},
        _WB + "kernel": {"role": "input_hidden_fused", "cell": "wb", "layer": 1,
                         "direction": "backward", "steps": "dynamic",
                         "row_split": {"input": [0, 10], "hidden": [10, 15]}},
        _WB + "bias": {"role": "bias", "cell": "wb", "layer": 1, "direction": "backward",
                       "steps": "dynamic"},
        "proj/W": {"cell": None, "layer": None, "steps": []},
        "proj/b": {"role": "bias", "cell": None, "layer": None, "steps": []},
        "transitions": {"cell": "crf", "layer": 2, "steps": "dynamic"},
    },
    "cells": 5,
    "layers": 3,
    "training_state_count": 28,
    "findings": {},
}
