"""The per-step gradient report: a table with one sparkline per shared weight."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from rnninspect.analysis.grads import GradientReport

BLOCKS = "▁▂▃▄▅▆▇█"
MAX_COLUMNS = 40  # steps drawn before the plot keeps only the first and last ones


def sparkline(norms: tuple[float, ...]) -> str:
    """One block per step, height ∝ the step's gradient norm; long runs keep both ends."""
    values = list(norms)
    elided = 0
    if len(values) > MAX_COLUMNS:
        half = MAX_COLUMNS // 2
        elided = len(values) - 2 * half
        values = values[:half] + values[-half:]
    top = max(values) or 1.0
    chars = [BLOCKS[min(len(BLOCKS) - 1, int(v / top * (len(BLOCKS) - 1) + 0.5))] for v in values]
    if elided:
        half = MAX_COLUMNS // 2
        return "".join(chars[:half]) + f"…{elided}…" + "".join(chars[half:])
    return "".join(chars)


def grads_renderable(report: GradientReport) -> RenderableType:
    steps = f"T = {report.num_steps}" if report.num_steps is not None else \
        "steps not unrolled (while loop)" if report.dynamic else "no recurrence"
    title = (f"Per-step gradient contributions · {report.model} ({report.dialect}) · "
             f"{steps} · loss {report.loss:.4f} on one synthetic batch")
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("variable / per step, first → last", overflow="fold", min_width=20)
    table.add_column("first", justify="right", no_wrap=True)
    table.add_column("last", justify="right", no_wrap=True)
    table.add_column("last/first", justify="right", no_wrap=True)
    table.add_column("Σ=∇", justify="right", no_wrap=True)
    for v in report.variables:
        first = v.norms[v.steps.index(v.first_step)]
        check = "yes" if abs(v.summed - v.total) <= 1e-4 * max(v.total, 1e-12) else "NO"
        cell = Text.assemble(v.variable, "\n", (sparkline(v.norms), "cyan"))
        table.add_row(cell, f"{first:.2e}", f"{v.norms[-1]:.2e}", f"{v.ratio:.3g}", check)
    notes: list[Any] = [table] if report.variables else [Text(title)]
    notes.append(Text(
        "Each step reads a shared weight through its own op; the gradient with respect to "
        "that read is the step's contribution, and they add up to the weight's gradient "
        "(last column). last/first ≪ 1: the early steps dominate; ≫ 1: the late ones do.",
        style="dim"))
    if report.dynamic:
        notes.append(Text(
            f"{len(report.dynamic)} weight(s) are read once inside a while loop "
            f"({', '.join(report.dynamic[:3])}…): their gradient arrives already summed over "
            "the iterations, so per-step contributions need the unrolled form — rebuild with "
            "unroll=True (Keras) or static_rnn (TF1) and run grads again.", style="yellow"))
    return Group(*notes)


def grads_to_dict(report: GradientReport) -> dict[str, Any]:
    return {
        "schema": "rnninspect.grads/1",
        "model": report.model,
        "dialect": report.dialect,
        "num_steps": report.num_steps,
        "loss": report.loss,
        "variables": [
            {"name": v.variable, "steps": list(v.steps), "norms": list(v.norms),
             "first_step": v.first_step, "ratio_last_first": v.ratio,
             "norm_of_sum": v.summed, "gradient_norm": v.total}
            for v in report.variables
        ],
        "dynamic": list(report.dynamic),
    }
