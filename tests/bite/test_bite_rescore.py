"""Survivors of the rescore of findings, check, training and copies (issue 17), killed on
hand-made inputs: the step ranges of a dead-steps message, and the training ops of a graph
whose inlined ops have node ids that differ from their op names."""

from __future__ import annotations

import pytest

from rnninspect.analysis.copies import _training_ops
from rnninspect.analysis.findings import _ranges
from rnninspect.analysis.opgraph import build_opgraph
from rnninspect.graph import FunctionSpec, GraphSpec, NodeSpec


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
