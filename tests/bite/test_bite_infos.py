"""The records infos.py builds: a cell's state and units by kind, and the plain fields of
every variable (dtype, no gates on a bias)."""

from __future__ import annotations

from rnninspect.model import Role


def test_a_cell_without_gates_has_no_units_and_one_state(fresh_form) -> None:
    ins = fresh_form("static_basic_rnn")
    [cell] = ins.cells
    assert (cell.kind, cell.units, cell.gate_order, cell.state) == ("RNN", None, (), ("h",))


def test_a_gru_carries_h_and_an_lstm_c_and_h(fresh_form, fresh) -> None:
    [gru] = fresh_form("static_gru", 2).cells
    assert (gru.kind, gru.state, gru.units) == ("GRU", ("h",), 5)
    lstm = fresh("ptb", dialect="legacy", config="test", num_steps=3, layers=2)
    assert all(c.kind == "LSTM" and c.state == ("c", "h") for c in lstm.cells)


def test_plain_fields_of_every_variable(fresh) -> None:
    ins = fresh("ptb", dialect="keras", config="test", num_steps=3, layers=1)
    assert {v.dtype for v in ins.variables} == {"float32"}
    for v in ins.by_role(Role.BIAS):
        assert v.gates is None and v.row_split is None, v.name
