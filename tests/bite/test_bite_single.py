"""Cells applied once (single.py) by what they hold, and the per-step reads the gradient
split is taken through (`analyze_with_reads`)."""

from __future__ import annotations

import gc
import re

import pytest

from rnninspect.analysis.analyze import analyze_with_reads
from rnninspect.model import FindingKind, Placement, Role
from rnninspect.sources import LoadOptions, load
from tests.models.bite import keras_small as small

LAYER = {"legacy": r"cell_(\d)/basic_lstm_cell/", "keras": r"lstm_cell_(\d)/"}


@pytest.mark.parametrize("dialect", ["legacy", "keras"])
def test_each_cell_applied_once_holds_its_own_kernels_and_bias(fresh, dialect: str) -> None:
    ins = fresh("ptb", dialect=dialect, config="test", num_steps=1, layers=2)
    assert ins.num_steps == 1
    for v in ins.variables:
        found = re.search(LAYER[dialect], v.name)
        if found is None:
            assert v.cell is None, v.name
            continue
        layer = int(found.group(1))
        assert (v.cell, v.layer, v.steps) == (f"cell{layer}", layer, (0,)), v.name
    for cell in ins.cells:
        assert len(cell.variables) == (2 if dialect == "legacy" else 3), cell.name


@pytest.mark.parametrize("steps", [1, 3])
def test_reads_per_step_for_the_gradient_split(steps: int) -> None:
    traced = load("ptb", LoadOptions(dialect="legacy", config="test", num_steps=steps,
                                     layers=1))
    ins, reads = analyze_with_reads(traced)
    for v in ins.variables:
        if v.cell is None:
            assert v.name not in reads, v.name
            continue
        assert sorted(reads[v.name]) == list(range(steps)), v.name
        for step, ops in reads[v.name].items():
            [(op, operand)] = ops
            assert operand in (0, 1) and isinstance(op, str) and "/" in op, (v.name, step)
    assert len({op for v in reads.values() for ops in v.values() for op, _ in ops}) == 2 * steps
    assert gc.isenabled()  # paused for the passes, on again after


def test_the_collector_stays_off_if_it_was_off(fresh) -> None:
    gc.disable()
    try:
        fresh("ptb", dialect="legacy", config="test", num_steps=3, layers=1)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_output_layer_a_few_ops_after_a_cell_applied_once_stays_out(fresh_keras) -> None:
    ins = fresh_keras("simple_once", small.simple_once)
    [cell] = ins.cells
    assert (cell.name, cell.num_steps) == ("cell0", 1)
    for name, role in (("kernel", Role.INPUT_TO_HIDDEN),
                       ("recurrent_kernel", Role.HIDDEN_TO_HIDDEN)):
        v = ins.variable(f"rnn/simple_rnn_cell/{name}")
        assert (v.role, v.cell, v.steps) == (role, "cell0", (0,)), name
    head = ins.variable("head/kernel")
    assert (head.role, head.placement, head.cell) == (Role.HIDDEN_TO_OUTPUT, Placement.AFTER,
                                                      None)


def test_a_simple_rnn_applied_once_keeps_its_bias_and_not_the_heads(fresh_keras) -> None:
    ins = fresh_keras("simple_once", small.simple_once)
    assert ins.variable("rnn/simple_rnn_cell/bias").cell == "cell0"
    assert ins.variable("head/bias").placement is Placement.AFTER


def test_a_product_of_two_weights_is_no_cell(fresh_keras) -> None:
    ins = fresh_keras("low_rank", small.low_rank)
    assert ins.cells == () and ins.num_steps is None
    assert [f.kind for f in ins.findings] == [FindingKind.NO_RECURRENCE]
    assert all(v.cell is None for v in ins.variables)
