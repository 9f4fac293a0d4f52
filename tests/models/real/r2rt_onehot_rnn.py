"""A basic RNN by hand: one-hot inputs, `concat([x, h]) @ W` under a reused variable scope.

Follows R2RT's "Recurrent Neural Networks in Tensorflow I" (r2rt.com, 2016): `tf.one_hot`
inputs unstacked into a list, the variables created once under `variable_scope('rnn_cell')`,
a `rnn_cell(rnn_input, state)` function that fetches them again with
`variable_scope('rnn_cell', reuse=True)` and `get_variable('W', [num_classes + state_size,
state_size])`, a Python loop over the inputs, one softmax matmul *per step* (a list
comprehension of logits), per-step losses, `AdagradOptimizer`. Written after its structure,
tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1
batch_size, num_steps, num_classes, state_size = 2, 5, 2, 4


def rnn_cell(rnn_input, state):
    with tf1.variable_scope("rnn_cell", reuse=True):
        W = tf1.get_variable("W", [num_classes + state_size, state_size])
        b = tf1.get_variable("b", [state_size], initializer=tf1.constant_initializer(0.0))
    return tf.tanh(tf.matmul(tf.concat([rnn_input, state], 1), W) + b)


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.int32, [batch_size, num_steps], name="input_placeholder")
        y = tf1.placeholder(tf.int32, [batch_size, num_steps], name="labels_placeholder")
        init_state = tf.zeros([batch_size, state_size])
        x_one_hot = tf.one_hot(x, num_classes)
        rnn_inputs = tf.unstack(x_one_hot, axis=1)
        with tf1.variable_scope("rnn_cell"):
            tf1.get_variable("W", [num_classes + state_size, state_size])
            tf1.get_variable("b", [state_size], initializer=tf1.constant_initializer(0.0))
        state = init_state
        rnn_outputs = []
        for rnn_input in rnn_inputs:
            state = rnn_cell(rnn_input, state)
            rnn_outputs.append(state)
        with tf1.variable_scope("softmax"):
            W = tf1.get_variable("W", [state_size, num_classes])
            b = tf1.get_variable("b", [num_classes], initializer=tf1.constant_initializer(0.0))
        logits = [tf.matmul(rnn_output, W) + b for rnn_output in rnn_outputs]
        [tf.nn.softmax(logit) for logit in logits]
        y_as_list = tf.unstack(y, num=num_steps, axis=1)
        losses = [tf1.nn.sparse_softmax_cross_entropy_with_logits(labels=label, logits=logit)
                  for logit, label in zip(logits, y_as_list, strict=True)]
        total_loss = tf.reduce_mean(losses)
        tf1.train.AdagradOptimizer(0.1).minimize(total_loss)
    return graph


# Ground truth. rnn_cell/W [2 + 4, 4] 24 + b 4; softmax W [4, 2] 8 + b 2 = 38. Rows 0..1 of
# rnn_cell/W multiply the one-hot input, rows 2..5 the previous state. The softmax layer is
# applied to every step's output, after the recurrence (it feeds no later step). Adagrad: one
# accumulator per variable.
_STEPS = [0, 1, 2, 3, 4]
EXPECTED = {
    "builder": "build",
    "mirrors": "R2RT 'Recurrent Neural Networks in Tensorflow I' (basic RNN, reuse=True scope)",
    "total_params": 38,
    "num_steps": 5,
    "variables": {
        "rnn_cell/W": {"role": "input_hidden_fused", "cell": "rnn", "layer": 0,
                       "steps": _STEPS},
        "rnn_cell/b": {"role": "bias", "cell": "rnn", "layer": 0, "steps": _STEPS},
        "softmax/W": {"role": "hidden_to_output", "cell": None, "layer": None, "steps": []},
        "softmax/b": {"role": "bias", "cell": None, "layer": None, "steps": []},
    },
    "training_state_count": 4,
    "findings": {},
}
