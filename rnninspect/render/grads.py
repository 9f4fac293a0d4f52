"""The per-step gradient report: a table with one sparkline per shared weight."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from rnninspect.analysis.grads import GradientReport
from rnninspect.render.visible import shown, shown_line

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
        cell = Text.assemble(shown(v.variable), "\n", (sparkline(v.norms), "cyan"))
        table.add_row(cell, f"{first:.2e}", f"{v.norms[-1]:.2e}", f"{v.ratio:.3g}",
                      "yes" if v.agrees else "NO")
    notes: list[Any] = [header(report)]
    notes.append(table if report.variables else Text(title))
    if report.variables:
        notes.append(Text(
            "Each step reads a shared weight through its own op; the gradient with respect to "
            "that read is the step's contribution, and they add up to the weight's gradient "
            "(last column). last/first ≪ 1: the early steps dominate; ≫ 1: the late ones do.",
            style="dim"))
    apart = [v for v in report.variables if v.outside > 0]
    if apart:
        notes.append(Text(
            "read outside the steps too (a regulariser such as l2_loss), that part counted "
            "in Σ: " + ", ".join(f"{shown(v.variable)} ‖part‖ = {v.outside:.2e}"
                                  for v in apart), style="dim"))
    for f in report.findings:
        notes.append(Text.assemble((f"{f.kind}: ", "bold yellow"), shown_line(f.message),
                                   ("\n  fix: " + shown_line(f.fix), "dim") if f.fix else ""))
    if report.dynamic:
        more = "…" if len(report.dynamic) > 3 else ""
        notes.append(Text(
            f"{len(report.dynamic)} weight(s) are read once inside a while loop "
            f"({', '.join(shown(n) for n in report.dynamic[:3])}{more}): their gradient "
            "arrives already summed "
            "over the iterations, so per-step contributions need the unrolled form — rebuild "
            "with unroll=True (Keras) or static_rnn (TF1) and run grads again.",
            style="yellow"))
    summed = [(n, dict(report.totals)[n]) for n in (*report.dynamic, *report.unsplit)
              if n in dict(report.totals)]
    if summed:
        notes.append(Text("summed over the steps: " + ", ".join(
            f"{shown(name)} ‖∇‖ = {norm:.2e}" for name, norm in summed), style="dim"))
    return Group(*notes)


def header(report: GradientReport) -> Text:
    """What was differentiated, through which copy, and how Σ=∇ was checked."""
    lines = [f"loss: {report.loss_source}"]
    if report.copy is not None:
        lines.append(f"copy: {report.copy} (of {', '.join(report.copies)}; --copy NAME)")
    lines.append(f"Σ=∇ check: |‖Σ_t part_t‖ − ‖∇W‖| ≤ {report.tolerance:g} · ‖∇W‖")
    lines += list(report.notes)
    return Text("\n".join(shown_line(line) for line in lines), style="dim")


def grads_to_dict(report: GradientReport) -> dict[str, Any]:
    shapes = {name: list(shape) for name, shape in report.shapes}
    return {
        "schema": "rnninspect.grads/1",
        "model": report.model,
        "dialect": report.dialect,
        "num_steps": report.num_steps,
        "loss": report.loss,
        "loss_source": report.loss_source,
        "copy": report.copy,
        "copies": list(report.copies),
        "tolerance": report.tolerance,
        "notes": list(report.notes),
        "variables": [
            {"name": v.variable, "shape": shapes.get(v.variable), "steps": list(v.steps),
             "norms": list(v.norms),
             "reaches_loss": list(v.reaches), "first_step": v.first_step,
             "ratio_last_first": v.ratio, "outside_steps_norm": v.outside,
             "norm_of_sum": v.summed, "gradient_norm": v.total,
             "sum_matches_gradient": v.agrees}
            for v in report.variables
        ],
        "dead_weights": list(report.dead),
        "findings": [
            {"kind": f.kind, "severity": f.severity, "message": f.message,
             "variables": list(f.variables), "steps": list(f.steps), "fix": f.fix}
            for f in report.findings
        ],
        "dynamic": list(report.dynamic),
        "unsplit": list(report.unsplit),
        "gradient_norms": dict(report.totals),
        "shapes": shapes,
    }
