"""TF1 (tf.compat.v1) RNN forms with known answers. Run inside the legacy worker:
each function builds a graph and returns it traced (a picklable `Traced`)."""

from __future__ import annotations

from dataclasses import dataclass

T, F, H = 4, 3, 5  # steps, features, hidden units


def _build(name, body, steps=T):
    import tensorflow as tf

    from rnninspect.tf.trace import trace_graph

    tf1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [2, steps, F], name="x")
        out = tf.identity(body(tf, tf1, x), name="out")
    return trace_graph(graph, [x.op.name], [out.op.name], model=name, dialect="legacy")


def dynamic_lstm():
    def body(tf, tf1, x):
        cell = tf1.nn.rnn_cell.LSTMCell(H)
        outputs, _ = tf1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        return tf1.layers.dense(outputs[:, -1], 2, name="head")

    return _build("dynamic_lstm", body)


def static_gru(steps=T):
    def body(tf, tf1, x):
        cell = tf1.nn.rnn_cell.GRUCell(H)
        outputs, _ = tf1.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
        return outputs[-1]

    return _build("static_gru", body, steps)


def static_basic_rnn():
    def body(tf, tf1, x):
        cell = tf1.nn.rnn_cell.BasicRNNCell(H)
        outputs, _ = tf1.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
        return outputs[-1]

    return _build("static_basic_rnn", body)


def static_peephole_projection(steps=T):
    def body(tf, tf1, x):
        cell = tf1.nn.rnn_cell.LSTMCell(H, use_peepholes=True, num_proj=2)
        outputs, _ = tf1.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
        return outputs[-1]

    return _build("static_peephole_projection", body, steps)


def static_multi(steps=T):
    def body(tf, tf1, x):
        cell = tf1.nn.rnn_cell.MultiRNNCell(
            [tf1.nn.rnn_cell.BasicLSTMCell(H) for _ in range(2)])
        outputs, _ = tf1.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
        return outputs[-1]

    return _build("static_multi", body, steps)


def bidirectional_dynamic():
    def body(tf, tf1, x):
        fw, bw = tf1.nn.rnn_cell.LSTMCell(H), tf1.nn.rnn_cell.LSTMCell(H)
        (out_fw, out_bw), _ = tf1.nn.bidirectional_dynamic_rnn(fw, bw, x, dtype=tf.float32)
        return tf.concat([out_fw[:, -1], out_bw[:, -1]], 1)

    return _build("bidirectional_dynamic", body)


def hand_written():
    """Plain variables and matmuls in a Python loop: h = tanh(x W + h U + b)."""

    def body(tf, tf1, x):
        w = tf1.get_variable("W", [F, H])
        u = tf1.get_variable("U", [H, H])
        b = tf1.get_variable("b", [H], initializer=tf1.zeros_initializer())
        h = tf.zeros([2, H])
        for t in range(T):
            h = tf.tanh(tf.matmul(x[:, t, :], w) + tf.matmul(h, u) + b)
        return h

    return _build("hand_written", body)


@dataclass(frozen=True)
class BuildForm:
    """Worker request: build the form `name` (a function of this module) and trace it."""

    name: str
    args: tuple = ()

    def run(self):
        return globals()[self.name](*self.args)


def _build_program(name, body, steps=T):
    """Like `_build`, but inputs and outputs found as for a user's program that returns its
    graph (`file.py:fn`): per-step results nobody reads stay in the graph as its sinks."""
    import tensorflow as tf

    from rnninspect.sources.graph_io import graph_inputs_outputs
    from rnninspect.tf.trace import trace_graph

    tf1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [2, steps, F], name="x")
        tf.identity(body(tf, tf1, x), name="out")
    inputs, outputs = graph_inputs_outputs(graph, name)
    return trace_graph(graph, inputs, outputs, model=name, dialect="legacy")


def static_bidirectional(pick, steps=T):
    """`static_bidirectional_rnn` read at one step ("last": outputs[-1], "first":
    outputs[0]) or at all of them ("all": the concatenated outputs of every step)."""
    def body(tf, tf1, x):
        fw, bw = tf1.nn.rnn_cell.BasicLSTMCell(H), tf1.nn.rnn_cell.BasicLSTMCell(H)
        outputs, _, _ = tf1.nn.static_bidirectional_rnn(fw, bw, tf.unstack(x, steps, 1),
                                                        dtype=tf.float32)
        read = {"last": outputs[-1], "first": outputs[0], "all": tf.concat(outputs, 1)}[pick]
        return tf1.layers.dense(read, 2, name="head")

    return _build_program(f"static_bidirectional_{pick}", body, steps)


def static_unidirectional_last():
    """`static_rnn` read at outputs[-1]: every step reaches it through the state."""
    def body(tf, tf1, x):
        cell = tf1.nn.rnn_cell.BasicLSTMCell(H)
        outputs, _ = tf1.nn.static_rnn(cell, tf.unstack(x, T, 1), dtype=tf.float32)
        return tf1.layers.dense(outputs[-1], 2, name="head")

    return _build_program("static_unidirectional_last", body)
