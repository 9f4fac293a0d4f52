"""How a run's probe snapshots move from one to the next (pure: plain documents in, frozen
dataclasses out; no TensorFlow, no numpy).

Per snapshot, per layer: each gate's left- and right-saturated shares averaged over the
steps of the probe batch (the share of values < 0.1 / > 0.9 — ∓0.9 for tanh — at a step,
Karpathy et al. 2015), ‖h‖ and ‖c‖ at the last step, and their growth factors per step.
Layers are matched by their index; a snapshot without a layer (or a figure) has None there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

Series = tuple[float | None, ...]


@dataclass(frozen=True)
class GateTrend:
    gate: str
    activation: str
    low: Series  # mean over the steps of the share < 0.1 (tanh: < −0.9), per snapshot
    high: Series  # … > 0.9


@dataclass(frozen=True)
class LayerTrend:
    layer: int
    cell: str
    kind: str
    units: int | None
    gates: tuple[GateTrend, ...]
    h_last: Series  # ‖h‖ at the probe batch's last step
    c_last: Series
    h_growth: Series  # per-step factor (docs/probe.md)
    c_growth: Series


@dataclass(frozen=True)
class Trend:
    model: str
    steps: tuple[int, ...]  # training steps done at each snapshot
    epochs: tuple[int, ...]  # the 1-based epoch each was taken in
    end_of_epoch: tuple[bool, ...]
    layers: tuple[LayerTrend, ...]
    findings: tuple[tuple[str, ...], ...]  # per snapshot: its findings' kinds


def trend(documents: list[dict[str, Any]]) -> Trend:
    """The trend of `documents` (`rnninspect.probe/1` snapshots, oldest first)."""
    cells: dict[int, list[dict[str, Any] | None]] = {}
    for k, doc in enumerate(documents):
        for cell in doc.get("cells", []):
            cells.setdefault(int(cell["layer"]), [None] * len(documents))[k] = cell
    layers = tuple(_layer(layer, found) for layer, found in sorted(cells.items()))
    return Trend(
        model=str(documents[-1].get("model", "")) if documents else "",
        steps=tuple(int(d["step"]) for d in documents),
        epochs=tuple(int(d.get("epoch", 0)) for d in documents),
        end_of_epoch=tuple(bool(d.get("end_of_epoch")) for d in documents),
        layers=layers,
        findings=tuple(tuple(str(f["kind"]) for f in d.get("findings", [])) for d in documents))


def _layer(layer: int, found: list[dict[str, Any] | None]) -> LayerTrend:
    last = next(c for c in reversed(found) if c is not None)
    order = list(last.get("gate_order", []))
    gates = []
    for gate in order:
        activation = next((g["activation"] for c in found if c for s in c["steps"]
                           for g in s["gates"] if g["gate"] == gate), "")
        gates.append(GateTrend(gate, activation,
                               tuple(_mean_share(c, gate, "low") for c in found),
                               tuple(_mean_share(c, gate, "high") for c in found)))
    return LayerTrend(
        layer=layer, cell=str(last["cell"]), kind=str(last["kind"]), units=last.get("units"),
        gates=tuple(gates),
        h_last=tuple(_last_norm(c, "h_norm") for c in found),
        c_last=tuple(_last_norm(c, "c_norm") for c in found),
        h_growth=tuple(_number(c.get("h_growth")) if c else None for c in found),
        c_growth=tuple(_number(c.get("c_growth")) if c else None for c in found))


def _mean_share(cell: dict[str, Any] | None, gate: str, side: str) -> float | None:
    if cell is None:
        return None
    shares = [_number(g.get(side)) for s in cell["steps"] for g in s["gates"] if g["gate"] == gate]
    known = [v for v in shares if v is not None]
    return sum(known) / len(known) if known else None


def _last_norm(cell: dict[str, Any] | None, key: str) -> float | None:
    if cell is None or not cell["steps"]:
        return None
    return _number(cell["steps"][-1].get(key))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None
