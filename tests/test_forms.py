"""Every common RNN form: roles, gates, steps and sharing, checked against known answers."""

from __future__ import annotations

import pytest

from rnninspect import FindingKind, Placement, Role, inspect
from tests.models.forms import keras_forms as kf
from tests.models.forms.keras_forms import T

R = Role


def run(builder, *args):
    model, signature = builder(*args)
    return inspect(model, input_signature=signature)


def roles(ins, cell):
    return sorted((v.role, v.shape) for v in ins.variables if v.cell == cell)


def assert_head_after(ins):
    head = ins.variable("head/kernel")
    assert head.role is R.HIDDEN_TO_OUTPUT and head.placement is Placement.AFTER


@pytest.mark.parametrize("unroll", [False, True])
@pytest.mark.parametrize(("builder", "kind", "gates"), [
    (kf.lstm, "LSTM", ("i", "f", "c", "o")),
    (kf.gru, "GRU", ("z", "r", "h")),
    (kf.simple_rnn, "RNN", ()),
    (kf.custom_cell, "RNN", ()),
])
def test_single_layer_forms(builder, kind, gates, unroll):
    ins = run(builder, unroll)
    (cell,) = ins.cells
    assert cell.kind == kind and cell.gate_order == gates
    assert cell.dynamic is (not unroll)
    assert ins.num_steps == (T if unroll else None)
    in_cell = [v for v in ins.variables if v.cell == cell.name]
    assert {v.role for v in in_cell} >= {R.INPUT_TO_HIDDEN, R.HIDDEN_TO_HIDDEN}
    for v in in_cell:
        assert v.shared
        assert v.dynamic is (not unroll)
        assert v.steps == (tuple(range(T)) if unroll else ())
    assert_head_after(ins)
    assert ins.findings == ()


@pytest.mark.parametrize("unroll", [False, True])
def test_stacked_and_seq2seq_are_two_layers(unroll):
    for builder in (kf.stacked, kf.seq2seq):
        ins = run(builder, unroll)
        assert [c.layer for c in ins.cells] == [0, 1]
        assert all(c.kind == "LSTM" for c in ins.cells)
        assert_head_after(ins)


@pytest.mark.parametrize("unroll", [False, True])
def test_bidirectional_is_two_cells_side_by_side(unroll):
    ins = run(kf.bidirectional, unroll)
    assert [c.layer for c in ins.cells] == [0, 0]
    forward = {v.cell for v in ins.variables if "forward" in v.name}
    backward = {v.cell for v in ins.variables if "backward" in v.name}
    assert len(forward) == len(backward) == 1 and forward != backward


def test_stacked_cells_in_one_rnn_layer():
    ins = run(kf.stacked_cells, True)
    assert [(c.layer, c.kind) for c in ins.cells] == [(0, "LSTM"), (1, "LSTM")]


def test_weight_tying_is_one_variable_with_two_roles():
    ins = run(kf.tied)
    emb = ins.variable("embed/embeddings")
    assert emb.role is R.EMBEDDING and emb.also_roles == (R.HIDDEN_TO_OUTPUT,)
    assert emb.reads == 2 and emb.cell is None
    assert [f.kind for f in ins.findings] == [FindingKind.WEIGHT_TYING]
    assert ins.total_params == sum(v.params for v in ins.variables)


def test_no_recurrence_is_said_and_variables_still_listed():
    ins = run(kf.no_recurrence)
    assert ins.cells == () and ins.num_steps is None
    assert len(ins.variables) == 4
    assert [f.kind for f in ins.findings] == [FindingKind.NO_RECURRENCE]


# --- TF1 forms, built in the legacy worker ---------------------------------------------------


def tf1(name):
    from rnninspect.analysis import analyze
    from rnninspect.tf import worker
    from tests.models.forms.tf1_forms import BuildForm

    return analyze(worker.call(BuildForm(name)))


def test_tf1_dynamic_rnn_reads_its_fused_kernel_every_iteration():
    ins = tf1("dynamic_lstm")
    kernel = ins.variable("rnn/lstm_cell/kernel")
    assert kernel.dynamic and kernel.shared and kernel.steps == ()
    assert kernel.role is R.INPUT_HIDDEN_FUSED
    assert kernel.row_split.input == (0, 3) and kernel.row_split.hidden == (3, 8)
    assert [g.gate for g in kernel.gates] == ["i", "j", "f", "o"]
    assert ins.num_steps is None and ins.cells[0].dynamic
    assert_head_after(ins)


def test_tf1_bidirectional_dynamic_rnn():
    ins = tf1("bidirectional_dynamic")
    assert [(c.layer, c.dynamic) for c in ins.cells] == [(0, True), (0, True)]
    assert {v.role for v in ins.variables if v.shape == (8, 20)} == {R.INPUT_HIDDEN_FUSED}


def test_tf1_static_gru_has_gates_and_candidate_in_one_cell():
    ins = tf1("static_gru")
    (cell,) = ins.cells
    assert cell.kind == "GRU" and cell.gate_order == ("r", "u") and cell.num_steps == 4
    assert len(cell.variables) == 4
    for name in ("rnn/gru_cell/gates/kernel", "rnn/gru_cell/candidate/kernel"):
        v = ins.variable(name)
        assert v.role is R.INPUT_HIDDEN_FUSED and v.row_split.hidden == (3, 8)


def test_tf1_basic_rnn_and_multi_rnn_cell():
    basic = tf1("static_basic_rnn")
    assert basic.variable("rnn/basic_rnn_cell/kernel").row_split.input == (0, 3)
    multi = tf1("static_multi")
    assert [c.layer for c in multi.cells] == [0, 1]
    top = multi.variable("rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel")
    assert top.row_split.input == (0, 5) and top.steps == (0, 1, 2, 3)


def test_tf1_peepholes_and_projection_stay_in_one_cell():
    ins = tf1("static_peephole_projection")
    (cell,) = ins.cells
    assert cell.kind == "LSTM" and len(cell.variables) == 6
    for name in ("rnn/lstm_cell/w_f_diag", "rnn/lstm_cell/w_i_diag"):
        assert ins.variable(name).role is R.HIDDEN_TO_HIDDEN
    # num_proj: the fused kernel's hidden rows take the projected state (2 wide).
    assert ins.variable("rnn/lstm_cell/kernel").row_split.hidden == (3, 5)


def test_tf1_hand_written_cell_with_plain_variables():
    ins = tf1("hand_written")
    assert ins.variable("W").role is R.INPUT_TO_HIDDEN
    assert ins.variable("U").role is R.HIDDEN_TO_HIDDEN
    assert ins.variable("b").role is R.BIAS
    assert all(ins.variable(n).steps == (0, 1, 2, 3) for n in ("W", "U", "b"))
