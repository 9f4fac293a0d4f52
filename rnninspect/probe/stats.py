"""Arrays of one cell's values through time -> its `CellProbe` (pure NumPy, no TensorFlow).

Rules, each for every cell the Inspection finds:
- a gate's statistics at a step are over every (batch row, unit) value: the mean, and the
  fraction < 0.1 / > 0.9 for a sigmoid gate (Karpathy et al. 2015), < −0.9 / > 0.9 for a
  tanh (or any other, zero-centred) activation;
- ‖s_t‖ is the L2 norm over units of the state s at step t, averaged over the batch;
- the growth of a state is the geometric per-step factor of its norm over the second half
  of the steps (the first half is the transient from the zero initial state); None below 3
  steps or where a norm is zero or non-finite;
- a unit is dead when its h never changes over the whole batch and all steps (peak-to-peak
  below `DEAD_SPREAD`): zero weights, or a unit saturated for every input;
- a gate's map (for heat-maps) is its mean over the batch at each (step, unit), averaged
  over near-equal bins where there are more than `MAP_CELLS` steps or units.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnninspect.probe.model import (
    HIGH,
    LOW,
    MAP_CELLS,
    TANH_SATURATED,
    CellProbe,
    GateMap,
    GateStep,
    StepValues,
)

DEAD_SPREAD = 1e-6  # float32 noise is ~1e-7 relative; a live unit moves far more
SIGMOIDS = frozenset({"sigmoid", "hard_sigmoid"})


@dataclass(frozen=True)
class CellArrays:
    """What was fetched for one cell: per step, gate -> (activation, array [batch, units]);
    and per step the state arrays (None where the state was not found)."""

    cell: str
    layer: int
    kind: str
    units: int | None
    gate_order: tuple[str, ...]
    kernels: tuple[str, ...]
    gates: tuple[dict[str, tuple[str, Any]], ...]
    h: tuple[Any, ...]
    c: tuple[Any, ...]


def gate_step(gate: str, activation: str, values: Any) -> GateStep:
    a = np.asarray(values, dtype=np.float64)
    if a.size == 0 or not np.all(np.isfinite(a)):
        return GateStep(gate, activation, math.nan, math.nan, math.nan)
    if activation in SIGMOIDS:
        low, high = float(np.mean(a < LOW)), float(np.mean(a > HIGH))
    else:
        low, high = float(np.mean(a < -TANH_SATURATED)), float(np.mean(a > TANH_SATURATED))
    return GateStep(gate, activation, float(np.mean(a)), low, high)


def state_norm(values: Any) -> float | None:
    if values is None:
        return None
    a = np.asarray(values, dtype=np.float64)
    a = a.reshape(a.shape[0], -1) if a.ndim > 1 else a.reshape(1, -1)
    return float(np.mean(np.linalg.norm(a, axis=1)))


def growth(norms: list[float | None]) -> float | None:
    """exp(slope of log‖s_t‖) over the second half of the steps."""
    tail = norms[len(norms) // 2:]
    if len(norms) < 3 or len(tail) < 2:
        return None
    if any(n is None or not math.isfinite(n) or n <= 0.0 for n in tail):
        return None
    logs = np.log(np.asarray(tail, dtype=np.float64))
    slope = float(np.polyfit(np.arange(len(logs), dtype=np.float64), logs, 1)[0])
    return math.exp(slope)


def dead_units(h: tuple[Any, ...]) -> tuple[int, ...]:
    arrays = [np.asarray(a, dtype=np.float64) for a in h if a is not None]
    if not arrays:
        return ()
    stacked = np.stack([a.reshape(-1, a.shape[-1]) for a in arrays])  # [steps, batch, units]
    if not np.all(np.isfinite(stacked)):
        return ()
    spread = np.ptp(stacked.reshape(-1, stacked.shape[-1]), axis=0)
    return tuple(int(u) for u in np.flatnonzero(spread < DEAD_SPREAD))


def bins(n: int, most: int = MAP_CELLS) -> tuple[tuple[int, int], ...]:
    """[start, stop) of at most `most` near-equal consecutive bins covering range(n)."""
    edges = np.linspace(0, n, min(n, most) + 1).round().astype(int)
    return tuple((int(a), int(b)) for a, b in itertools.pairwise(edges))


def gate_maps(arrays: CellArrays, order: tuple[str, ...]) -> tuple[GateMap, ...]:
    """Each gate's mean over the batch, step × unit, binned to at most MAP_CELLS each way;
    a gate missing at some step is left out."""
    maps = []
    for gate in order:
        found = [s.get(gate) for s in arrays.gates]
        if not found or any(f is None for f in found):
            continue
        rows = [np.asarray(f[1], dtype=np.float64) for f in found if f is not None]
        grid = np.stack([r.reshape(-1, r.shape[-1]).mean(axis=0) for r in rows])
        step_bins, unit_bins = bins(grid.shape[0]), bins(grid.shape[1])
        starts = [a for a, _ in step_bins], [c for c, _ in unit_bins]
        sums = np.add.reduceat(np.add.reduceat(grid, starts[0], axis=0), starts[1], axis=1)
        sizes = np.outer([b - a for a, b in step_bins], [d - c for c, d in unit_bins])
        binned = sums / sizes
        activation = found[0][0] if found[0] is not None else ""
        maps.append(GateMap(gate, activation, step_bins, unit_bins,
                            tuple(tuple(float(v) for v in row) for row in binned)))
    return tuple(maps)


def cell_probe(arrays: CellArrays) -> CellProbe:
    order = arrays.gate_order or tuple(dict.fromkeys(g for s in arrays.gates for g in s))
    steps = []
    for t, found in enumerate(arrays.gates):
        gates = tuple(gate_step(g, found[g][0], found[g][1]) for g in order if g in found)
        steps.append(StepValues(t, gates, state_norm(arrays.h[t]), state_norm(arrays.c[t])))
    h_norms = [s.h_norm for s in steps]
    c_norms = [s.c_norm for s in steps]
    return CellProbe(
        cell=arrays.cell, layer=arrays.layer, kind=arrays.kind, units=arrays.units,
        gate_order=order, steps=tuple(steps), dead_units=dead_units(arrays.h),
        kernels=arrays.kernels, h_growth=growth(h_norms),
        c_growth=growth(c_norms) if any(n is not None for n in c_norms) else None,
        maps=gate_maps(arrays, order))
