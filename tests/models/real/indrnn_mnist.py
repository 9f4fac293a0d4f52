"""IndRNN: a recurrent weight that is a vector, multiplying the state elementwise.

Follows batzner/indrnn (`ind_rnn_cell.py` and `examples/sequential_mnist.py`, TF1):
`IndRNNCell(LayerRNNCell)` builds `input_kernel` [input_depth, units] and
`recurrent_kernel` [units] (a vector) and `bias`; its call is `relu(bias_add(matmul(inputs,
input_kernel) + state * recurrent_kernel, bias))`. Two cells in a `MultiRNNCell`,
`dynamic_rnn`, a dense layer on the last output, softmax cross-entropy, `AdamOptimizer`.
Written after its structure, tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1
B, T, F, H, C = 2, 6, 3, 4, 5


class IndRNNCell(tf1.nn.rnn_cell.RNNCell):
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
        depth = inputs_shape[-1]
        self._input_kernel = self.add_weight("input_kernel", [depth, self._num_units])
        self._recurrent_kernel = self.add_weight(
            "recurrent_kernel", [self._num_units],
            initializer=tf1.random_uniform_initializer(0.0, 1.0))
        self._bias = self.add_weight("bias", [self._num_units],
                                     initializer=tf1.zeros_initializer())
        self.built = True

    def call(self, inputs, state):
        gate_inputs = tf.matmul(inputs, self._input_kernel)
        recurrent_update = tf.multiply(state, self._recurrent_kernel)
        gate_inputs = tf.nn.bias_add(tf.add(gate_inputs, recurrent_update), self._bias)
        output = tf.nn.relu(gate_inputs)
        return output, output


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [B, T, F], name="x")
        y = tf1.placeholder(tf.int32, [B], name="y")
        cell = tf1.nn.rnn_cell.MultiRNNCell([IndRNNCell(H, "ind_rnn_0"),
                                             IndRNNCell(H, "ind_rnn_1")])
        outputs, _ = tf1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        logits = tf1.layers.dense(outputs[:, -1], C, name="softmax")
        loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                              logits=logits))
        tf1.train.AdamOptimizer(2e-4).minimize(loss)
    return graph


# Ground truth. Layer 0: input_kernel [3, 4] 12, recurrent_kernel [4] 4, bias 4 = 20; layer
# 1: [4, 4] 16 + 4 + 4 = 24; softmax 4*5 + 5 = 25. 69 in all. The recurrent kernel
# multiplies the previous state h_{t-1} (hidden→hidden, a vector: one weight per unit); the
# input kernel multiplies the layer's input only. Adam: 2 slots per variable (16) and the
# beta powers (2).
_L0 = "rnn/multi_rnn_cell/cell_0/ind_rnn_0/"
_L1 = "rnn/multi_rnn_cell/cell_1/ind_rnn_1/"
EXPECTED = {
    "builder": "build",
    "mirrors": "batzner/indrnn IndRNNCell x2 in MultiRNNCell under dynamic_rnn",
    "total_params": 69,
    "num_steps": None,
    "variables": {
        _L0 + "input_kernel": {"role": "input_to_hidden", "cell": "l0", "layer": 0,
                               "steps": "dynamic"},
        _L0 + "recurrent_kernel": {"role": "hidden_to_hidden", "cell": "l0", "layer": 0,
                                   "steps": "dynamic"},
        _L0 + "bias": {"role": "bias", "cell": "l0", "layer": 0, "steps": "dynamic"},
        _L1 + "input_kernel": {"role": "input_to_hidden", "cell": "l1", "layer": 1,
                               "steps": "dynamic"},
        _L1 + "recurrent_kernel": {"role": "hidden_to_hidden", "cell": "l1", "layer": 1,
                                   "steps": "dynamic"},
        _L1 + "bias": {"role": "bias", "cell": "l1", "layer": 1, "steps": "dynamic"},
        "softmax/kernel": {"role": "hidden_to_output", "cell": None, "layer": None,
                           "steps": []},
        "softmax/bias": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 18,
    "findings": {},
}
