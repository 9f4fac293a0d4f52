"""A cell applied once or twice is still a cell: at T = 1 the previous state is the initial
state, so rows, gates, roles, layers and the output layer are found as at T = 20, and the
two dialects agree on every weight."""

from __future__ import annotations

from collections import Counter

import pytest

from rnninspect import inspect
from rnninspect.model import Inspection, Placement, Role

# What ptb (2 layers) must hold in each dialect, whatever T: role -> how many weights.
ROLES = {
    "legacy": {Role.EMBEDDING: 1, Role.INPUT_HIDDEN_FUSED: 2, Role.BIAS: 3,
               Role.HIDDEN_TO_OUTPUT: 1},
    "keras": {Role.EMBEDDING: 1, Role.INPUT_TO_HIDDEN: 2, Role.HIDDEN_TO_HIDDEN: 2,
              Role.BIAS: 3, Role.HIDDEN_TO_OUTPUT: 1},
}
GATES = {"legacy": ("i", "j", "f", "o"), "keras": ("i", "f", "c", "o")}


def _ptb(dialect: str, steps: int) -> Inspection:
    return inspect("ptb", dialect=dialect, config="small", hidden=4, vocab=12,
                   num_steps=steps)


@pytest.mark.parametrize("steps", [1, 2, 20])
@pytest.mark.parametrize("dialect", ["legacy", "keras"])
def test_roles_steps_and_layers_at_any_length(dialect: str, steps: int) -> None:
    ins = _ptb(dialect, steps)
    assert ins.num_steps == steps
    assert [(c.layer, c.kind, c.gate_order, c.num_steps) for c in ins.cells] == [
        (0, "LSTM", GATES[dialect], steps), (1, "LSTM", GATES[dialect], steps)]
    assert Counter(v.role for v in ins.variables) == ROLES[dialect]
    for v in ins.variables:
        if v.cell is not None:
            assert v.steps == tuple(range(steps)), v.name
            assert v.placement is Placement.CELL
        elif v.role is Role.EMBEDDING:
            assert v.placement is Placement.BEFORE
        else:
            assert v.placement is Placement.AFTER, v.name
    fused = ins.by_role(Role.INPUT_HIDDEN_FUSED)
    assert all(v.row_split is not None and v.row_split.input == (0, 4)
               and v.row_split.hidden == (4, 8) for v in fused)
    if dialect == "keras" and steps == 1:
        # One step from the zero initial state: the recurrent kernels only ever multiply
        # zeros in this graph, which is what dead_weight says (a fused kernel is only
        # partly dead, which is not reported).
        [dead] = ins.findings
        assert dead.kind.value == "dead_weight"
        assert sorted(dead.variables) == sorted(
            v.name for v in ins.by_role(Role.HIDDEN_TO_HIDDEN))
    else:
        assert ins.findings == ()


@pytest.mark.parametrize("steps", [1, 2, 20])
def test_dialects_agree_on_every_weight(steps: int) -> None:
    legacy, keras = _ptb("legacy", steps), _ptb("keras", steps)
    assert legacy.total_params == keras.total_params
    assert legacy.logical_params == keras.logical_params

    def by_cell(ins: Inspection) -> dict[str | None, set[Role]]:
        found: dict[str | None, set[Role]] = {}
        for v in ins.variables:
            found.setdefault(v.cell, set()).add(v.role)
        return found

    # A fused kernel is the Keras input kernel plus recurrent kernel, stacked by rows.
    fused = {Role.INPUT_HIDDEN_FUSED}
    split = {Role.INPUT_TO_HIDDEN, Role.HIDDEN_TO_HIDDEN}
    for cell, roles in by_cell(legacy).items():
        other = by_cell(keras)[cell]
        assert (roles - fused) == (other - split), cell
        assert bool(roles & fused) == (other >= split), cell


def test_mnist_single_step_keeps_its_projection_and_output_layer() -> None:
    ins = inspect("mnist", num_steps=1)
    assert ins.num_steps == 1 and len(ins.cells) == 1
    roles = {v.name: (v.role, v.placement) for v in ins.variables}
    assert roles["Variable"] == (Role.INPUT_TO_HIDDEN, Placement.BEFORE)
    assert roles["Variable_1"] == (Role.HIDDEN_TO_OUTPUT, Placement.AFTER)
    assert [f.kind.value for f in ins.findings] == ["redundant_projection"]
