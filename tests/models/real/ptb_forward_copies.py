"""Two forward-only copies of the PTB LM sharing one set of variables (Train and Valid scopes).

Follows tensorflow/models `tutorials/rnn/ptb/ptb_word_lm.py` `main()` with the optimizer left
out: `PTBModel(is_training=False)` under `name_scope("Train")` + `variable_scope("Model")` and
again under `name_scope("Valid")` + `variable_scope("Model", reuse=True)`, both T=4, batch 2.
Reuses ptb_main.py's `PTBModel`. TF1 (tf.compat.v1).
"""

import tensorflow as tf
from ptb_main import Config, PTBModel

tf1 = tf.compat.v1


def build():
    graph = tf.Graph()
    with graph.as_default():
        initializer = tf1.random_uniform_initializer(-0.1, 0.1)
        with tf1.name_scope("Train"):  # noqa: SIM117 - nested as in main()
            with tf1.variable_scope("Model", reuse=None, initializer=initializer):
                PTBModel(is_training=False, config=Config())
        with tf1.name_scope("Valid"):  # noqa: SIM117 - nested as in main()
            with tf1.variable_scope("Model", reuse=True, initializer=initializer):
                PTBModel(is_training=False, config=Config())
    return graph


# Ground truth: two copies, not four layers: NO shared_across_layers (today an error that fails
# `check --fail-on error`). Neither trains, both T=4: the primary is either (same steps).
_L0 = "Model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/"
_L1 = "Model/RNN/multi_rnn_cell/cell_1/basic_lstm_cell/"
EXPECTED = {
    "builder": "build",
    "mirrors": "ptb_word_lm.py main() without the optimizer: Train + Valid forward copies",
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
    },
    "copies": [
        {"name": "Train", "num_steps": 4, "batch_size": 2, "training": False},
        {"name": "Valid", "num_steps": 4, "batch_size": 2, "training": False},
    ],
    "findings": {},
}
