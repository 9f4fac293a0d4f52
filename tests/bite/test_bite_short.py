"""TF1 cells unrolled for one or two steps (tests/models/forms/tf1_forms.py with `steps`):
two chains of length 2 are still one cell, cells applied once are still cells, and two
cells of one layer get distinct names."""

from __future__ import annotations

import pytest

from rnninspect.model import Placement, Role, RowSplit

GRU = "rnn/gru_cell/"
LSTM = "rnn/lstm_cell/"
FW, BW = "bidirectional_rnn/fw/basic_lstm_cell/", "bidirectional_rnn/bw/basic_lstm_cell/"


def test_a_gru_of_two_steps_is_one_cell_of_two_chains(fresh_form) -> None:
    ins = fresh_form("static_gru", 2)
    [cell] = ins.cells
    assert (cell.name, cell.kind, cell.gate_order, cell.num_steps) == ("cell0", "GRU",
                                                                      ("r", "u"), 2)
    assert len(cell.variables) == 4
    for part in ("gates", "candidate"):
        kernel = ins.variable(f"{GRU}{part}/kernel")
        assert (kernel.role, kernel.cell, kernel.steps) == (Role.INPUT_HIDDEN_FUSED, "cell0",
                                                            (0, 1))
        assert kernel.row_split == RowSplit(input=(0, 3), hidden=(3, 8))
        assert ins.variable(f"{GRU}{part}/bias").role is Role.BIAS
    assert ins.findings == ()


def test_peepholes_and_projection_of_two_steps_are_one_cell(fresh_form) -> None:
    ins = fresh_form("static_peephole_projection", 2)
    [cell] = ins.cells
    assert (cell.kind, cell.gate_order, cell.num_steps, len(cell.variables)) == (
        "LSTM", ("i", "j", "f", "o"), 2, 6)
    for name in ("w_f_diag", "w_i_diag", "w_o_diag", "projection/kernel"):
        v = ins.variable(LSTM + name)
        assert (v.role, v.cell, v.steps) == (Role.HIDDEN_TO_HIDDEN, "cell0", (0, 1)), name
    assert ins.variable(LSTM + "kernel").row_split == RowSplit(input=(0, 3), hidden=(3, 5))
    assert ins.findings == ()


@pytest.mark.parametrize("steps", [1, 2])
def test_two_cells_of_one_layer_get_distinct_names(fresh_form, steps: int) -> None:
    ins = fresh_form("static_bidirectional", "all", steps)
    assert [(c.name, c.layer, c.kind, c.num_steps) for c in ins.cells] == [
        ("cell0_0", 0, "LSTM", steps), ("cell0_1", 0, "LSTM", steps)]
    assert [c.direction for c in ins.cells] == (
        [None, None] if steps == 1 else ["forward", "backward"])  # one step has no order
    for prefix, cell in ((FW, "cell0_0"), (BW, "cell0_1")):
        kernel = ins.variable(prefix + "kernel")
        assert (kernel.role, kernel.cell, kernel.steps) == (Role.INPUT_HIDDEN_FUSED, cell,
                                                            tuple(range(steps)))
        assert kernel.row_split == RowSplit(input=(0, 3), hidden=(3, 8))
        assert [g.gate for g in kernel.gates or ()] == ["i", "j", "f", "o"]
    head = ins.variable("head/kernel")
    assert (head.role, head.placement) == (Role.HIDDEN_TO_OUTPUT, Placement.AFTER)
    assert ins.findings == ()


def test_two_layers_applied_once(fresh_form) -> None:
    ins = fresh_form("static_multi", 1)
    assert [(c.name, c.layer, c.num_steps) for c in ins.cells] == [("cell0", 0, 1),
                                                                   ("cell1", 1, 1)]
    top = ins.variable("rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel")
    assert (top.cell, top.steps) == ("cell1", (0,))
    assert top.row_split == RowSplit(input=(0, 5), hidden=(5, 10))
    assert ins.findings == ()


def test_a_gru_applied_once_keeps_its_candidate_kernel(fresh_form) -> None:
    ins = fresh_form("static_gru", 1)
    kernel = ins.variable(f"{GRU}candidate/kernel")
    assert (kernel.role, kernel.cell) == (Role.INPUT_HIDDEN_FUSED, "cell0")


def test_peepholes_applied_once_are_one_cell_of_one_step(fresh_form) -> None:
    ins = fresh_form("static_peephole_projection", 1)
    assert ins.num_steps == 1 and len(ins.cells) == 1
    assert ins.variable(LSTM + "kernel").role is Role.INPUT_HIDDEN_FUSED
