"""RNNs applied for one time step (T = 1) are read as they are, not as a longer unroll.

At T = 1 there is no chain of reads to count steps with; what tells a cell is the initial
state it reads. Each truth here is also checked at T = 2 and 3, where chains decide."""

from __future__ import annotations

import pytest

from rnninspect import inspect
from rnninspect.model import FindingKind, Inspection, Role

SMALL = {"config": "test", "hidden": 4, "vocab": 12}
FUSED_ROWS = ((0, 4), (4, 8))  # BasicLSTMCell multiplies concat([inputs, state])


def _tied(dialect: str, layers: int, steps: int) -> Inspection:
    return inspect("ptb-tiedlayers", dialect=dialect, layers=layers, num_steps=steps, **SMALL)


@pytest.mark.parametrize("steps", [1, 2, 3])
@pytest.mark.parametrize("layers", [2, 3])
@pytest.mark.parametrize("dialect", ["legacy", "keras"])
def test_tied_layers_are_layers_at_any_length(dialect: str, layers: int, steps: int) -> None:
    """One cell object run by every layer: N layers on one cell's weights, T steps each —
    one step included, where the N applications form a single chain of reads."""
    ins = _tied(dialect, layers, steps)
    assert ins.num_steps == steps
    assert [(c.layer, c.kind, c.num_steps) for c in ins.cells] == [
        (k, "LSTM", steps) for k in range(layers)]
    names = tuple(c.name for c in ins.cells)
    in_cells = [v for v in ins.variables if v.cell is not None]
    assert in_cells and all((v.cell, *v.also_cells) == names for v in in_cells)
    assert all(v.steps == tuple(range(steps)) for v in in_cells)
    [shared] = [f for f in ins.findings if f.kind is FindingKind.SHARED_ACROSS_LAYERS]
    assert sorted(shared.variables) == sorted(v.name for v in in_cells)
    assert shared.params == (layers - 1) * sum(v.params for v in in_cells)


@pytest.mark.parametrize("steps", [1, 2])
def test_tied_fused_kernel_rows_input_then_state(steps: int) -> None:
    [kernel] = _tied("legacy", 2, steps).by_role(Role.INPUT_HIDDEN_FUSED)
    assert kernel.row_split is not None
    assert (kernel.row_split.input, kernel.row_split.hidden) == FUSED_ROWS


@pytest.mark.parametrize("steps", [1, 2])
def test_tied_keras_kernels_keep_their_roles(steps: int) -> None:
    """Keras' LSTMCell: `kernel` multiplies the inputs, `recurrent_kernel` the state."""
    ins = _tied("keras", 2, steps)
    assert ins.variable("lstm_cell/kernel").role is Role.INPUT_TO_HIDDEN
    assert ins.variable("lstm_cell/recurrent_kernel").role is Role.HIDDEN_TO_HIDDEN
    assert ins.variable("lstm_cell/bias").role is Role.BIAS
