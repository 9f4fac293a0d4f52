"""The contrast models of the zoo: the other common RNN forms, next to the seed programs."""

from __future__ import annotations

import pytest

from rnninspect import Placement, Role

SMALL = {"num_steps": 5, "hidden": 8}


@pytest.mark.parametrize(("model", "cells", "kind"), [
    ("keras-lstm", [0], "LSTM"),
    ("gru", [0], "GRU"),
    ("bidirectional", [0, 0], "LSTM"),
    ("seq2seq", [0, 1], "LSTM"),
    ("dynamic", [0], "LSTM"),
])
def test_contrast_models_are_while_loops_with_the_right_cells(inspect_cached, model, cells, kind):
    ins = inspect_cached(model, **SMALL)
    assert [c.layer for c in ins.cells] == cells
    assert all(c.kind == kind and c.dynamic and c.num_steps is None for c in ins.cells)
    assert ins.num_steps is None
    assert ins.total_params == sum(v.params for v in ins.variables if v.trainable)
    in_cells = [v for v in ins.variables if v.cell]
    assert in_cells and all(v.dynamic and v.shared and v.steps == () for v in in_cells)
    out = ins.variable("out/kernel")
    assert out.role is Role.HIDDEN_TO_OUTPUT and out.placement is Placement.AFTER
    assert ins.findings == ()


def test_dynamic_rnn_kernel_is_fused_with_its_row_split(inspect_cached):
    ins = inspect_cached("dynamic", **SMALL)
    kernel = ins.variable("rnn/lstm_cell/kernel")
    assert kernel.role is Role.INPUT_HIDDEN_FUSED
    assert (kernel.row_split.input, kernel.row_split.hidden) == ((0, 28), (28, 36))
