"""Writers for the saved forms of a tiny hand-written TF1 RNN (T=3, H=4): frozen GraphDef
(.pb, .pbtxt), MetaGraph + checkpoint, checkpoint alone, and TF2 SavedModels.

The TF1 graph uses only tf.compat.v1 ops (no rnn_cell), so it builds in any process.
"""

from pathlib import Path

import tensorflow as tf

tf1 = tf.compat.v1
T, F, H, C = 3, 2, 4, 2


def tf1_graph():
    """h_t = tanh([x_t, h_{t-1}] W + b) with reuse_variables() from step 1 on."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [2, T, F], name="x")
        h = tf.zeros([2, H])
        with tf1.variable_scope("rnn") as scope:
            for t in range(T):
                if t > 0:
                    scope.reuse_variables()
                w = tf1.get_variable("w", [F + H, H])
                b = tf1.get_variable("b", [H], initializer=tf1.zeros_initializer())
                h = tf.tanh(tf.matmul(tf.concat([x[:, t], h], 1), w) + b)
        w_out = tf1.get_variable("out/w", [H, C])
        tf.matmul(h, w_out, name="logits")
    return graph


def write_frozen(folder):
    graph = tf1_graph()
    with graph.as_default(), tf1.Session() as session:
        session.run(tf1.global_variables_initializer())
        frozen = tf1.graph_util.convert_variables_to_constants(
            session, graph.as_graph_def(), ["logits"])
    tf.io.write_graph(frozen, str(folder), "frozen.pb", as_text=False)
    tf.io.write_graph(frozen, str(folder), "frozen.pbtxt", as_text=True)
    return Path(folder) / "frozen.pb", Path(folder) / "frozen.pbtxt"


def write_meta(folder):
    """model.ckpt.meta + model.ckpt.index/.data + `checkpoint`."""
    graph = tf1_graph()
    with graph.as_default(), tf1.Session() as session:
        session.run(tf1.global_variables_initializer())
        tf1.train.Saver().save(session, str(Path(folder) / "model.ckpt"))
    return Path(folder) / "model.ckpt"


def write_checkpoint_only(folder):
    prefix = write_meta(folder)
    Path(f"{prefix}.meta").unlink()
    return prefix


class Handwritten(tf.Module):
    def __init__(self):
        super().__init__(name="handwritten")
        self.w = tf.Variable(tf.random.normal([F, H]), name="w")
        self.u = tf.Variable(tf.random.normal([H, H]), name="u")
        self.b = tf.Variable(tf.zeros([H]), name="b")

    @tf.function(input_signature=[tf.TensorSpec([2, T, F], tf.float32)])
    def __call__(self, x):
        h = tf.zeros([2, H])
        for t in range(T):
            h = tf.tanh(tf.matmul(x[:, t, :], self.w) + tf.matmul(h, self.u) + self.b)
        return h


def write_saved_model(folder, signatures=True):
    module = Handwritten()
    if signatures:
        tf.saved_model.save(module, str(folder))
    else:
        tf.saved_model.save(module, str(folder), signatures={})
    return Path(folder)
