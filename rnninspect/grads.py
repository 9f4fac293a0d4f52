"""Per-step gradients of shared weights: how much each time step contributes.

In an unrolled graph every step reads a shared weight through its own read op, so the
gradient of the loss with respect to that read *is* the step's contribution (they sum to
the weight's gradient). The reads are found by the analysis (`analyze_with_reads`), the
gradients by `tf.gradients` on the same graph, for one synthetic batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

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


def gradients_in_graph(tf: Any, loss: Any, graph: Any,
                       reads: dict[str, dict[int, list[tuple[str, int]]]],
                       ) -> tuple[list[tuple[str, int]], list[Any], dict[str, Any]]:
    """‖step t's contribution to ∂loss/∂W‖ for every shared W, and per W the norm of the sum.

    A step's contribution flows through the ops that compute with W at that step: with
    y = op(..., W, ...) and dy = ∂loss/∂y, it is ∂y/∂W·dy with the op's *other* inputs held
    fixed (they depend on W through earlier steps, which are counted there). This holds
    whether each step has its own read of W or all steps share one (static_rnn's cache).
    """
    labels: list[tuple[str, int]] = []
    groups: list[list[tuple[Any, int]]] = []
    for name, by_step in sorted(reads.items()):
        if len(by_step) < 2:
            continue
        for step in sorted(by_step):
            labels.append((name, step))
            groups.append([(graph.get_operation_by_name(op), k) for op, k in by_step[step]])
    ops = [op for group in groups for op, _ in group]
    upstream = tf.gradients(loss, [op.outputs[0] for op in ops]) if ops else []
    norms: list[Any] = []
    sums: dict[str, list[Any]] = {}
    i = 0
    for (name, _), group in zip(labels, groups, strict=True):
        parts = []
        for op, k in group:
            dy = upstream[i]
            i += 1
            if dy is None:
                continue
            others = [t for j, t in enumerate(op.inputs) if j != k]
            grad = tf.gradients(op.outputs[0], op.inputs[k], grad_ys=dy, stop_gradients=others)[0]
            if grad is not None:
                parts.append(grad)
        norms.append(tf.linalg.global_norm(parts) if parts else tf.constant(0.0))
        sums.setdefault(name, []).extend(parts)
    summed = {name: tf.norm(tf.add_n(parts)) for name, parts in sums.items() if parts}
    return labels, norms, summed


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


def synthetic_loss(tf: Any, logits: Any, seed: int) -> Any:
    """Cross-entropy of the logits against random class ids (one synthetic batch)."""
    classes = int(logits.shape[-1])
    targets = tf.random.stateless_uniform(tf.shape(logits)[:-1], seed=[seed, 1], minval=0,
                                          maxval=classes, dtype=tf.int32)
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=targets, logits=logits))


def random_feed(np: Any, placeholder: Any, rng: Any, int_high: int) -> Any:
    """Random input for a placeholder or TensorSpec (unknown dimensions become 2)."""
    shape = [d if d is not None else 2 for d in placeholder.shape.as_list()]
    if placeholder.dtype.is_integer:
        return rng.integers(0, int_high, size=shape).astype(placeholder.dtype.as_numpy_dtype)
    return rng.standard_normal(shape).astype(placeholder.dtype.as_numpy_dtype)
