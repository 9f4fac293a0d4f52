"""The PTB LM's training copy alone, with its optimizer (one `PTBModel(is_training=True)`).

Follows tensorflow/models `tutorials/rnn/ptb/ptb_word_lm.py`: what a user gets who builds only
the Train model of `main()` (see ptb_main.py, whose `PTBModel` this reuses): dropout,
`tf.gradients` -> `clip_by_global_norm` -> `GradientDescentOptimizer.apply_gradients`,
`global_step`, the `lr` variable with its assign op. TF1 (tf.compat.v1).
"""

import tensorflow as tf
from ptb_main import Config, PTBModel

tf1 = tf.compat.v1


def build():
    graph = tf.Graph()
    with graph.as_default(), tf1.name_scope("Train"):
        initializer = tf1.random_uniform_initializer(-0.1, 0.1)
        with tf1.variable_scope("Model", reuse=None, initializer=initializer):
            PTBModel(is_training=True, config=Config())
    return graph


# Ground truth: as ptb_main's Train copy. The backprop ops (a mirror of the 4 steps) are not
# steps, the gradient chain is not a layer, softmax_w is the output layer.
_L0 = "Model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/"
_L1 = "Model/RNN/multi_rnn_cell/cell_1/basic_lstm_cell/"
EXPECTED = {
    "builder": "build",
    "mirrors": "ptb_word_lm.py: the Train PTBModel alone (dropout + clipped SGD + lr assign)",
    "total_params": 1428,
    "num_steps": 4,
    "variables": {
        "Model/embedding": {"role": "embedding", "cell": None, "layer": None, "steps": []},
        _L0 + "kernel": {"role": "input_hidden_fused", "cell": "lstm0", "layer": 0,
                         "steps": [0, 1, 2, 3]},
        _L0 + "bias": {"role": "bias", "cell": "lstm0", "layer": 0, "steps": [0, 1, 2, 3]},
        _L1 + "kernel": {"role": "input_hidden_fused", "cell": "lstm1", "layer": 1,
                         "steps": [0, 1, 2, 3]},
        _L1 + "bias": {"role": "bias", "cell": "lstm1", "layer": 1, "steps": [0, 1, 2, 3]},
        "Model/softmax_w": {"role": "hidden_to_output", "cell": None, "layer": None,
                            "steps": []},
        "Model/softmax_b": {"role": "bias", "cell": None, "layer": None, "steps": []},
        "Train/Model/Variable": {"role": "training_state"},
        "Model/global_step": {"role": "training_state"},
    },
    "training_state_count": 2,
    "findings": {},
}
