"""Survivors of the rescore of findings, check, training and copies (issue 17), killed on
hand-made inputs: the step ranges of a dead-steps message, and the training ops of a graph
whose inlined ops have node ids that differ from their op names."""

from __future__ import annotations

import pytest

from rnninspect.analysis.copies import _training_ops
from rnninspect.analysis.findings import _ranges
from rnninspect.analysis.opgraph import build_opgraph
from rnninspect.graph import FunctionSpec, GraphSpec, NodeSpec
from tests.models.forms import keras_forms as kf


@pytest.mark.parametrize(("steps", "text"), [
    ([4], "4"),
    ([1, 2], "1–2"),
    ([0, 2], "0, 2"),
    ([0, 2, 4], "0, 2, 4"),
    ([1, 2, 3, 5], "1–3, 5"),
    ([0, 3, 4, 5, 6, 9, 10], "0, 3–6, 9–10"),
    ([], ""),
])
def test_dead_step_ranges(steps: list[int], text: str) -> None:
    assert _ranges(steps) == text


def _node(name: str, op: str, *inputs: str) -> NodeSpec:
    return NodeSpec(name, op, tuple(inputs))


def test_training_ops_judge_op_names_and_follow_inputs() -> None:
    """A function called `gradients` is inlined as `gradients/read`, `gradients/mm`: its ops'
    names (`read`, `mm`) are in no gradient scope, so they stay model ops although their node
    ids are. `mean` only feeds an assignment: training machinery, found through its inputs."""
    fn = FunctionSpec("fn", ("a", "b"), ("float32", "resource"), ("mm:0",), (
        _node("read", "ReadVariableOp", "b:0"),
        _node("mm", "MatMul", "a:0", "read:0"),
    ))
    og = build_opgraph(GraphSpec((
        _node("x", "Placeholder"),
        _node("w", "VarHandleOp"),
        NodeSpec("gradients", "StatefulPartitionedCall", ("x:0", "w:0"),
                 functions=(("f", "fn"),)),
        _node("out", "Identity", "gradients:0"),
        _node("mean", "Mean", "x:0"),
        _node("assign", "AssignVariableOp", "w:0", "mean:0"),
    ), {"fn": fn}))
    assert og.graph.nodes["gradients/mm"]["name"] == "mm"  # the premise: id ≠ name
    assert _training_ops(og) == {"assign", "mean"}


def test_redundant_projection_counts_the_input_span_wherever_it_starts(fresh) -> None:
    """A fused kernel over concat([h, x]) has its input rows second: their count is the
    span's width, not its end."""
    from dataclasses import replace

    from rnninspect.analysis.findings import find_problems
    from rnninspect.model import FindingKind, RowSplit

    ins = fresh("mnist", dialect="legacy")
    [before] = [f for f in ins.findings if f.kind is FindingKind.REDUNDANT_PROJECTION]
    kernel = ins.variable(before.variables[1])
    assert kernel.row_split == RowSplit(input=(0, 128), hidden=(128, 256))
    swapped = replace(kernel, row_split=RowSplit(input=(128, 256), hidden=(0, 128)))
    variables = tuple(swapped if v is kernel else v for v in ins.variables)
    [after] = [f for f in find_problems(replace(ins, variables=variables))
               if f.kind is FindingKind.REDUNDANT_PROJECTION]
    assert after.params == before.params == 28 * 128 + 128 * 512 - 28 * 512


# --- dead_steps: the whole finding, as written -------------------------------------------------

_BIRNN = "bidirectional_rnn/{}/basic_lstm_cell/"
_DEAD_FIX_FORWARD = ("use the outputs of every step (or the final state) instead of an earlier "
                     "step's")


def _dead_steps(ins):  # type: ignore[no-untyped-def]
    from rnninspect.model import FindingKind

    return [f for f in ins.findings if f.kind is FindingKind.DEAD_STEPS]


def test_dead_steps_of_a_backward_cell(fresh_form) -> None:
    ins = fresh_form("static_bidirectional", "last")
    [f] = _dead_steps(ins)
    bw = next(c for c in ins.cells if c.direction == "backward")
    names = (_BIRNN.format("bw") + "kernel", _BIRNN.format("bw") + "bias")
    assert set(names) == set(bw.variables)
    assert f.variables == names and f.params == 0
    assert f.message == (
        f"{bw.name} (backward): steps 1–3 of 4 are computed but reach no model output — "
        f"{names[0]}, {names[1]} are read there for nothing (the backward cell ran on the last "
        "input first, so the last output holds only its first step)")
    assert f.fix == ("use the concatenated outputs of every step (or the final states), or "
                     "outputs[0] for the backward direction")


