"""Findings from a probe's figures (pure): each says where, how much, and a one-line fix.

- `saturated_gate`: a gate with ≥ 90 % of its values beyond a saturation threshold (< 0.1 or
  > 0.9 for a sigmoid, |x| > 0.9 for tanh) at every step from some step s on, for at least
  half the steps. A saturated gate passes (almost) no gradient.
- `exploding_state`: a state whose per-unit RMS at the last step exceeds `EXPLODE_RMS` while
  still growing (growth factor > 1), or whose norm grows by more than `EXPLODE_FACTOR` per step
  over at least `MIN_TREND` steps (the second half of T ≥ 8: fewer steps are the transient
  from the zero state and the noise of one batch, not a trend).
- `vanishing_state`: a state whose norm at the last step is below `VANISH_SHARE` of its peak
  and still shrinking.
- `dead_units`: units whose h never changes over the batch and the steps.
- `nonfinite`: the first Inf/NaN of the forward pass.
"""

from __future__ import annotations

import math
from dataclasses import replace

from rnninspect.model import Severity
from rnninspect.probe.model import CellProbe, ProbeFinding, ProbeKind, ProbeReport

SATURATED_SHARE = 0.9
EXPLODE_RMS = 3.0  # a healthy LSTM cell state stays within a few units per unit at init
EXPLODE_FACTOR = 1.25  # 25 % per step: ×87 over 20 steps
MIN_TREND = 4  # steps in the second half that a growth factor is judged on
VANISH_SHARE = 0.01

GATE_NAMES = {
    "LSTM": {"i": "input gate", "f": "forget gate", "o": "output gate", "j": "candidate (j)",
             "c": "candidate (c)", "g": "candidate (g)"},
    "GRU": {"z": "update gate", "r": "reset gate", "h": "candidate (h)", "u": "update gate"},
}
FIXES = {
    ("f", "high"): "the cell never forgets: check forget_bias and the forget gate's bias "
                   "initialisation",
    ("f", "low"): "the cell forgets everything at each step: check the forget gate's bias "
                  "(a positive forget bias, e.g. 1.0, is the usual start)",
}
GENERIC_FIX = ("its pre-activations are far from zero: check the gate's bias and kernel "
               "initialisation (and the input's scale)")


def with_findings(report: ProbeReport) -> ProbeReport:
    found: list[ProbeFinding] = []
    for cell in report.cells:
        found += _saturated(cell)
        found += _states(cell)
        found += _dead(cell)
    if report.nonfinite is not None:
        found.append(_nonfinite(report))
    return replace(report, findings=tuple(found))


def gate_label(kind: str, gate: str) -> str:
    return GATE_NAMES.get(kind, {}).get(gate, f"gate {gate}")


def _saturated(cell: CellProbe) -> list[ProbeFinding]:
    found = []
    steps = len(cell.steps)
    for gate in cell.gate_order:
        series = [next((g for g in s.gates if g.gate == gate), None) for s in cell.steps]
        if not series or any(g is None for g in series):
            continue
        for side, word in (("high", "right"), ("low", "left")):
            shares = [getattr(g, side) for g in series]
            start = _saturated_from(shares)
            if start is None or steps - start < max(1, (steps + 1) // 2):
                continue
            share = min(shares[start:])
            activation = series[0].activation if series[0] is not None else ""
            what = ("saturated" if activation != "tanh" else
                    ("saturated at +1" if side == "high" else "saturated at −1"))
            found.append(ProbeFinding(
                ProbeKind.SATURATED_GATE, Severity.WARNING,
                f"the {gate_label(cell.kind, gate)} of layer {cell.layer} is {word}-"
                f"{what} on {share:.0%} of units from step {start}",
                FIXES.get((gate, side), GENERIC_FIX), cell=cell.cell, layer=cell.layer,
                gate=gate, step=start, variables=cell.kernels))
    return found


def _saturated_from(shares: list[float]) -> int | None:
    """The first step from which every share is ≥ SATURATED_SHARE (None: never)."""
    start = None
    for t, share in enumerate(shares):
        if not math.isfinite(share) or share < SATURATED_SHARE:
            start = None
        elif start is None:
            start = t
    return start


def _states(cell: CellProbe) -> list[ProbeFinding]:
    found = []
    for state, rate in (("c", cell.c_growth), ("h", cell.h_growth)):
        norms = [s.c_norm if state == "c" else s.h_norm for s in cell.steps]
        known = [n for n in norms if n is not None and math.isfinite(n)]
        if rate is None or not known or not cell.units:
            continue
        last = known[-1]
        rms = last / math.sqrt(cell.units)
        trend = len(norms) - len(norms) // 2 >= MIN_TREND
        if (trend and rate > EXPLODE_FACTOR) or (rms > EXPLODE_RMS and rate > 1.0):
            found.append(ProbeFinding(
                ProbeKind.EXPLODING_STATE, Severity.WARNING,
                f"‖{state}_t‖ of layer {cell.layer} grows ×{rate:.2f} per step, to {last:.3g} "
                f"(RMS {rms:.3g} per unit) at step {len(norms) - 1}",
                "scale the recurrent kernel down (orthogonal init, spectral radius < 1), "
                "clip the cell state or lower the learning rate",
                cell=cell.cell, layer=cell.layer, step=len(norms) - 1,
                variables=cell.kernels))
        elif rate < 1.0 and max(known) > 0 and last < VANISH_SHARE * max(known):
            found.append(ProbeFinding(
                ProbeKind.VANISHING_STATE, Severity.WARNING,
                f"‖{state}_t‖ of layer {cell.layer} decays ×{rate:.2f} per step, to "
                f"{last / max(known):.1%} of its peak at step {len(norms) - 1}",
                "the state forgets its past: raise the forget bias / scale the recurrent "
                "kernel up (orthogonal init)", cell=cell.cell, layer=cell.layer,
                step=len(norms) - 1, variables=cell.kernels))
    return found


def _dead(cell: CellProbe) -> list[ProbeFinding]:
    if not cell.dead_units:
        return []
    n = len(cell.dead_units)
    shown = ", ".join(str(u) for u in cell.dead_units[:8]) + (", …" if n > 8 else "")
    of = f" of {cell.units}" if cell.units else ""
    return [ProbeFinding(
        ProbeKind.DEAD_UNITS, Severity.WARNING,
        f"{n}{of} units of layer {cell.layer} never change over the batch and the steps "
        f"(units {shown})",
        "their kernel columns are zero or saturated: re-initialise them (or drop the units)",
        cell=cell.cell, layer=cell.layer, units=cell.dead_units, variables=cell.kernels)]


def _nonfinite(report: ProbeReport) -> ProbeFinding:
    nf = report.nonfinite
    assert nf is not None
    where = ("before the steps" if nf.step is None
             else f"at step {nf.step}, layer {nf.layer}")
    gate = f" ({nf.gate} gate)" if nf.gate else ""
    fed = f", fed by {nf.weight}" if nf.weight else ""
    return ProbeFinding(
        ProbeKind.NONFINITE, Severity.ERROR,
        f"first non-finite value ({nf.value}) {where}: op {nf.op} ({nf.op_type}){gate}{fed}",
        "guard that op's input (log/sqrt/division of a non-positive value, exp overflow) or "
        "check the weight for Inf/NaN; tf.debugging.enable_check_numerics stops there",
        cell=nf.cell, layer=nf.layer, gate=nf.gate, step=nf.step,
        variables=(nf.weight,) if nf.weight else ())
