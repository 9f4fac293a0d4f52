"""What `probe` measures: frozen dataclasses of plain values (no TensorFlow, no arrays).

A `ProbeReport` holds, per recurrent cell (one layer), per time step: each gate's activation
statistics (mean, fraction of units < 0.1 and > 0.9 — Karpathy, Johnson & Fei-Fei 2015),
the state norms ‖h_t‖ and ‖c_t‖ (L2 over units, mean over the batch), the dead units, and
the first non-finite value of the forward pass; `Inspection`-style findings ride along.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from rnninspect.model import Severity

SCHEMA = "rnninspect.probe/1"

LOW, HIGH = 0.1, 0.9  # sigmoid saturation thresholds (Karpathy et al. 2015)
TANH_SATURATED = 0.9  # a tanh unit is saturated where |activation| > 0.9


class ProbeKind(str, Enum):
    SATURATED_GATE = "saturated_gate"
    EXPLODING_STATE = "exploding_state"
    VANISHING_STATE = "vanishing_state"
    DEAD_UNITS = "dead_units"
    NONFINITE = "nonfinite"


@dataclass(frozen=True)
class GateStep:
    """One gate at one step. `activation` is the op that computes it ("sigmoid", "tanh", …).
    Sigmoid: `low` / `high` are the fractions of (batch × unit) values < 0.1 / > 0.9; tanh:
    < −0.9 / > 0.9. NaN where the gate held a non-finite value."""

    gate: str
    activation: str
    mean: float
    low: float
    high: float


@dataclass(frozen=True)
class StepValues:
    step: int
    gates: tuple[GateStep, ...]
    h_norm: float | None  # ‖h_t‖ (L2 over units), mean over the batch
    c_norm: float | None  # ‖c_t‖, LSTMs only


@dataclass(frozen=True)
class GateMap:
    """One gate's activations over the probe batch as a step × unit grid (the mean over the
    batch rows), for `report --probe`'s heat-maps. Beyond `MAP_CELLS` steps or units the
    grid is binned: `step_bins` / `unit_bins` hold each row's / column's [start, stop) and
    its value is the mean over the bin. NaN where a value was non-finite."""

    gate: str
    activation: str
    step_bins: tuple[tuple[int, int], ...]
    unit_bins: tuple[tuple[int, int], ...]
    values: tuple[tuple[float, ...], ...]  # [len(step_bins)][len(unit_bins)]


MAP_CELLS = 128  # most rows (steps) and columns (units) a heat-map keeps


@dataclass(frozen=True)
class CellProbe:
    cell: str
    layer: int
    kind: str  # "LSTM", "GRU", "RNN"
    units: int | None
    gate_order: tuple[str, ...]
    steps: tuple[StepValues, ...]
    dead_units: tuple[int, ...]  # h never varies (over batch and steps)
    kernels: tuple[str, ...]  # the weights whose columns the gates are
    h_growth: float | None  # per-step factor of ‖h_t‖ (geometric, second half of the steps)
    c_growth: float | None
    maps: tuple[GateMap, ...] = ()  # per gate, for heat-maps (not in the JSON document)


@dataclass(frozen=True)
class NonFinite:
    """The first op of the forward pass whose output holds an Inf or NaN while its inputs
    hold none."""

    op: str
    op_type: str
    value: str  # "nan", "inf", "-inf"
    step: int | None  # None: before the steps
    layer: int | None
    cell: str | None
    gate: str | None
    weight: str | None  # the nearest weight upstream of the op


@dataclass(frozen=True)
class ProbeFinding:
    kind: ProbeKind
    severity: Severity
    message: str
    fix: str
    cell: str | None = None
    layer: int | None = None
    gate: str | None = None
    step: int | None = None
    units: tuple[int, ...] = ()
    variables: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProbeReport:
    model: str
    dialect: str
    inspection_schema: str  # the Inspection it was computed on (`model` + its schema)
    num_steps: int | None
    batch: int | None
    cells: tuple[CellProbe, ...]
    nonfinite: NonFinite | None
    findings: tuple[ProbeFinding, ...] = ()
    notes: tuple[str, ...] = ()
    dynamic: tuple[str, ...] = ()  # cells with no per-step values (while loop, conditional)
