"""analysis/opgraph.py on hand-written GraphSpecs: function calls, while-loop bodies and
conditional branches inlined, every reference resolved to the op that produces it."""

from __future__ import annotations

from rnninspect.analysis.opgraph import OpGraph, build_opgraph
from rnninspect.graph import FunctionSpec, GraphSpec, NodeSpec


def _node(name: str, op: str, *inputs: str, **kw: object) -> NodeSpec:
    return NodeSpec(name, op, tuple(inputs), **kw)  # type: ignore[arg-type]


def _call_graph() -> OpGraph:
    """out = f(x, w) where f(a, b, c) = a @ read(b); the call's second output is dangling."""
    fn = FunctionSpec("fn", ("a", "b", "c"), ("float32", "resource", "float32"), ("mm:0",), (
        _node("read", "ReadVariableOp", "b:0"),
        _node("mm", "MatMul", "a:0", "read:0", shapes=((2, 4),)),
    ))
    return build_opgraph(GraphSpec((
        _node("x", "Placeholder", shapes=((2, 3),)),
        _node("w", "VarHandleOp"),
        _node("call", "StatefulPartitionedCall", "x:0", "w:0", functions=(("f", "fn"),)),
        _node("out", "Identity", "call:0"),
        _node("other", "Identity", "call:1"),
        _node("zero", "Const", value=0.0, shapes=((),)),
    ), {"fn": fn}))


def test_a_function_call_is_inlined_into_its_callers_graph() -> None:
    og = _call_graph()
    assert set(og.graph) == {"x", "w", "call/read", "call/mm", "out", "other", "zero"}
    assert og.inputs["call/read"] == [("w", 0)]
    assert og.inputs["call/mm"] == [("x", 0), ("call/read", 0)]
    assert og.inputs["out"] == [("call/mm", 0)]
    assert og.inputs["other"] == [("call", 1)]  # past the function's results: left as is
    assert og.graph.edges["x", "call/mm"]["ports"] == [(0, 0)]
    assert og.graph.edges["call/read", "call/mm"]["ports"] == [(0, 1)]
    assert og.op("call/mm") == "MatMul" and og.loop("call/mm") is None
    assert og.shape(("call/mm", 0)) == (2, 4) and og.shape(("call/mm", 1)) is None
    assert og.graph.nodes["call/mm"]["name"] == "mm"
    assert og.graph.nodes["zero"]["value"] == 0.0
    assert og.specs["call/mm"].op == "MatMul"
    assert og.consumers("w") == ["call/read"]
    assert sorted(og.consumers("call/read")) == ["call/mm"]


def _loop_graph() -> OpGraph:
    """A while loop carrying (i, h) with w and xs loop-invariant; its body calls a function
    and holds a conditional (If: then -a, else |a|) with an extra non-branch function."""
    then = FunctionSpec("then", ("a",), ("float32",), ("t:0",), (_node("t", "Neg", "a:0"),))
    other = FunctionSpec("else", ("a", "unused"), ("float32", "float32"), ("e:0",),
                         (_node("e", "Abs", "a:0"),))
    extra = FunctionSpec("extra", ("a",), ("float32",), ("z:0",), (_node("z", "Exp", "a:0"),))
    act = FunctionSpec("act", ("p",), ("float32",), ("y:0",), (_node("y", "Tanh", "p:0"),))
    body = FunctionSpec("body", ("i", "h", "wh", "xs"),
                        ("int32", "float32", "resource", "float32"),
                        ("i2:0", "h2:0", "wh:0", "xs:0"), (
        _node("one", "Const"),
        _node("i2", "AddV2", "i:0", "one:0"),
        _node("read", "ReadVariableOp", "wh:0"),
        _node("mm", "MatMul", "h:0", "read:0"),
        _node("sel", "If", "i:0", "mm:0", shapes=((2, 4),),
              functions=(("then_branch", "then"), ("else_branch", "else"),
                         ("output_fn", "extra"))),
        _node("h2", "PartitionedCall", "sel:0", functions=(("f", "act"),)),
    ))
    return build_opgraph(GraphSpec((
        _node("x", "Placeholder", shapes=((2, 3),)),
        _node("h0", "Const", value=0.0, shapes=((2, 4),)),
        _node("w", "VarHandleOp"),
        _node("n", "Const", dtype="int32"),
        _node("loop", "While", "n:0", "h0:0", "w:0", "x:0",
              functions=(("body", "body"), ("cond", "cond"))),
        _node("out", "Identity", "loop:1"),
    ), {f.name: f for f in (then, other, extra, act, body)}))


def test_a_loop_body_is_inlined_with_its_carried_state() -> None:
    og = _loop_graph()
    assert "loop" not in og.graph
    state = "loop/h"  # the float state the loop carries: the previous iteration's value
    assert og.op(state) == "LoopState" and og.loop(state) == "loop"
    assert og.graph.nodes[state]["name"] == "h"
    assert og.inputs[state] == [("h0", 0)]
    assert og.shape((state, 0)) == (2, 4)  # the shape of its initial value
    assert og.inputs["loop/mm"] == [("loop/h", 0), ("loop/read", 0)]
    assert og.inputs["loop/read"] == [("w", 0)]  # invariant: the handle outside
    assert og.inputs["loop/i2"] == [("n", 0), ("loop/one", 0)]  # not a float: no state
    for node in ("loop/one", "loop/i2", "loop/read", "loop/mm", "loop/h2/y"):
        assert og.loop(node) == "loop", node
    # a conditional's output k is its own node: the predicate and output k of each branch
    assert og.inputs["loop/h2/y"] == [("loop/sel/output0", 0)]
    assert og.op("loop/sel/output0") == "If" and og.loop("loop/sel/output0") == "loop"
    assert og.inputs["loop/sel/output0"] == [
        ("n", 0), ("loop/sel/branch0/t", 0), ("loop/sel/branch1/e", 0)]
    assert og.inputs["out"] == [("loop/h2/y", 0)]  # the loop's result: the body's last value


def test_a_conditional_inlines_every_branch_and_reads_their_results() -> None:
    og = _loop_graph()
    cond = "loop/sel"
    assert og.op(cond) == "If" and og.loop(cond) == "loop"
    assert og.graph.nodes[cond]["name"] == "sel"
    assert og.shape((cond, 0)) == (2, 4)
    assert og.specs[cond].functions[0] == ("then_branch", "then")
    # the predicate, then each branch's result (not the branches' arguments)
    assert og.inputs[cond] == [("n", 0), ("loop/sel/branch0/t", 0), ("loop/sel/branch1/e", 0)]
    for node in ("loop/sel/branch0/t", "loop/sel/branch1/e"):
        assert og.graph.nodes[node]["cond"] == cond
        assert og.loop(node) == "loop"
        assert og.inputs[node] == [("loop/mm", 0)]  # argument k is the If's input k + 1
    assert not any(n.startswith("loop/sel/branch2") for n in og.graph)  # output_fn: no branch
    assert "cond" not in og.graph.nodes["loop/mm"]
