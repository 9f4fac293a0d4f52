"""Sharing bugs in the zoo are found from dataflow; the seed programs raise no false alarm."""

from __future__ import annotations

import pytest

from rnninspect import FindingKind, Role

SMALL = {"num_steps": 4, "hidden": 8, "vocab": 50}


@pytest.mark.parametrize("dialect", ["legacy", "keras"])
def test_noreuse_is_flagged_per_cell_with_one_copy_per_step(inspect_cached, dialect):
    ins = inspect_cached("ptb-noreuse", dialect=dialect, **SMALL)
    dups = [f for f in ins.findings if f.kind is FindingKind.DUPLICATED_ACROSS_STEPS]
    assert [f.message.split(":")[0] for f in dups] == ["cell0", "cell1"]
    per_step = 2 if dialect == "legacy" else 3  # fused kernel + bias, or kernel/recurrent/bias
    for f in dups:
        assert len(f.variables) == per_step * 4
        steps = sorted(ins.variable(name).steps[0] for name in f.variables)
        assert steps == sorted(list(range(4)) * per_step)
        assert f.fix and ("reuse" in f.fix or "outside the loop" in f.fix)
    # Same parameter count as four shared copies would be, times four.
    shared = inspect_cached("ptb", dialect=dialect, **SMALL)
    cell_params = sum(v.params for v in shared.variables if v.cell)
    assert ins.total_params - shared.total_params == 3 * cell_params
    assert sum(f.params for f in dups) == 3 * cell_params


@pytest.mark.parametrize("dialect", ["legacy", "keras"])
def test_noreuse_roles_match_the_shared_model(inspect_cached, dialect):
    ins = inspect_cached("ptb-noreuse", dialect=dialect, **SMALL)
    shared = inspect_cached("ptb", dialect=dialect, **SMALL)
    assert {v.role for v in ins.variables} == {v.role for v in shared.variables}
    assert ins.num_steps == 4 and [c.layer for c in ins.cells] == [0, 1]
    if dialect == "legacy":
        fused = ins.by_role(Role.INPUT_HIDDEN_FUSED)
        assert len(fused) == 8 and all(v.row_split.hidden == (8, 16) for v in fused)


@pytest.mark.parametrize(("model", "dialect"), [("ptb", "legacy"), ("ptb", "keras"),
                                                ("mnist", "legacy"), ("mnist", "keras")])
def test_no_false_alarm_on_the_seed_programs(inspect_cached, model, dialect):
    ins = inspect_cached(model, dialect=dialect)
    kinds = {f.kind for f in ins.findings}
    assert FindingKind.DUPLICATED_ACROSS_STEPS not in kinds
    assert FindingKind.SHARED_ACROSS_LAYERS not in kinds
    assert FindingKind.UNUSED_VARIABLE not in kinds


@pytest.mark.parametrize("dialect", ["legacy", "keras"])
def test_tied_layers_are_flagged_and_both_layers_read_every_step(inspect_cached, dialect):
    ins = inspect_cached("ptb-tiedlayers", dialect=dialect, **SMALL)
    (finding,) = [f for f in ins.findings if f.kind is FindingKind.SHARED_ACROSS_LAYERS]
    assert [c.layer for c in ins.cells] == [0, 1]
    assert all(c.kind == "LSTM" for c in ins.cells)
    tied = [ins.variable(name) for name in finding.variables]
    assert len(tied) == (2 if dialect == "legacy" else 3)
    for v in tied:
        assert (v.cell, v.also_cells) == ("cell0", ("cell1",))
        assert v.steps == (0, 1, 2, 3) and v.reads == 8
    assert finding.params == sum(v.params for v in tied)
    shared = inspect_cached("ptb", dialect=dialect, **SMALL)
    assert shared.total_params - ins.total_params == finding.params
