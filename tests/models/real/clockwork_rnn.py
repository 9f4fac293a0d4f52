"""A Clockwork RNN: a block-triangular masked recurrent matrix, modules updated by period.

Follows tomrunia/ClockworkRNN (`models/clockwork_rnn.py`, TF1): `input_W` [F, H],
`input_b`, `clockwork_W` [H, H] multiplied by a constant block upper-triangular
`clockwork_mask` (`tf.multiply`), `output_W`, `output_b`; a Python loop over the steps
where, at step t, the modules whose period divides t are active (`group_index`): the step
multiplies x_t and the state by the leading `group_index` column blocks of `input_W` and the
masked `clockwork_W`, adds the sliced bias, applies tanh and concatenates the inactive
modules' old state; the last state goes through the output layer; MSE, `AdamOptimizer`.
Written after its structure, tiny sizes.
"""

import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
B, T, F, OUT = 2, 6, 3, 2
periods, group = [1, 2, 4], 2
H = group * len(periods)


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [B, T, F], name="inputs")
        y = tf1.placeholder(tf.float32, [B, OUT], name="targets")
        mask = np.zeros((H, H), np.float32)
        for i in range(len(periods)):
            mask[i * group:(i + 1) * group, i * group:] = 1.0
        with tf1.variable_scope("input"):
            input_W = tf1.get_variable("W", [F, H])
            input_b = tf1.get_variable("b", [H])
        with tf1.variable_scope("hidden"):
            clockwork_W = tf1.get_variable("W", [H, H])
            clockwork_W = tf.multiply(clockwork_W, tf.constant(mask), name="masked")
        with tf1.variable_scope("output"):
            output_W = tf1.get_variable("W", [H, OUT])
            output_b = tf1.get_variable("b", [OUT])
        x_list = tf.unstack(x, T, axis=1)
        state = tf.zeros([B, H])
        for t in range(T):
            group_index = 0
            for i in range(len(periods)):
                if t % periods[i] == 0:
                    group_index = i + 1
            cols = group_index * group
            WI_x = tf.matmul(x_list[t], tf.slice(input_W, [0, 0], [-1, cols]))
            WI_x = tf.nn.bias_add(WI_x, tf.slice(input_b, [0], [cols]))
            WH_y = tf.matmul(state, tf.slice(clockwork_W, [0, 0], [-1, cols]))
            y_update = tf.tanh(WH_y + WI_x)
            state = tf.concat([y_update, tf.slice(state, [0, cols], [-1, -1])], axis=1)
        prediction = tf.matmul(state, output_W) + output_b
        loss = tf.reduce_mean(tf.square(prediction - y))
        tf1.train.AdamOptimizer(1e-3).minimize(loss)
    return graph


# Ground truth. input W [3, 6] 18 + b 6; hidden W [6, 6] 36; output W [6, 2] 12 + b 2 = 74.
# Every step reads the leading column blocks of input W (x_t: input→hidden), input b (bias)
# and of the masked hidden W (the state: hidden→hidden): steps 0..5 (step 0 multiplies the
# zero state). The mask is a constant, not a weight. Adam: 2 slots per variable (10) and
# the beta powers (2).
_STEPS = [0, 1, 2, 3, 4, 5]
EXPECTED = {
    "builder": "build",
    "mirrors": "tomrunia/ClockworkRNN (masked block-triangular clockwork_W, Python loop)",
    "total_params": 74,
    "num_steps": 6,
    "variables": {
        "input/W": {"role": "input_to_hidden", "cell": "cw", "layer": 0, "steps": _STEPS},
        "input/b": {"role": "bias", "cell": "cw", "layer": 0, "steps": _STEPS},
        "hidden/W": {"role": "hidden_to_hidden", "cell": "cw", "layer": 0, "steps": _STEPS},
        "output/W": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "output/b": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 12,
    "findings": {},
}
