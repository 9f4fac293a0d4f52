"""TF1-style user models (tf.compat.v1): rnninspect builds these in its TF1 worker process."""

import tensorflow as tf

tf1 = tf.compat.v1
T, F, H, V = 4, 3, 5, 7


def scoped_graph():
    """variable_scope + BasicLSTMCell + static_rnn, then a softmax layer (the seed's shape)."""
    graph = tf.Graph()
    with graph.as_default(), tf1.variable_scope("lm"):
        ids = tf1.placeholder(tf.int32, [2, T], name="ids")
        embedding = tf1.get_variable("embedding", [V, H])
        x = tf1.nn.embedding_lookup(embedding, ids)
        cell = tf1.nn.rnn_cell.BasicLSTMCell(H)
        outputs, _ = tf1.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
        softmax_w = tf1.get_variable("softmax_w", [H, V])
        tf.matmul(outputs[-1], softmax_w, name="logits")
        tf1.global_variables_initializer()  # an initializer: not an output
    return graph


def plain_graph():
    """No variable_scope: tf.Variable weights around a dynamic_rnn (a while loop)."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [2, T, F], name="x")
        w_in = tf.Variable(tf1.random_normal([F, H]), name="w_in")
        projected = tf.reshape(tf.matmul(tf.reshape(x, [-1, F]), w_in), [2, T, H])
        outputs, _ = tf1.nn.dynamic_rnn(tf1.nn.rnn_cell.GRUCell(H), projected,
                                        dtype=tf.float32)
        w_out = tf.Variable(tf1.random_normal([H, 2]), name="w_out")
        tf.matmul(outputs[:, -1], w_out, name="out")
    return graph


def tf_keras_model():
    """tf.keras here is tf-keras (Keras 2): the worker sets TF_USE_LEGACY_KERAS=1."""
    import tf_keras

    x = tf_keras.Input((T, F), batch_size=2, name="x")
    h = tf_keras.layers.LSTM(H, unroll=True, name="lstm")(x)
    return tf_keras.Model(x, tf_keras.layers.Dense(2, name="head")(h), name="tf_keras_model")
