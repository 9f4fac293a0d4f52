"""The whole graph `main()` of the TensorFlow PTB word LM builds.

Follows tensorflow/models `tutorials/rnn/ptb/ptb_word_lm.py` (and the late-2016 TF-core copy
`tensorflow/models/rnn/ptb/ptb_word_lm.py`, see the seed notes, SEEDS.md §1.4): three `PTBModel`
instances, Train / Valid / Test, under `tf.name_scope(...)` + `tf.variable_scope("Model",
reuse=...)`, sharing one set of variables. Train has `DropoutWrapper`, `tf.gradients` ->
`clip_by_global_norm` -> `GradientDescentOptimizer(lr).apply_gradients(global_step)` and the
non-trainable `lr` variable with its placeholder + `tf.assign`. Input comes from placeholders
(eras b-c) rather than the queue-based `ptb_producer`. Written after its structure, tiny sizes.
"""

import tensorflow as tf

tf1 = tf.compat.v1


class Config:
    init_scale = 0.1
    learning_rate = 1.0
    max_grad_norm = 5
    num_layers = 2
    num_steps = 4
    hidden_size = 8
    keep_prob = 0.5  # < 1: Train gets dropout (as the medium config)
    batch_size = 2
    vocab_size = 20


class PTBModel:
    def __init__(self, is_training, config):
        self.batch_size = batch_size = config.batch_size
        self.num_steps = num_steps = config.num_steps
        size, vocab_size = config.hidden_size, config.vocab_size
        self.input_data = tf1.placeholder(tf.int32, [batch_size, num_steps], name="input_data")
        self.targets = tf1.placeholder(tf.int32, [batch_size, num_steps], name="targets")

        def make_cell():
            cell = tf1.nn.rnn_cell.BasicLSTMCell(size, forget_bias=0.0, state_is_tuple=True,
                                                 reuse=tf1.get_variable_scope().reuse)
            if is_training and config.keep_prob < 1:
                cell = tf1.nn.rnn_cell.DropoutWrapper(cell, output_keep_prob=config.keep_prob)
            return cell

        cell = tf1.nn.rnn_cell.MultiRNNCell(
            [make_cell() for _ in range(config.num_layers)], state_is_tuple=True)
        self.initial_state = cell.zero_state(batch_size, tf.float32)

        embedding = tf1.get_variable("embedding", [vocab_size, size], dtype=tf.float32)
        inputs = tf1.nn.embedding_lookup(embedding, self.input_data)
        if is_training and config.keep_prob < 1:
            inputs = tf1.nn.dropout(inputs, rate=1 - config.keep_prob)

        outputs = []
        state = self.initial_state
        with tf1.variable_scope("RNN"):
            for time_step in range(num_steps):
                if time_step > 0:
                    tf1.get_variable_scope().reuse_variables()
                cell_output, state = cell(inputs[:, time_step, :], state)
                outputs.append(cell_output)
        output = tf.reshape(tf.concat(outputs, 1), [-1, size])
        softmax_w = tf1.get_variable("softmax_w", [size, vocab_size], dtype=tf.float32)
        softmax_b = tf1.get_variable("softmax_b", [vocab_size], dtype=tf.float32)
        logits = tf1.nn.xw_plus_b(output, softmax_w, softmax_b)
        logits = tf.reshape(logits, [batch_size, num_steps, vocab_size])
        loss = tf1.nn.sparse_softmax_cross_entropy_with_logits(labels=self.targets, logits=logits)
        self.cost = tf.reduce_sum(tf.reduce_mean(loss, axis=0))
        self.final_state = state
        if not is_training:
            return

        self.lr = tf.Variable(0.0, trainable=False)
        tvars = tf1.trainable_variables()
        grads, _ = tf.clip_by_global_norm(tf1.gradients(self.cost, tvars), config.max_grad_norm)
        optimizer = tf1.train.GradientDescentOptimizer(self.lr)
        self.train_op = optimizer.apply_gradients(
            zip(grads, tvars, strict=True), global_step=tf1.train.get_or_create_global_step())
        self.new_lr = tf1.placeholder(tf.float32, shape=[], name="new_learning_rate")
        self.lr_update = tf1.assign(self.lr, self.new_lr)


def build():
    config = Config()
    eval_config = Config()
    eval_config.batch_size = 1
    eval_config.num_steps = 1
    graph = tf.Graph()
    with graph.as_default():
        initializer = tf1.random_uniform_initializer(-config.init_scale, config.init_scale)
        with tf1.name_scope("Train"):  # noqa: SIM117 - nested as in main()
            with tf1.variable_scope("Model", reuse=None, initializer=initializer):
                PTBModel(is_training=True, config=config)
        with tf1.name_scope("Valid"):  # noqa: SIM117 - nested as in main()
            with tf1.variable_scope("Model", reuse=True, initializer=initializer):
                PTBModel(is_training=False, config=config)
        with tf1.name_scope("Test"):  # noqa: SIM117 - nested as in main()
            with tf1.variable_scope("Model", reuse=True, initializer=initializer):
                PTBModel(is_training=False, config=eval_config)
        tf1.global_variables_initializer()
        tf1.train.Saver()
    return graph


# Ground truth, written from the program (SEEDS.md §1.3-1.4), not from rnninspect's output.
# H=8, V=20, 2 layers: embedding 160 + 2 x (kernel [16, 32] 512 + bias 32) + softmax 160 + 20.
_L0 = "Model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/"
_L1 = "Model/RNN/multi_rnn_cell/cell_1/basic_lstm_cell/"
EXPECTED = {
    "builder": "build",
    "mirrors": "tensorflow/models tutorials/rnn/ptb/ptb_word_lm.py main(): Train/Valid/Test",
    "total_params": 1428,
    "num_steps": 4,  # the Train copy (primary: it carries the optimizer)
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
        # the learning rate (tf.Variable(0.0) under name scope Train/Model) and the counter
        "Train/Model/Variable": {"role": "training_state"},
        "Model/global_step": {"role": "training_state"},
    },
    "training_state_count": 2,
    "copies": [
        {"name": "Train", "num_steps": 4, "batch_size": 2, "training": True},
        {"name": "Valid", "num_steps": 4, "batch_size": 2, "training": False},
        {"name": "Test", "num_steps": 1, "batch_size": 1, "training": False},
    ],
    "findings": {},  # nothing wrong: in particular NOT shared_across_layers, NOT no_recurrence
}
