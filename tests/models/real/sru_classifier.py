"""SRU: one input matmul per step, an elementwise recurrence, no matrix on the state.

Follows the TF1 `tf.contrib.rnn.SRUCell` (Lei et al. 2017, "Simple Recurrent Units"): a
`kernel` [input_depth, 4 * units] multiplies the input only, split into x_bar, f, r, x_tx;
a `bias` [2 * units] is added to f and r before the sigmoid; `c = f * c_prev + (1 - f) *
x_bar`, `h = r * tanh(c) + (1 - r) * x_tx`. Two layers in a `MultiRNNCell` under
`dynamic_rnn`, a dense classifier on the last output, `AdamOptimizer`. Written after its
structure (contrib is gone from TF 2), tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1
B, T, F, H, C = 2, 5, 4, 4, 3


class SRUCell(tf1.nn.rnn_cell.RNNCell):
    def __init__(self, num_units, name):
        super().__init__(name=name)
        self._num_units = num_units

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        self._kernel = self.add_weight("kernel", [inputs_shape[-1], 4 * self._num_units])
        self._bias = self.add_weight("bias", [2 * self._num_units],
                                     initializer=tf1.zeros_initializer())
        self.built = True

    def call(self, inputs, state):
        U = tf.matmul(inputs, self._kernel)
        x_bar, f_intermediate, r_intermediate, x_tx = tf.split(U, 4, axis=1)
        f_r = tf.sigmoid(tf.nn.bias_add(tf.concat([f_intermediate, r_intermediate], 1),
                                        self._bias))
        f, r = tf.split(f_r, 2, axis=1)
        c = f * state + (1.0 - f) * x_bar
        h = r * tf.tanh(c) + (1.0 - r) * x_tx
        return h, c


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [B, T, F], name="x")
        y = tf1.placeholder(tf.int32, [B], name="y")
        cell = tf1.nn.rnn_cell.MultiRNNCell([SRUCell(H, "sru_0"), SRUCell(H, "sru_1")])
        outputs, _ = tf1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        logits = tf1.layers.dense(outputs[:, -1], C, name="logits")
        loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                              logits=logits))
        tf1.train.AdamOptimizer(1e-3).minimize(loss)
    return graph


# Ground truth. Each layer: kernel [4, 16] 64 + bias 8 = 72, 144; logits 4*3 + 3 = 15. 159 in
# all. Each layer's c is carried from step to step (its recurrence), but no weight
# multiplies c_prev or h_prev: the kernel multiplies the layer's input only
# (input→hidden), read in the loop body of its own layer. Layer 1 reads layer 0's h. Adam:
# 2 slots per variable (12) and the beta powers (2).
_L0 = "rnn/multi_rnn_cell/cell_0/sru_0/"
_L1 = "rnn/multi_rnn_cell/cell_1/sru_1/"
EXPECTED = {
    "builder": "build",
    "mirrors": "tf.contrib.rnn.SRUCell x2 in MultiRNNCell under dynamic_rnn",
    "total_params": 159,
    "num_steps": None,
    "variables": {
        _L0 + "kernel": {"role": "input_to_hidden", "cell": "l0", "layer": 0,
                         "steps": "dynamic"},
        _L0 + "bias": {"role": "bias", "cell": "l0", "layer": 0, "steps": "dynamic"},
        _L1 + "kernel": {"role": "input_to_hidden", "cell": "l1", "layer": 1,
                         "steps": "dynamic"},
        _L1 + "bias": {"role": "bias", "cell": "l1", "layer": 1, "steps": "dynamic"},
        "logits/kernel": {"role": "hidden_to_output", "cell": None, "layer": None,
                          "steps": []},
        "logits/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 14,
    "findings": {},
}
