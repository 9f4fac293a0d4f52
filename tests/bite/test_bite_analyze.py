"""analyze.py's own choices: the default detail step, no step graph without steps, the
inputs and op count it reports, and a whole program (copies) seen through its primary."""

from __future__ import annotations

import pytest

from rnninspect.analysis.opgraph import build_opgraph
from rnninspect.analysis.reads import computation_nodes
from rnninspect.sources import LoadOptions, load

SMALL = {"config": "test", "layers": 1}


@pytest.mark.parametrize(("steps", "detail"), [(1, 0), (2, 1), (3, 1)])
def test_the_default_detail_step_is_1_or_the_only_one(fresh, steps: int, detail: int) -> None:
    ins = fresh("ptb", dialect="legacy", num_steps=steps, **SMALL)
    assert ins.step_graph is not None and ins.step_graph.step == detail


def test_no_step_graph_without_unrolled_steps(fresh) -> None:
    ins = fresh("keras-lstm")
    assert ins.num_steps is None and ins.step_graph is None


def test_inputs_and_op_count_are_the_traced_models() -> None:
    traced = load("ptb", LoadOptions(dialect="legacy", num_steps=3, **SMALL))
    from rnninspect.analysis import analyze

    ins = analyze(traced)
    assert ins.inputs == tuple(traced.inputs) and ins.inputs
    assert ins.outputs == tuple(traced.outputs)
    og = build_opgraph(traced.graph)
    assert ins.op_count == len(computation_nodes(og, list(traced.outputs)))


def test_a_whole_program_counts_every_copy_and_keeps_its_inputs(fresh) -> None:
    main = fresh("ptb-main", detail_step=0, num_steps=3, **SMALL)
    forward = fresh("ptb", dialect="legacy", num_steps=3, **SMALL)
    assert len(main.copies) == 3
    assert main.op_count > 2 * forward.op_count  # three copies and the training machinery
    assert main.step_graph is not None and main.step_graph.step == 0
    assert main.inputs == ("Train/Model/input_data", "Train/Model/targets")  # the primary's
    assert any(lk.source.startswith("input:") for lk in main.links)
    assert main.num_steps == 3
