"""Frozen graphs are analysed as their variables form (docs/analysis.md §1 "Frozen graphs"):
what freezing changes — weights become constants, folded constants are written out in full,
loops may be lowered to TF 1.x control flow — changes no output, zero state or call order.
The whole programs are the metamorphic `frozen_pb` / `frozen_pb_lowered` pairs
(tests/test_metamorphic.py); these are the rules, each on the smallest graph showing it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rnninspect.analysis.loops import Loop, per_step_runs
from rnninspect.analysis.opgraph import OpGraph
from rnninspect.analysis.recurrence import Upstream


def _two_copies(frozen: bool) -> Any:
    """Two computations with their own weights: one reads inputs `a` and `b`, the other
    only `a` (a greedy decoder beside the teacher-forced pass)."""
    import tensorflow as tf

    tf1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        a = tf1.placeholder(tf.float32, [2, 3], name="a")
        b = tf1.placeholder(tf.float32, [2, 3], name="b")
        values = np.arange(12, dtype=np.float32).reshape(3, 4) + 1.0
        if frozen:
            w, v = tf.constant(values, name="w"), tf.constant(-values, name="v")
        else:
            w = tf1.get_variable("w", initializer=values)
            v = tf1.get_variable("v", initializer=-values)
        tf.tanh(tf.matmul(a + b, w), name="both")
        tf.tanh(tf.matmul(a, v), name="alone")
    return graph


def test_a_frozen_output_made_of_fewer_inputs_but_its_own_weights_stays() -> None:
    from rnninspect.sources.graph_io import graph_inputs_outputs

    found = {frozen: sorted(graph_inputs_outputs(_two_copies(frozen), "m")[1])
             for frozen in (False, True)}
    assert found[False] == ["alone", "both"]  # the rule, on the variables form
    assert found[True] == found[False]


def _const_node(name: str, tensor: Any) -> Any:
    import tensorflow as tf

    node = tf.compat.v1.NodeDef(name=name, op="Const")
    node.attr["value"].tensor.CopyFrom(tensor)
    node.attr["dtype"].type = tensor.dtype
    return node


@pytest.mark.parametrize("how, expected", [
    ("no values", 0.0), ("written out", 0.0), ("written out, all 2", 2.0),
    ("one value", 0.0), ("mixed", None)])
def test_a_splat_constant_is_a_splat_however_it_is_stored(how: str,
                                                          expected: float | None) -> None:
    import tensorflow as tf

    from rnninspect.tf.trace import graph_spec_from_graph_def

    shape = (2, 6)
    if how == "no values":  # a TensorProto's default: every element zero
        tensor = tf.make_tensor_proto(np.zeros(shape, np.float32))
        tensor.ClearField("tensor_content")
    elif how == "one value":
        tensor = tf.make_tensor_proto(0.0, tf.float32, shape)
    else:
        values = np.zeros(shape, np.float32) + (2.0 if how.endswith("2") else 0.0)
        if how == "mixed":
            values[1, 5] = 1.0
        tensor = tf.make_tensor_proto(values)
        assert tensor.tensor_content  # element by element, as freezing writes it
    graph_def = tf.compat.v1.GraphDef()
    graph_def.node.append(_const_node("zeros", tensor))
    (node,) = graph_spec_from_graph_def(graph_def).nodes
    assert node.value == expected


def test_per_step_calls_are_ordered_by_dependency_not_by_graph_order() -> None:
    """Three one-iteration loops reading the same weights, call k fed by call k - 1, listed
    (by their first reads) in the order 1, 0, 2: the run is 0, 1, 2."""
    import networkx as nx

    graph = nx.DiGraph()
    inputs: dict[str, list[tuple[str, int]]] = {}
    for k in range(3):  # body k reads element 0 of a one-step list
        loop, item, source, data = f"call{k}", f"get{k}", f"list{k}", f"x{k}"
        graph.add_node(data, op="Placeholder", loop=None, shapes=((1, 2, 3),))
        graph.add_node(source, op="TensorListFromTensor", loop=None, shapes=((),))
        graph.add_node(item, op="TensorListGetItem", loop=loop, shapes=((2, 3),))
        inputs[source], inputs[item] = [(data, 0)], [(source, 0)]
    og = OpGraph(graph, inputs)
    n = 9  # op indices: call k's reads at 3k..3k+2; call k's values are after call k - 1's

    def loop(k: int, first_read: int) -> Loop:
        after = [i >= 3 * k for i in range(n)]  # downstream of call k's reads
        uses = sorted({first_read, 3 * k + 1, 3 * k + 2})
        return Loop(f"call{k}", Upstream([0] * n, [0] * n), after, [False] * n, uses)

    # call 1's first read (a recurrent kernel on the zero state) comes first in the graph
    loops = [loop(0, 1), loop(1, 0), loop(2, 6)]
    reads = {f"call{k}": frozenset({"kernel"}) for k in range(3)}
    runs = per_step_runs(og, loops, reads)
    assert [[lp.node for lp in run] for run in runs] == [["call0", "call1", "call2"]]


def test_zeros_in_a_fused_ops_weight_operand_are_named_not_counted() -> None:
    """`LSTMBlockCell` without peepholes is passed zeros for them: no use tells those from
    a peephole never trained, so they are unproven (named), while its kernel and bias,
    whose values differ, are weights."""
    import tensorflow as tf

    from rnninspect.sources.frozen import frozen_weights

    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [2, 3], name="x")
        state = tf.zeros([2, 4])
        kernel = tf.constant(np.linspace(1, 2, 7 * 16).reshape(7, 16), tf.float32, name="kernel")
        bias = tf.constant(np.linspace(1, 2, 16), tf.float32, name="bias")
        none = tf.zeros([4], name="no_peephole")
        tf.raw_ops.LSTMBlockCell(x=x, cs_prev=state, h_prev=state, w=kernel, wci=none,
                                 wcf=none, wco=none, b=bias)
    weights, unproven = frozen_weights(graph)
    assert sorted(w.name for w in weights) == ["bias", "kernel"]
    assert [name for name, _ in unproven] == ["no_peephole"]
