"""TF1 (tf.compat.v1) cells unrolled by ``static_rnn`` over a chosen number of steps, one
included: at T = 1 there is no chain of reads, only the initial state, to tell a cell by.

Each builder returns its graph, so `rnninspect show tests/models/forms/tf1_one_step.py:gru`
shows it at T = 1; `BuildOneStep` traces one at any T in the legacy worker, finding inputs
and outputs as `show` does for a user's graph."""

from __future__ import annotations

from dataclasses import dataclass

F, H = 3, 5  # features, hidden units


def _graph(steps, make_cell, features=F):
    import tensorflow as tf

    tf1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [2, steps, features], name="x")
        outputs, _ = tf1.nn.static_rnn(make_cell(tf1), tf.unstack(x, steps, 1),
                                       dtype=tf.float32)
        tf.identity(outputs[-1], name="out")
    return graph


def gru(steps=1):
    return _graph(steps, lambda tf1: tf1.nn.rnn_cell.GRUCell(H))


def peephole_projection(steps=1):
    return _graph(steps, lambda tf1: tf1.nn.rnn_cell.LSTMCell(H, use_peepholes=True,
                                                                num_proj=2))


def gru_stack(steps=1):
    """Two GRU layers on H features: both layers' kernels have one shape, read once each at
    T = 1, as per-step copies would be; the gate split is no step clock."""
    return _graph(steps, lambda tf1: tf1.nn.rnn_cell.MultiRNNCell(
        [tf1.nn.rnn_cell.GRUCell(H) for _ in range(2)]), features=H)


def gru_tied(steps=1):
    """One GRUCell object as both layers of a MultiRNNCell (the tied-layers bug)."""
    def make(tf1):
        cell = tf1.nn.rnn_cell.GRUCell(H)
        return tf1.nn.rnn_cell.MultiRNNCell([cell, cell])

    return _graph(steps, make, features=H)


def peephole_stack(steps=1):
    """Two peephole/projection LSTM layers: layer 0's projection feeds layer 1's kernel."""
    return _graph(steps, lambda tf1: tf1.nn.rnn_cell.MultiRNNCell(
        [tf1.nn.rnn_cell.LSTMCell(H, use_peepholes=True, num_proj=2) for _ in range(2)]))


def square_projection(steps=1):
    """num_proj = num_units: the projection maps the output to a state of its own width."""
    return _graph(steps, lambda tf1: tf1.nn.rnn_cell.LSTMCell(H, num_proj=H))


def square_head(steps=1):
    """An LSTM, then a [H, H] output layer without bias on its last output: at T = 1 the
    same ops as `square_projection`."""
    import tensorflow as tf

    tf1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [2, steps, F], name="x")
        cell = tf1.nn.rnn_cell.LSTMCell(H)
        outputs, _ = tf1.nn.static_rnn(cell, tf.unstack(x, steps, 1), dtype=tf.float32)
        head = tf1.get_variable("head", [H, H])
        tf.identity(tf.matmul(outputs[-1], head), name="out")
    return graph


def restarted(steps=3):
    """One cell called at every step on a zero state, fed its last output with the step's
    input (an attention decoder calling a layer without its state, reduced): every call
    multiplies an initial state, yet each takes fresh input, so the calls are steps."""
    import tensorflow as tf

    tf1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [2, steps, F], name="x")
        cell = tf1.nn.rnn_cell.BasicRNNCell(H)
        zeros = cell.zero_state(2, tf.float32)
        out = tf.zeros([2, H])
        for t in range(steps):
            with tf1.variable_scope("rnn", reuse=t > 0):
                out, _ = cell(tf.concat([x[:, t], out], 1), zeros)
        tf.identity(out, name="out")
    return graph


@dataclass(frozen=True)
class BuildOneStep:
    """Worker request: build the form `name` (a function of this module) over `steps`."""

    name: str
    steps: int

    def run(self):
        from rnninspect.sources.graph_io import graph_inputs_outputs
        from rnninspect.tf.trace import trace_graph

        graph = globals()[self.name](self.steps)
        inputs, outputs = graph_inputs_outputs(graph, self.name)
        return trace_graph(graph, inputs, outputs, model=self.name, dialect="legacy")
