"""A Keras GRU called once per step by a Python loop (tests/models/bite/keras_per_step.py):
its one-iteration loops are the T steps of one cell, alone or above an encoder loop."""

from __future__ import annotations

import pytest

from rnninspect.model import Inspection, Placement, Role
from tests.models.bite import keras_per_step as m

# role, reads per call (the bias: its input and recurrent rows)
DECODER = {"decoder/gru_cell/kernel": (Role.INPUT_TO_HIDDEN, 1),
           "decoder/gru_cell/recurrent_kernel": (Role.HIDDEN_TO_HIDDEN, 1),
           "decoder/gru_cell/bias": (Role.BIAS, 2)}


def _assert_decoder(ins: Inspection, cell: str, layer: int, steps: int = m.T) -> None:
    assert ins.num_steps == steps
    [c] = [c for c in ins.cells if c.name == cell]
    assert (c.layer, c.kind, c.gate_order, c.num_steps, c.dynamic, c.units) == (
        layer, "GRU", ("z", "r", "h"), steps, False, m.H)
    assert sorted(c.variables) == sorted(DECODER)
    for name, (role, per_call) in DECODER.items():
        v = ins.variable(name)
        assert (v.role, v.placement, v.cell, v.layer) == (role, Placement.CELL, cell, layer), name
        assert v.steps == tuple(range(steps)) and not v.dynamic and v.shared, name
        assert v.reads == per_call * steps and not v.dead and v.also_cells == (), name
    assert [g.gate for g in ins.variable("decoder/gru_cell/kernel").gates or ()] == ["z", "r", "h"]


def test_per_step_calls_are_the_steps_of_one_cell(fresh_keras) -> None:
    ins = fresh_keras("per_step", m.build)
    _assert_decoder(ins, "cell0", 0)
    assert [c.name for c in ins.cells] == ["cell0"]


def test_the_output_layer_after_per_step_calls_is_after_them(fresh_keras) -> None:
    """With no while loop around the calls, their own loops tell before from after (was:
    the head placed nowhere, role other, an unresolved finding)."""
    ins = fresh_keras("per_step", m.build)
    head = ins.variable("head/kernel")
    assert (head.role, head.placement) == (Role.HIDDEN_TO_OUTPUT, Placement.AFTER)
    assert ins.findings == ()


@pytest.mark.parametrize("steps", [2, m.T])
def test_per_step_calls_above_an_encoder_loop(fresh_keras, steps: int) -> None:
    ins = fresh_keras(f"per_step_encoded{steps}", lambda: m.build(encoded=True, steps=steps))
    _assert_decoder(ins, "cell1", 1, steps)
    encoder = ins.cells[0]
    assert (encoder.name, encoder.layer, encoder.dynamic, encoder.num_steps) == (
        "cell0", 0, True, None)
    for name in encoder.variables:
        v = ins.variable(name)
        assert v.dynamic and v.steps == () and v.cell == "cell0", name
    head = ins.variable("head/kernel")
    assert (head.role, head.placement, head.cell) == (Role.HIDDEN_TO_OUTPUT, Placement.AFTER,
                                                      None)
    assert ins.findings == ()
    links = {(lk.source, lk.target) for lk in ins.links}
    assert {("cell0", "cell1"), ("cell1", "head/kernel")} <= links


def test_a_projection_before_per_step_calls_is_before_them(fresh_keras) -> None:
    ins = fresh_keras("per_step_projected", lambda: m.build(projected=True))
    _assert_decoder(ins, "cell0", 0)
    proj = ins.variable("proj/kernel")
    assert (proj.role, proj.placement, proj.cell) == (Role.INPUT_TO_HIDDEN, Placement.BEFORE,
                                                      None)
    head = ins.variable("head/kernel")
    assert (head.role, head.placement) == (Role.HIDDEN_TO_OUTPUT, Placement.AFTER)


def test_the_step_graph_of_per_step_calls_holds_that_calls_reads(fresh_keras) -> None:
    ins = fresh_keras("per_step", m.build)
    sg = ins.step_graph
    assert sg is not None and sg.step == 1
    assert sorted(o.reads for o in sg.ops if o.reads) == sorted(DECODER)


def test_one_call_alone_is_a_while_loop_cell_not_a_run(fresh_keras) -> None:
    """per_step_runs: a run is two or more one-iteration loops; a layer called once on a
    one-step sequence stays the while-loop cell it is."""
    from tests.models.forms import keras_forms as kf

    ins = fresh_keras("one_step_gru", lambda: kf.one_step_gru(1, False, False))
    [cell] = ins.cells
    assert cell.dynamic and cell.num_steps is None
    assert all(ins.variable(n).dynamic for n in cell.variables)

