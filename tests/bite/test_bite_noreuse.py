"""Per-step copies of a two-layer stack (ptb-noreuse): each copy's step and layer are read
off the dataflow, and must be the ones its name was built with."""

from __future__ import annotations

import re

import pytest

from rnninspect.model import Placement

T = 3
# (step, layer) in the names the zoo builders give each copy
NAMES = {"legacy": r"step_(\d+)/multi_rnn_cell/cell_(\d+)/", "keras": r"lstm_cell_(\d+)_(\d+)/"}


@pytest.mark.parametrize("steps", [2, T])
@pytest.mark.parametrize("dialect", ["legacy", "keras"])
def test_each_copy_has_the_step_and_layer_of_its_name(fresh, dialect: str, steps: int) -> None:
    ins = fresh("ptb-noreuse", dialect=dialect, config="test", num_steps=steps, layers=2)
    assert ins.num_steps == steps
    assert [(c.name, c.layer, c.num_steps) for c in ins.cells] == [("cell0", 0, steps),
                                                                   ("cell1", 1, steps)]
    copies = [v for v in ins.variables if re.search(NAMES[dialect], v.name)]
    assert len(copies) == steps * 2 * (2 if dialect == "legacy" else 3)
    for v in copies:
        found = re.search(NAMES[dialect], v.name)
        assert found is not None
        step, layer = int(found.group(1)), int(found.group(2))
        assert (v.steps, v.layer, v.cell) == ((step,), layer, f"cell{layer}"), v.name
        assert v.placement is Placement.CELL and not v.shared, v.name
    others = [v for v in ins.variables if v not in copies]
    assert [v.placement for v in others] == [Placement.BEFORE, Placement.AFTER, Placement.AFTER]
