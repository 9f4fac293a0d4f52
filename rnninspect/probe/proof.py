"""Proof that the values the graph probe located for a cell are that cell's gates and states.

`probe.locate` finds a cell's gates by following its kernel's columns to the first
activation op, and its states from there. Op types can mislead — a hard sigmoid is a `Relu6`
and a division, a linear activation no op at all, an activation the analysis does not know
leaves it without gate blocks — so the values fetched are checked against what makes them
the cell's, whatever op computes them (pure numpy on the fetched arrays):

- h_t is the cell's state: it is what the cell's recurrent weight multiplies at step t + 1
  (that product's other operand, or a fused kernel's hidden rows of it), at every step but
  the last;
- an LSTM's c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t, g its candidate block, from step 1 on;
- a GRU's h_t = z_t ⊙ h_{t−1} + (1 − z_t) ⊙ h̃_t, z its update gate (TF1: u), h̃ its
  candidate block, from step 1 on.

Values are compared where every operand is finite (a non-finite value is the `nonfinite`
finding's), to `RTOL`/`ATOL`. A cell of one step has no next step or previous state to check
against: it is taken as located. `unproven` says which rule a cell breaks first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# float32 values recomputed in float64: a faithful equation holds to ~1e-7 relative
RTOL, ATOL = 1e-4, 1e-5
LSTM_GATES = ("i", "f", "o")
UPDATE_GATES = ("z", "u")  # a GRU's update gate: Keras z, TF1 GRUCell u
RESET_GATE = "r"


@dataclass(frozen=True)
class CellValues:
    """A cell's fetched values: per step, gate -> [batch, units] array, h, c (None where not
    located), and the operands its recurrent weights multiply (cut to the state's rows)."""

    kind: str
    gates: tuple[dict[str, Any], ...]
    h: tuple[Any, ...]
    c: tuple[Any, ...]
    state_reads: tuple[tuple[Any, ...], ...]


def unproven(cell: CellValues) -> str | None:
    """Why these values cannot be the cell's (the first rule they break), or None."""
    steps = len(cell.h)
    if steps < 2:
        return None
    if any(h is None for h in cell.h):
        return "its state h could not be located at every step"
    for t in range(steps - 1):
        if not any(_same(cell.h[t], read) for read in cell.state_reads[t + 1]):
            return (f"the h located at step {t} is not what its recurrent weight multiplies "
                    f"at step {t + 1}")
    if cell.kind == "LSTM":
        return _lstm(cell)
    if cell.kind == "GRU":
        return _gru(cell)
    return None


def _lstm(cell: CellValues) -> str | None:
    names = _names(cell)
    candidates = sorted(names - set(LSTM_GATES))
    if not names >= set(LSTM_GATES) or len(candidates) != 1 or any(c is None for c in cell.c):
        return "its gates i, f, o, candidate and state c could not all be located"
    g = candidates[0]
    for t in range(1, len(cell.c)):
        gates = cell.gates[t]
        if not _same(cell.c[t], gates["f"] * cell.c[t - 1] + gates["i"] * gates[g]):
            return (f"c_t ≠ f·c_(t−1) + i·{g} at step {t}: the values located are not its "
                    "gates and state carried from step to step")
    return None


def _gru(cell: CellValues) -> str | None:
    names = _names(cell)
    update = [n for n in UPDATE_GATES if n in names]
    candidates = sorted(names - set(UPDATE_GATES) - {RESET_GATE})
    if len(update) != 1 or len(candidates) != 1:
        return "its update gate and candidate could not both be located"
    z, g = update[0], candidates[0]
    for t in range(1, len(cell.h)):
        gates = cell.gates[t]
        if not _same(cell.h[t], gates[z] * cell.h[t - 1] + (1 - gates[z]) * gates[g]):
            return (f"h_t ≠ {z}·h_(t−1) + (1 − {z})·{g} at step {t}: the values located are "
                    "not its gates and state carried from step to step")
    return None


def _names(cell: CellValues) -> set[str]:
    """The gates located at every step."""
    return set.intersection(*(set(g) for g in cell.gates)) if cell.gates else set()


def _same(a: Any, b: Any) -> bool:
    """Equal where both are finite (and of one shape)."""
    if a is None or b is None:
        return False
    x, y = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if x.shape != y.shape:
        return False
    finite = np.isfinite(x) & np.isfinite(y)
    return bool(np.allclose(x[finite], y[finite], rtol=RTOL, atol=ATOL))
