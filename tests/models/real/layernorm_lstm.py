"""A layer-normalized LSTM cell by hand, with a gain and a shift per gate, under dynamic_rnn.

Follows R2RT's "Recurrent Neural Networks in Tensorflow III" (r2rt.com, 2016):
`LayerNormalizedLSTMCell(tf.nn.rnn_cell.RNNCell)` whose `__call__` computes one bias-free
`_linear([inputs, h], 4 * num_units)` (a `concat([x, h]) @ W`), splits it into i, j, f, o,
applies `ln(tensor, scope)` to each — `(t - mean) / sqrt(var + eps) * scale + shift` with
`scale` and `shift` made by `get_variable` under `scope + 'layer_norm'` — and to the new c
before the output tanh; an embedding, `dynamic_rnn`, a softmax over the flattened outputs,
`AdamOptimizer`. Written after its structure, tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1
batch_size, num_steps, num_classes, state_size = 2, 4, 6, 4


def ln(tensor, scope=None, epsilon=1e-5):
    m, v = tf.nn.moments(tensor, [1], keepdims=True)
    if not isinstance(scope, str):
        scope = ""
    with tf1.variable_scope(scope + "layer_norm"):
        scale = tf1.get_variable("scale", shape=[tensor.get_shape()[1]],
                                 initializer=tf1.constant_initializer(1))
        shift = tf1.get_variable("shift", shape=[tensor.get_shape()[1]],
                                 initializer=tf1.constant_initializer(0))
    ln_initial = (tensor - m) / tf.sqrt(v + epsilon)
    return ln_initial * scale + shift


class LayerNormalizedLSTMCell(tf1.nn.rnn_cell.RNNCell):
    def __init__(self, num_units, forget_bias=1.0):
        super().__init__()
        self._num_units = num_units
        self._forget_bias = forget_bias

    @property
    def state_size(self):
        return tf1.nn.rnn_cell.LSTMStateTuple(self._num_units, self._num_units)

    @property
    def output_size(self):
        return self._num_units

    def __call__(self, inputs, state, scope=None):
        with tf1.variable_scope(scope or type(self).__name__):
            c, h = state
            width = inputs.get_shape()[1] + self._num_units
            weights = tf1.get_variable("weights", [width, 4 * self._num_units])
            concat = tf.matmul(tf.concat([inputs, h], 1), weights)
            i, j, f, o = tf.split(concat, 4, 1)
            i, j = ln(i, scope="i/"), ln(j, scope="j/")
            f, o = ln(f, scope="f/"), ln(o, scope="o/")
            new_c = c * tf.sigmoid(f + self._forget_bias) + tf.sigmoid(i) * tf.tanh(j)
            new_h = tf.tanh(ln(new_c, scope="new_h/")) * tf.sigmoid(o)
            return new_h, tf1.nn.rnn_cell.LSTMStateTuple(new_c, new_h)


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.int32, [batch_size, num_steps], name="input_placeholder")
        y = tf1.placeholder(tf.int32, [batch_size, num_steps], name="labels_placeholder")
        embeddings = tf1.get_variable("embedding_matrix", [num_classes, state_size])
        rnn_inputs = tf1.nn.embedding_lookup(embeddings, x)
        cell = LayerNormalizedLSTMCell(state_size)
        rnn_outputs, _ = tf1.nn.dynamic_rnn(cell, rnn_inputs, dtype=tf.float32)
        with tf1.variable_scope("softmax"):
            W = tf1.get_variable("W", [state_size, num_classes])
            b = tf1.get_variable("b", [num_classes], initializer=tf1.constant_initializer(0.0))
        logits = tf.matmul(tf.reshape(rnn_outputs, [-1, state_size]), W) + b
        total_loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.reshape(y, [-1]), logits=logits))
        tf1.train.AdamOptimizer(1e-3).minimize(total_loss)
    return graph


# Ground truth. embedding 6*4 = 24; weights [4 + 4, 16] 128; five layer norms (i, j, f, o,
# new_h) of a gain and a shift of 4 each: 40; softmax 4*6 + 6 = 30. 222 in all. All of the
# cell's variables are on the recurrence of (c, h). The shifts are added (bias); a gain
# rescales a normalized value elementwise — it connects nothing, so `other`. Adam: 2 slots x
# 14 + 2 powers = 30.
_C = "rnn/LayerNormalizedLSTMCell/"
EXPECTED = {
    "builder": "build",
    "mirrors": "R2RT 'Recurrent Neural Networks in Tensorflow III' LayerNormalizedLSTMCell",
    "total_params": 222,
    "num_steps": None,
    "variables": {
        "embedding_matrix": {"role": "embedding", "cell": None, "layer": None, "steps": []},
        _C + "weights": {"role": "input_hidden_fused", "cell": "lstm", "layer": 0,
                         "steps": "dynamic"},
        _C + "i/layer_norm/scale": {"role": "other", "cell": "lstm", "layer": 0,
                                    "steps": "dynamic"},
        _C + "i/layer_norm/shift": {"role": "bias", "cell": "lstm", "layer": 0,
                                    "steps": "dynamic"},
        _C + "j/layer_norm/scale": {"role": "other", "cell": "lstm", "layer": 0,
                                    "steps": "dynamic"},
        _C + "j/layer_norm/shift": {"role": "bias", "cell": "lstm", "layer": 0,
                                    "steps": "dynamic"},
        _C + "f/layer_norm/scale": {"role": "other", "cell": "lstm", "layer": 0,
                                    "steps": "dynamic"},
        _C + "f/layer_norm/shift": {"role": "bias", "cell": "lstm", "layer": 0,
                                    "steps": "dynamic"},
        _C + "o/layer_norm/scale": {"role": "other", "cell": "lstm", "layer": 0,
                                    "steps": "dynamic"},
        _C + "o/layer_norm/shift": {"role": "bias", "cell": "lstm", "layer": 0,
                                    "steps": "dynamic"},
        _C + "new_h/layer_norm/scale": {"role": "other", "cell": "lstm", "layer": 0,
                                        "steps": "dynamic"},
        _C + "new_h/layer_norm/shift": {"role": "bias", "cell": "lstm", "layer": 0,
                                        "steps": "dynamic"},
        "softmax/W": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "softmax/b": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 30,
    "findings": {},
}
