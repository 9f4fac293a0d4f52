"""Cell names of the while-loop models: `cell{layer}`, with `_k` for each of several cells
in one layer, in the order their first reads come."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("model", "names"), [
    ("bidirectional", [("cell0_0", 0, "forward"), ("cell0_1", 0, "backward")]),
    ("seq2seq", [("cell0", 0, None), ("cell1", 1, None)]),
    ("gru", [("cell0", 0, None)]),
])
def test_loop_cell_names(fresh, model: str, names: list) -> None:
    ins = fresh(model)
    assert [(c.name, c.layer, c.direction) for c in ins.cells] == names
    assert all(c.dynamic and c.num_steps is None for c in ins.cells)
