"""A sequence tagger: two stacked Bidirectional LSTMs, `TimeDistributed(Dense)` per token.

Follows the Keras NER / POS tagging tutorials (e.g. "Guide to sequence tagging with neural
networks" by Tobias Sterbak and the keras-contrib CoNLL examples without the CRF):
`Embedding(n_words, E)` -> `Bidirectional(LSTM(U, return_sequences=True))` twice ->
`TimeDistributed(Dense(n_tags, activation="softmax"))`. Functional model, Keras 3. Written
after its structure, tiny sizes.
"""

import keras

N_WORDS, MAXLEN, EMBED, UNITS, N_TAGS = 30, 5, 4, 3, 6


def build():
    words = keras.Input(shape=(MAXLEN,), dtype="int32", batch_size=2)
    x = keras.layers.Embedding(N_WORDS, EMBED, name="embedding")(words)
    x = keras.layers.Bidirectional(
        keras.layers.LSTM(UNITS, return_sequences=True, name="lstm_1"), name="bi_1")(x)
    x = keras.layers.Bidirectional(
        keras.layers.LSTM(UNITS, return_sequences=True, name="lstm_2"), name="bi_2")(x)
    tags = keras.layers.TimeDistributed(
        keras.layers.Dense(N_TAGS, activation="softmax", name="tag"), name="per_token")(x)
    return keras.Model(words, tags, name="tagger")


# Inner layers are named so the paths do not depend on how many unnamed layers the process made.
# Ground truth. Embedding 30*4 = 120. Layer 0 (input 4), per direction 4*12 + 3*12 + 12 = 96;
# layer 1 (input 2*3 = 6), per direction 6*12 + 36 + 12 = 120; Dense 6*6 + 6 = 42.
# 120 + 192 + 240 + 42 = 594. The Dense is applied to every step's output, after the
# recurrence (TimeDistributed folds the steps into the batch).
EXPECTED = {
    "builder": "build",
    "mirrors": "Keras sequence taggers: Embedding -> 2 x Bidirectional(LSTM(return_sequences)) "
               "-> TimeDistributed(Dense)",
    "total_params": 594,
    "num_steps": None,
    "variables": {
        "embedding/embeddings": {"role": "embedding", "cell": None, "layer": None,
                                 "steps": []},
        "bi_1/forward_lstm_1/lstm_cell/kernel": {
            "role": "input_to_hidden", "cell": "f0", "layer": 0, "direction": "forward",
            "steps": "dynamic"},
        "bi_1/forward_lstm_1/lstm_cell/recurrent_kernel": {
            "role": "hidden_to_hidden", "cell": "f0", "layer": 0, "direction": "forward",
            "steps": "dynamic"},
        "bi_1/forward_lstm_1/lstm_cell/bias": {
            "role": "bias", "cell": "f0", "layer": 0, "direction": "forward",
            "steps": "dynamic"},
        "bi_1/backward_lstm_1/lstm_cell/kernel": {
            "role": "input_to_hidden", "cell": "b0", "layer": 0, "direction": "backward",
            "steps": "dynamic"},
        "bi_1/backward_lstm_1/lstm_cell/recurrent_kernel": {
            "role": "hidden_to_hidden", "cell": "b0", "layer": 0, "direction": "backward",
            "steps": "dynamic"},
        "bi_1/backward_lstm_1/lstm_cell/bias": {
            "role": "bias", "cell": "b0", "layer": 0, "direction": "backward",
            "steps": "dynamic"},
        "bi_2/forward_lstm_2/lstm_cell/kernel": {
            "role": "input_to_hidden", "cell": "f1", "layer": 1, "direction": "forward",
            "steps": "dynamic"},
        "bi_2/forward_lstm_2/lstm_cell/recurrent_kernel": {
            "role": "hidden_to_hidden", "cell": "f1", "layer": 1, "direction": "forward",
            "steps": "dynamic"},
        "bi_2/forward_lstm_2/lstm_cell/bias": {
            "role": "bias", "cell": "f1", "layer": 1, "direction": "forward",
            "steps": "dynamic"},
        "bi_2/backward_lstm_2/lstm_cell/kernel": {
            "role": "input_to_hidden", "cell": "b1", "layer": 1, "direction": "backward",
            "steps": "dynamic"},
        "bi_2/backward_lstm_2/lstm_cell/recurrent_kernel": {
            "role": "hidden_to_hidden", "cell": "b1", "layer": 1, "direction": "backward",
            "steps": "dynamic"},
        "bi_2/backward_lstm_2/lstm_cell/bias": {
            "role": "bias", "cell": "b1", "layer": 1, "direction": "backward",
            "steps": "dynamic"},
        "per_token/tag/kernel": {"role": "hidden_to_output", "cell": None, "layer": None,
                                 "steps": []},
        "per_token/tag/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "findings": {},
}
