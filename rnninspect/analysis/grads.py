"""Per-step gradients of shared weights, as a report: how much each time step contributes,
and what the numbers reveal (dead steps, dead weights, vanishing or exploding contributions).

The numbers come from `rnninspect.tf.gradients` (TensorFlow); this module only holds the
report, assembles it from the analysis's `Inspection` and reads findings off it. No
TensorFlow import.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from rnninspect.model import Inspection

TOLERANCE = 1e-4  # |‖Σ_t contribution‖ − ‖∇W‖| ≤ TOLERANCE · ‖∇W‖ (float32 sums)
FADE = 1e-3  # a contribution below FADE × the peak has vanished
EXPLODE = 1e3  # the first contributing step above EXPLODE × the last: exploding
CROSS_ENTROPY = "cross-entropy of the logits against seeded random class ids"
SINGLE_UNIT = "sum of squares of the single output unit (cross-entropy over one class is 0)"
SUM_OF_SQUARES = "sum of squares of the model's outputs (no training loss found; --loss NAME)"


@dataclass(frozen=True)
class StepGradients:
    variable: str
    steps: tuple[int, ...]
    norms: tuple[float, ...]  # ‖∂loss/∂(read at step t)‖, summed over a step's reads
    summed: float  # ‖Σ_t ∂loss/∂(read at step t)‖: must equal the weight's own gradient
    total: float  # ‖∂loss/∂weight‖ computed directly by the framework
    # per step: does anything computed with the weight at that step reach the loss (is
    # there a path from its ops to the loss)? () when not measured
    reaches: tuple[bool, ...] = ()
    # ‖the part from reads outside the steps‖ (a regulariser's l2_loss): in `summed`, so
    # Σ_t part_t + this part = ∇W is what the check checks
    outside: float = 0.0

    @property
    def first_step(self) -> int:
        """The first step that contributes at all (h_-1 = 0 makes step 0 of U exactly 0)."""
        return next((s for s, n in zip(self.steps, self.norms, strict=True) if n > 0),
                    self.steps[0])

    @property
    def ratio(self) -> float:
        """Last step's contribution over the first contributing step's: ≪ 1 the early
        steps dominate (gradients vanish backwards through time), ≫ 1 they explode."""
        first = self.norms[self.steps.index(self.first_step)]
        return math.inf if first == 0 else self.norms[-1] / first

    @property
    def agrees(self) -> bool:
        """Σ=∇: the per-step parts add up to the framework's gradient, within TOLERANCE."""
        return abs(self.summed - self.total) <= TOLERANCE * max(self.total, 1e-30)


@dataclass(frozen=True)
class GradFinding:
    """What the gradients reveal, with the variables and steps it is about and the fix."""

    kind: str  # dead_steps | dead_weight | vanishing | exploding
    severity: str  # warning | info
    message: str
    variables: tuple[str, ...]
    steps: tuple[int, ...] = ()
    fix: str = ""


@dataclass(frozen=True)
class GradientReport:
    model: str
    dialect: str
    num_steps: int | None
    loss: float
    variables: tuple[StepGradients, ...]
    dynamic: tuple[str, ...] = ()  # weights read in a while loop: no per-step split
    unsplit: tuple[str, ...] = ()  # steps found, but read inside function bodies: not split
    loss_source: str = CROSS_ENTROPY  # what the loss is, said in the header
    copy: str | None = None  # the copy the gradients were taken through (None: only one)
    copies: tuple[str, ...] = ()  # every copy of the graph
    tolerance: float = TOLERANCE
    notes: tuple[str, ...] = ()  # e.g. the unrolled twin used for a while loop
    dead: tuple[str, ...] = ()  # trainable weights whose gradient is exactly zero
    totals: tuple[tuple[str, float], ...] = ()  # every trainable weight's ‖∂loss/∂W‖
    feed_length: int | None = None  # the value sequence-length inputs were fed
    # every variable's shape, by the name `show` gives it (the rows and totals use it too)
    shapes: tuple[tuple[str, tuple[int | None, ...]], ...] = ()
    findings: tuple[GradFinding, ...] = field(default=())


