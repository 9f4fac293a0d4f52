"""Image captioning: the LSTM is run once on the image embedding, then over the words.

Follows tensorflow/models `research/im2txt/im2txt/show_and_tell_model.py` (`build_model`):
an image embedding (a linear map of the image features), a word embedding `map`, one
`BasicLSTMCell` called once on the image embedding from the zero state, then
`reuse_variables()` and `dynamic_rnn` over the word embeddings from that state, a logits
layer and a cross-entropy loss. Written after its structure, tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1
B, T, V, E, H, F = 2, 4, 20, 6, 6, 10


def build():
    graph = tf.Graph()
    with graph.as_default():
        images = tf1.placeholder(tf.float32, [B, F], name="images")
        seqs = tf1.placeholder(tf.int32, [B, T], name="input_seqs")
        targets = tf1.placeholder(tf.int32, [B, T], name="target_seqs")
        with tf1.variable_scope("image_embedding"):
            image_embeddings = tf1.layers.dense(images, E)
        embedding_map = tf1.get_variable("seq_embedding/map", [V, E])
        seq_embeddings = tf1.nn.embedding_lookup(embedding_map, seqs)
        cell = tf1.nn.rnn_cell.BasicLSTMCell(H)
        with tf1.variable_scope("lstm") as lstm_scope:
            zero_state = cell.zero_state(B, tf.float32)
            _, initial_state = cell(image_embeddings, zero_state)
            lstm_scope.reuse_variables()
            outputs, _ = tf1.nn.dynamic_rnn(cell, seq_embeddings,
                                            initial_state=initial_state, scope=lstm_scope)
        with tf1.variable_scope("logits"):
            logits = tf1.layers.dense(tf.reshape(outputs, [-1, H]), V)
        loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.reshape(targets, [-1]), logits=logits))
        tf1.train.GradientDescentOptimizer(0.1).minimize(loss)
    return graph


# Ground truth. image 10*6 + 6 = 66; map 20*6 = 120; LSTM [6+6, 24] 288 + 24; logits 6*20 + 20.
# The image step shares the word LSTM's input rows, so the image projection is NOT redundant.
EXPECTED = {
    "builder": "build",
    "mirrors": "tensorflow/models research/im2txt show_and_tell_model.py build_model()",
    "total_params": 638,
    "variables": {
        "image_embedding/dense/kernel": {"role": "input_to_hidden", "cell": None,
                                         "layer": None, "steps": []},
        "image_embedding/dense/bias": {"role": "bias", "cell": None, "layer": None},
        "seq_embedding/map": {"role": "embedding", "cell": None, "layer": None, "steps": []},
        "lstm/basic_lstm_cell/kernel": {"role": "input_hidden_fused", "cell": "lstm",
                                        "layer": 0, "steps": "dynamic"},
        "lstm/basic_lstm_cell/bias": {"role": "bias", "cell": "lstm", "layer": 0,
                                      "steps": "dynamic"},
        "logits/dense/kernel": {"role": "hidden_to_output", "cell": None, "layer": None,
                                "steps": []},
        "logits/dense/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 0,
    "findings": {},
}
