"""Per-step gradients of shared weights, as a report: how much each time step contributes.

The numbers come from `rnninspect.tf.gradients` (TensorFlow); this module only holds the
report and assembles it from the analysis's `Inspection`. No TensorFlow import.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rnninspect.model import Inspection


@dataclass(frozen=True)
class StepGradients:
    variable: str
    steps: tuple[int, ...]
    norms: tuple[float, ...]  # ‖∂loss/∂(read at step t)‖, summed over a step's reads
    summed: float  # ‖Σ_t ∂loss/∂(read at step t)‖: must equal the weight's own gradient
    total: float  # ‖∂loss/∂weight‖ computed directly by the framework

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


@dataclass(frozen=True)
class GradientReport:
    model: str
    dialect: str
    num_steps: int | None
    loss: float
    variables: tuple[StepGradients, ...]
    dynamic: tuple[str, ...] = ()  # weights read in a while loop: no per-step split


def report_from(inspection: Inspection, loss: float, labels: list[tuple[str, int]],
                norms: list[float], summed: dict[str, float], totals: dict[str, float]
                ) -> GradientReport:
    per_var: dict[str, list[tuple[int, float]]] = {}
    for (name, step), value in zip(labels, norms, strict=True):
        per_var.setdefault(name, []).append((step, float(value)))
    rows = tuple(
        StepGradients(name, tuple(s for s, _ in pairs), tuple(v for _, v in pairs),
                      float(summed.get(name, 0.0)), float(totals.get(name, 0.0)))
        for name, pairs in per_var.items()
    )
    dynamic = tuple(v.name for v in inspection.variables if v.dynamic)
    return GradientReport(inspection.model, inspection.dialect, inspection.num_steps, loss,
                          rows, dynamic)