def test_dead_steps_of_a_forward_cell(fresh_form) -> None:
    ins = fresh_form("static_bidirectional", "first")
    [f] = _dead_steps(ins)
    fw = next(c for c in ins.cells if c.direction == "forward")
    names = (_BIRNN.format("fw") + "kernel", _BIRNN.format("fw") + "bias")
    assert f.variables == names and f.params == 0
    assert f.message == (
        f"{fw.name} (forward): steps 1–3 of 4 are computed but reach no model output — "
        f"{names[0]}, {names[1]} are read there for nothing")
    assert f.fix == _DEAD_FIX_FORWARD


def test_dead_steps_of_one_weight_of_a_cell_without_direction(fresh_form) -> None:
    """Altered where no traced program goes: one weight of a cell with no direction."""
    from dataclasses import replace

    from rnninspect.analysis.findings import find_problems
    from rnninspect.model import FindingKind

    ins = fresh_form("static_bidirectional", "first")
    kernel, bias = _BIRNN.format("fw") + "kernel", _BIRNN.format("fw") + "bias"
    variables = tuple(replace(v, dead_steps=()) if v.name == bias else v for v in ins.variables)
    cells = tuple(replace(c, direction=None) for c in ins.cells)
    [f] = [f for f in find_problems(replace(ins, variables=variables, cells=cells))
           if f.kind is FindingKind.DEAD_STEPS]
    cell = ins.variable(kernel).cell
    assert f.message == (f"{cell}: steps 1–3 of 4 are computed but reach no model output — "
                         f"{kernel} is read there for nothing")
    assert f.variables == (kernel,) and f.fix == _DEAD_FIX_FORWARD


# --- dead_weight: one weight ---------------------------------------------------------------------


def test_dead_weight_of_one_recurrent_kernel(fresh_keras) -> None:
    from rnninspect.model import FindingKind

    ins = fresh_keras("one_step_gru_1", lambda: kf.one_step_gru(1, False, False))
    [f] = [f for f in ins.findings if f.kind is FindingKind.DEAD_WEIGHT]
    name = "gru/gru_cell/recurrent_kernel"
    assert f.variables == (name,) and f.params == ins.variable(name).params == 48
    assert f.message == (
        f"{name} [4, 12] only ever multiplies zeros: the operand is always a zeros tensor (a "
        "recurrent state that is never anything but its zero initial value) — 48 parameters "
        "with no effect and zero gradient")


# --- copies: weights multiplied directly, without a read op ------------------------------------


def _two_parts(second_weight: str):  # type: ignore[no-untyped-def]
    """Two parts, a/ and b/, each multiplying the input by a variable it reads directly."""
    return build_opgraph(GraphSpec((
        _node("x", "Placeholder"),
        _node("w1", "VariableV2"),
        _node("w2", "VariableV2"),
        _node("a/mm", "MatMul", "x:0", "w1:0"),
        _node("a/out", "Tanh", "a/mm:0"),
        _node("b/mm", "MatMul", "x:0", f"{second_weight}:0"),
        _node("b/out", "Tanh", "b/mm:0"),
    )))


def test_parts_multiplying_one_variable_directly_are_copies() -> None:
    from rnninspect.analysis.copies import find_copies

    og = _two_parts("w1")
    copies = find_copies(og, set(og.graph), ["a/out", "b/out"], ["w1", "w2"])
    assert [(c.name, c.nodes, c.outputs) for c in copies] == [
        ("a", {"a/mm", "a/out"}, ("a/out",)), ("b", {"b/mm", "b/out"}, ("b/out",))]


def test_parts_multiplying_different_variables_directly_are_no_copies() -> None:
    from rnninspect.analysis.copies import find_copies

    og = _two_parts("w2")
    assert find_copies(og, set(og.graph), ["a/out", "b/out"], ["w1", "w2"]) == []


def test_dead_weight_that_is_no_recurrent_kernel(fresh_keras) -> None:
    """Altered where no traced program goes: the dead weight given an input role."""
    from dataclasses import replace

    from rnninspect.analysis.findings import find_problems
    from rnninspect.model import FindingKind, Role

    ins = fresh_keras("one_step_gru_1", lambda: kf.one_step_gru(1, False, False))
    name = "gru/gru_cell/recurrent_kernel"
    variables = tuple(replace(v, role=Role.INPUT_TO_HIDDEN) if v.name == name else v
                      for v in ins.variables)
    [f] = [f for f in find_problems(replace(ins, variables=variables))
           if f.kind is FindingKind.DEAD_WEIGHT]
    assert f.message == (f"{name} [4, 12] only ever multiplies zeros: the operand is always a "
                         "zeros tensor — 48 parameters with no effect and zero gradient")
    assert f.fix == "check what feeds it: its input is constant zero"
