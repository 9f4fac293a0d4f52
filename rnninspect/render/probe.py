"""The probe report in the terminal: per layer, per gate, a step × saturation strip (pure).

Each gate row shows its mean activation over the steps, the mean left- and right-saturated
shares, and one block per step whose height is the saturated share at that step (the larger
of left and right; `·` for none, `!` for a non-finite value). State rows show ‖h_t‖ / ‖c_t‖
per step the same way, scaled to their peak, with the first and last values and the growth
factor per step.
"""

from __future__ import annotations

import math

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from rnninspect.probe.findings import gate_label
from rnninspect.probe.model import CellProbe, ProbeReport
from rnninspect.probe.trend import Trend

BLOCKS = "▁▂▃▄▅▆▇█"
MAX_COLUMNS = 40  # steps drawn before a strip keeps only the first and last ones


def strip(values: list[float | None], top: float = 1.0) -> str:
    """One character per step: `·` at zero, blocks up to `top`, `!` non-finite, space
    unknown; long runs keep both ends."""
    chars = [_char(v, top) for v in values]
    if len(chars) > MAX_COLUMNS:
        half = MAX_COLUMNS // 2
        return "".join(chars[:half]) + f"…{len(chars) - 2 * half}…" + "".join(chars[-half:])
    return "".join(chars)


def _char(value: float | None, top: float) -> str:
    if value is None:
        return " "
    if not math.isfinite(value):
        return "!"
    if value <= 0.0 or top <= 0.0:
        return "·"
    return BLOCKS[min(len(BLOCKS) - 1, int(value / top * (len(BLOCKS) - 1) + 0.5))]


def _fmt(value: float | None, spec: str = ".3f") -> str:
    if value is None:
        return "–"
    return format(value, spec) if math.isfinite(value) else str(value)


def _mean(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else math.nan


def cell_table(cell: CellProbe) -> Table:
    units = f", {cell.units} units" if cell.units else ""
    table = Table(title=f"layer {cell.layer} · {cell.cell} ({cell.kind}{units})",
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("gate / state")
    table.add_column("mean", justify="right")
    table.add_column("< lo", justify="right")
    table.add_column("> hi", justify="right")
    table.add_column("saturated share per step, first → last")
    for gate in cell.gate_order:
        series = [g for s in cell.steps for g in s.gates if g.gate == gate]
        if not series:
            continue
        shares: list[float | None] = [max(g.low, g.high) if math.isfinite(g.mean) else math.nan
                                      for g in series]
        table.add_row(f"{gate} {gate_label(cell.kind, gate)} ({series[0].activation})",
                      _fmt(_mean([g.mean for g in series])),
                      _fmt(_mean([g.low for g in series]), ".0%"),
                      _fmt(_mean([g.high for g in series]), ".0%"), strip(shares))
    for state, rate in (("h", cell.h_growth), ("c", cell.c_growth)):
        norms = [s.h_norm if state == "h" else s.c_norm for s in cell.steps]
        known = [n for n in norms if n is not None and math.isfinite(n)]
        if not known:
            continue
        growth = f"×{_fmt(rate, '.2f')}/step" if rate is not None else ""
        table.add_row(f"‖{state}_t‖ {_fmt(norms[0], '.3g')} → {_fmt(norms[-1], '.3g')}", "",
                      "", growth, strip(norms, max(known)))
    if cell.dead_units:
        shown = ", ".join(str(u) for u in cell.dead_units[:12])
        more = ", …" if len(cell.dead_units) > 12 else ""
        table.add_row(f"dead units: {len(cell.dead_units)}", "", "", "", f"{shown}{more}")
    return table


def probe_renderable(report: ProbeReport) -> RenderableType:
    steps = f"T = {report.num_steps}" if report.num_steps is not None else "T unknown"
    batch = f", batch {report.batch}" if report.batch else ""
    parts: list[RenderableType] = [Text(
        f"Values through time · {report.model} ({report.dialect}) · {steps}{batch} · "
        "one forward pass", style="bold")]
    parts += [cell_table(c) for c in report.cells]
    if report.findings:
        parts.append(Text("Findings", style="bold"))
        for f in report.findings:
            line = Text(f"  {f.severity.value}: ", style="yellow" if f.severity.value ==
                        "warning" else "red")
            line.append(f"{f.kind.value}: {f.message}")
            line.append(f"\n    fix: {f.fix}", style="dim")
            parts.append(line)
    else:
        parts.append(Text("No findings: no saturated gate, exploding or vanishing state, "
                          "dead unit or non-finite value.", style="green"))
    for note in report.notes:
        parts.append(Text(f"note: {note}", style="dim"))
    return Group(*parts)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}"


def history_renderable(found: Trend) -> RenderableType:
    """A run's snapshots, one table per layer: a row per snapshot with each gate's mean
    left / right-saturated shares, ‖h‖ and ‖c‖ at the last step and their growth per step."""
    epochs = max(found.epochs, default=0)
    parts: list[RenderableType] = [Text(
        f"Values through time, snapshot by snapshot · {found.model} · {len(found.steps)} "
        f"snapshots over {found.steps[-1] if found.steps else 0} steps, {epochs} epoch"
        f"{'s' if epochs != 1 else ''}", style="bold"),
        Text("gates: % of values < lo / % > hi (mean over the batch's steps); ‖h_T‖, ‖c_T‖ "
             "at its last step; ×/step: growth of ‖h‖ and ‖c‖ per step", style="dim")]
    for layer in found.layers:
        units = f", {layer.units} units" if layer.units else ""
        table = Table(title=f"layer {layer.layer} · {layer.cell} ({layer.kind}{units})",
                      title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column("step", justify="right")
        table.add_column("epoch", justify="right")
        for gate in layer.gates:
            table.add_column(gate.gate, justify="right")
        table.add_column("‖h_T‖", justify="right")
        table.add_column("‖c_T‖", justify="right")
        table.add_column("×/step h c", justify="right")
        for k, step in enumerate(found.steps):
            end = "·" if found.end_of_epoch[k] else ""
            shares = [f"{_percent(g.low[k])}/{_percent(g.high[k])}" for g in layer.gates]
            growth = f"{_fmt(layer.h_growth[k], '.2f')} {_fmt(layer.c_growth[k], '.2f')}"
            table.add_row(str(step), f"{found.epochs[k]}{end}", *shares,
                          _fmt(layer.h_last[k], ".3g"), _fmt(layer.c_last[k], ".3g"), growth)
        parts.append(table)
    parts.append(Text("· an epoch's last snapshot", style="dim"))
    flagged = [(s, kinds) for s, kinds in zip(found.steps, found.findings, strict=True) if kinds]
    if flagged:
        parts.append(Text("Findings by snapshot", style="bold"))
        parts += [Text(f"  step {s}: {', '.join(dict.fromkeys(kinds))}") for s, kinds in flagged]
    else:
        parts.append(Text("No snapshot has a finding.", style="green"))
    return Group(*parts)