def report_from(inspection: Inspection, loss: float, labels: list[tuple[str, int]],
                norms: list[float], summed: dict[str, float], totals: dict[str, float],
                reaches: list[bool] | None = None, outside: dict[str, float] | None = None
                ) -> GradientReport:
    per_var: dict[str, list[tuple[int, float, bool]]] = {}
    flags = reaches if reaches is not None else [True] * len(labels)
    for (name, step), value, flag in zip(labels, norms, flags, strict=True):
        per_var.setdefault(name, []).append((step, float(value), bool(flag)))
    rows = tuple(
        StepGradients(name, tuple(s for s, _, _ in rows), tuple(v for _, v, _ in rows),
                      float(summed.get(name, 0.0)), float(totals.get(name, 0.0)),
                      tuple(f for _, _, f in rows) if reaches is not None else (),
                      float((outside or {}).get(name, 0.0)))
        for name, rows in per_var.items()
    )
    dynamic = tuple(v.name for v in inspection.variables if v.dynamic)
    return GradientReport(inspection.model, inspection.dialect, inspection.num_steps, loss,
                          rows, dynamic,
                          shapes=tuple((v.name, tuple(v.shape)) for v in inspection.variables))


def with_findings(report: GradientReport) -> GradientReport:
    """The report with the findings its numbers support."""
    return replace(report, findings=find_gradient_problems(report))


def find_gradient_problems(report: GradientReport) -> tuple[GradFinding, ...]:
    found: list[GradFinding] = []
    if report.dead:
        found.append(GradFinding(
            "dead_weight", "warning",
            f"{len(report.dead)} trainable weight(s) get an exactly zero gradient from the "
            f"loss: training never changes them ({', '.join(report.dead[:4])})",
            report.dead, (),
            "connect them to the loss, or drop them (a T=1 recurrent kernel with a zero "
            "initial state, a layer whose output is never read)"))
    dead_steps: dict[tuple[int, ...], list[str]] = {}
    for v in report.variables:
        steps = _dead_steps(v)
        if steps:
            dead_steps.setdefault(steps, []).append(v.variable)
        found += _fading(v)
    for steps, names in dead_steps.items():
        found.append(GradFinding(
            "dead_steps", "warning",
            f"steps {_steps(steps)} of {', '.join(names)} contribute exactly zero: nothing "
            "computed at those steps reaches the loss",
            tuple(names), steps,
            "read every step's output (e.g. concatenate both directions' outputs at each "
            "step rather than taking outputs[-1]), or stop computing those steps"))
    return tuple(found)


def _dead_steps(v: StepGradients) -> tuple[int, ...]:
    """Steps where the gradient arriving at the weight's ops is exactly zero (not merely
    the contribution: h_-1 = 0 zeroes step 0 of a recurrent kernel, yet it is alive)."""
    if not v.reaches:
        return ()
    dead = tuple(s for s, r in zip(v.steps, v.reaches, strict=True) if not r)
    return dead if len(dead) < len(v.steps) else ()


def _fading(v: StepGradients) -> list[GradFinding]:
    out: list[GradFinding] = []
    live = [(s, n) for s, n in zip(v.steps, v.norms, strict=True) if n > 0]
    if len(live) < 2:
        return out
    peak_step, peak = max(live, key=lambda sn: sn[1])
    faded = [s for s, n in live if s < peak_step and n < FADE * peak]
    if faded:
        out.append(GradFinding(
            "vanishing", "warning",
            f"{v.variable}: step contributions fall below {FADE:g} of the peak (step "
            f"{peak_step}) at step {max(faded)} going back in time; last/first = "
            f"{v.ratio:.3g}",
            (v.variable,), tuple(faded),
            "put the loss on every step rather than the last only, or shorten the sequences; "
            "a plain RNN cell: use a gated one (LSTM/GRU); an LSTM: a forget-gate bias of 1"))
    first = live[0][1]
    if first > EXPLODE * live[-1][1]:
        out.append(GradFinding(
            "exploding", "warning",
            f"{v.variable}: contributions grow going back in time: the first contributing "
            f"step gives {first / live[-1][1]:.3g}× the last (last/first = {v.ratio:.3g})",
            (v.variable,), tuple(s for s, _ in live),
            "clip gradients (tf.clip_by_global_norm), initialise the recurrent kernel "
            "orthogonally or smaller, lower the learning rate"))
    return out


def _steps(steps: tuple[int, ...]) -> str:
    if len(steps) > 2 and steps == tuple(range(steps[0], steps[-1] + 1)):
        return f"{steps[0]}…{steps[-1]}"
    return ", ".join(str(s) for s in steps)
