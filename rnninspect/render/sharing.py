"""`sharing`: the sharing matrix (variables × time steps) and the findings panel.

One row per variable, one character per time step: ``█`` the step reads the variable,
``·`` it does not. Rows are grouped by cell (layer), then the variables outside the steps.
Long unrolls collapse to the first steps, ``…N…`` and the last few, so no line is ever wider
than the width the console offers (``options.max_width``; the terminal is never queried).
Every model-derived string reaches rich as a `Text`, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.panel import Panel
from rich.text import Text

from rnninspect.model import FindingKind, Inspection, Placement, VariableInfo
from rnninspect.render.serialize import (
    cell_directions,
    cell_to_dict,
    finding_to_dict,
    variable_to_dict,
)
from rnninspect.render.tables import ROLE_STYLES, SEVERITY_STYLES
from rnninspect.render.text import fit_name
from rnninspect.render.visible import display_inspection

SCHEMA = "rnninspect.sharing/1"
READ, UNREAD = "█", "·"
GAP = 2  # spaces between the name, strip and summary columns
TAIL = 5  # steps kept at the end of a collapsed strip
DYNAMIC = "every iteration"
OUTSIDE = {
    Placement.BEFORE: "once, before",
    Placement.AFTER: "once, after",
    Placement.NONE: "outside steps",
    Placement.CELL: "outside steps",
}


def steps_of(ins: Inspection) -> int:
    """T: the unrolled steps found, or the highest step read + 1; 0 for a pure while loop."""
    if ins.num_steps:
        return ins.num_steps
    return max((s + 1 for v in ins.variables for s in v.steps), default=0)


def groups(ins: Inspection) -> list[tuple[str, list[VariableInfo]]]:
    """(title, variables) per cell in layer order, then the variables outside the steps."""
    out: list[tuple[str, list[VariableInfo]]] = []
    for cell in sorted(ins.cells, key=lambda c: (c.layer, c.name)):
        members = [v for v in ins.variables
                   if v.cell == cell.name or cell.name in v.also_cells]
        units = f" {cell.units}" if cell.units else ""
        tied = sorted({c for v in members for c in (v.cell or "", *v.also_cells)}
                      - {cell.name, ""})
        title = f"{cell.name} · layer {cell.layer} · {cell.kind}{units}"
        if tied:
            title += f" · runs on the same weights as {', '.join(tied)}"
        out.append((title, members))
    known = {c.name for c in ins.cells}
    stray = sorted({v.cell for v in ins.variables if v.cell is not None} - known)
    out += [(name, [v for v in ins.variables if v.cell == name]) for name in stray]
    for placement, title in ((Placement.BEFORE, "before the recurrence"),
                             (Placement.AFTER, "after the recurrence"),
                             (Placement.NONE, "not connected to the recurrence")):
        members = [v for v in ins.variables if v.cell is None and v.placement is placement]
        if members:
            out.append((title, members))
    rest = [v for v in ins.variables if v.cell is None and v.placement is Placement.CELL]
    if rest:
        out.append(("in the steps, no cell", rest))
    return out


def summary_text(v: VariableInfo, total: int) -> str:
    if v.dynamic:
        return DYNAMIC
    if v.reads == 0:
        return "unread"
    if not v.steps:
        return OUTSIDE[v.placement]
    text = f"{len(v.steps)}/{total}" if total else str(len(v.steps))
    if v.also_cells:
        return f"{text} tied ×{1 + len(v.also_cells)}"
    return f"{text} shared" if v.shared else text


@dataclass(frozen=True)
class Columns:
    """Which step each strip column shows: an int, or None for the elided middle."""

    slots: tuple[int | None, ...]
    hidden: range  # the elided steps

    @property
    def width(self) -> int:
        return len(self.slots)


def strip_columns(total: int, width: int) -> Columns:
    """All steps if they fit in `width`, else the first k, a ``…N…`` marker, the last few."""
    if total <= width:
        return Columns(tuple(range(total)), range(0))
    marker = len(f"…{total}…") + 2  # a space either side of the count
    tail = max(1, min(TAIL, (width - marker) // 4))
    head = max(1, width - marker - tail)
    hidden = range(head, total - tail)
    slots = (*range(head), *([None] * marker), *range(total - tail, total))
    return Columns(tuple(slots), hidden)


def _runs(cols: Columns) -> list[tuple[int, int | None]]:
    """(start column, step or None) for each step column and once for the marker."""
    out: list[tuple[int, int | None]] = []
    for i, step in enumerate(cols.slots):
        if step is not None or (i == 0 or cols.slots[i - 1] is not None):
            out.append((i, step))
    return out


def _marker_width(cols: Columns) -> int:
    return sum(1 for s in cols.slots if s is None)


def ruler(cols: Columns) -> Text:
    """Step numbers above the strip: ``…N…`` over the gap first, then the first step after
    it, then every 5th step wherever a label fits without touching another."""
    chars = [" "] * cols.width
    taken = [False] * cols.width
    labels: list[tuple[int, str, int]] = []  # (column, label, gap needed on the left)
    for i, step in _runs(cols):
        if step is None:
            text = f"…{len(cols.hidden)}…"
            labels.insert(0, (i + (_marker_width(cols) - len(text)) // 2, text, 0))
        elif i > 0 and cols.slots[i - 1] is None:
            labels.insert(1, (i, str(step), 0))
        elif step % 5 == 0:
            labels.append((i, str(step), 1))
    for i, label, gap in labels:
        end = i + len(label)
        if end > cols.width or any(taken[max(0, i - gap):min(cols.width, end + 1)]):
            continue
        chars[i:end] = label
        taken[i:end] = [True] * len(label)
    return Text("".join(chars), style="dim")


def strip(v: VariableInfo, cols: Columns) -> Text:
    if v.dynamic:
        return Text(DYNAMIC[:cols.width].ljust(cols.width), style=ROLE_STYLES[v.role])
    read = set(v.steps)
    text = Text()
    for _, step in _runs(cols):
        if step is None:
            count = sum(1 for s in cols.hidden if s in read)
            text.append(f"…{count}…".center(_marker_width(cols))[:_marker_width(cols)], "dim")
        elif step in read:
            text.append(READ, ROLE_STYLES[v.role])
        else:
            text.append(UNREAD, "dim")
    return text


class SharingMatrix:
    """Variables × time steps and the legend, laid out for the width the console gives it."""

    def __init__(self, ins: Inspection) -> None:
        self.ins = ins

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines, collapsed = matrix_lines(self.ins, options.max_width)
        yield from lines
        yield legend(self.ins, collapsed=collapsed)


def matrix_lines(ins: Inspection, width: int) -> tuple[list[Text], bool]:
    """The rows of the matrix at `width` columns, and whether the strip was collapsed."""
    total = steps_of(ins)
    flagged = {n for f in ins.findings if f.kind in (FindingKind.DUPLICATED_ACROSS_STEPS,
                                                     FindingKind.SHARED_ACROSS_LAYERS,
                                                     FindingKind.UNUSED_VARIABLE)
               for n in f.variables}
    summaries = {v.name: summary_text(v, total) for v in ins.variables}
    summary_w = min(20, max((len(s) for s in summaries.values()), default=0)) \
        if width >= 50 else 0
    indent = 2
    natural = indent + max((len(v.name) for v in ins.variables), default=8)
    dynamic = any(v.dynamic for v in ins.variables)
    want = max(total, len(DYNAMIC) if dynamic else 1)
    room = width - summary_w - GAP * (2 if summary_w else 1)
    name_floor = min(natural, max(12, width // 4))
    strip_w = max(1, min(want, room - name_floor))
    if total > strip_w:
        strip_w = max(strip_w, len(f"…{total}…") + 4)
    cols = strip_columns(total, strip_w) if total else Columns((), range(0))
    strip_w = max(cols.width, min(strip_w, len(DYNAMIC)) if dynamic else cols.width)
    name_w = max(4, min(natural, room - strip_w))
    lines = [_row(Text("variable", style="bold"), ruler(cols), Text("steps", style="bold"),
                  name_w, strip_w, summary_w)]
    for title, members in groups(ins):
        lines.append(Text(fit_name(title, width), style="bold"))
        for v in members:
            style = "red" if v.name in flagged else ""
            name = Text(" " * indent + fit_name(v.name, name_w - indent), style=style)
            lines.append(_row(name, strip(v, cols), Text(summaries[v.name][:summary_w]),
                              name_w, strip_w, summary_w))
    return lines, bool(cols.hidden)


def _row(name: Text, bar: Text, summary: Text, name_w: int, strip_w: int,
         summary_w: int) -> Text:
    row = Text()
    row.append_text(name)
    row.pad_right(name_w - name.cell_len)
    row.append(" " * GAP)
    row.append_text(bar)
    row.pad_right(name_w + GAP + strip_w - row.cell_len)
    if summary_w:
        row.append(" " * GAP)
        row.append_text(summary)
    row.rstrip()
    return row


def legend(ins: Inspection, *, collapsed: bool) -> Text:
    parts = [f"{READ} the step reads the variable", f"{UNREAD} it does not"]
    if collapsed:
        parts.append("…N… N steps not shown (rows: how many of them read it)")
    if any(v.dynamic for v in ins.variables):
        parts.append(f"{DYNAMIC}: read inside a while loop")
    return Text("   ".join(parts), style="dim")


def header(ins: Inspection) -> Text:
    total = steps_of(ins)
    steps = f"T = {total}" if total else "dynamic (while loop)"
    in_steps = [v for v in ins.variables if v.steps and v.trainable]
    everywhere = [v for v in in_steps if total and len(v.steps) == total]
    text = Text(f"Sharing in {ins.model} ({ins.dialect}) · {steps} · "
                f"{ins.total_params:,} unique / {ins.logical_params:,} logical parameters",
                style="bold")
    if in_steps:
        text.append(f"\n{len(everywhere)} of {len(in_steps)} variables read in the steps are "
                    f"read at every step", style="")
    return text


def _names(names: Sequence[str], limit: int = 6) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join([*names[:limit - 2], f"… {len(names) - limit + 1} more …", names[-1]])


def findings_panel(ins: Inspection) -> RenderableType:
    if not ins.findings:
        return Panel(Text("No findings: nothing looks like a sharing bug."),
                     title="Findings", title_align="left")
    items: list[RenderableType] = []
    for f in ins.findings:
        items.append(Text.assemble((f"{f.severity.value}: ", SEVERITY_STYLES[f.severity]),
                                   (f.kind.value, "bold")))
        items.append(Text("  " + f.message))
        if f.variables:
            items.append(Text(f"  variables ({len(f.variables)}): {_names(f.variables)}"))
        items.append(Text(f"  parameters at stake: {f.params:,}"))
        if f.fix:
            items.append(Text(f"  fix: {f.fix}", style="green"))
    return Panel(Group(*items), title="Findings", title_align="left")


def sharing_renderable(ins: Inspection) -> RenderableType:
    ins = display_inspection(ins)  # names escaped and elided: data, never control
    return Group(header(ins), Text(""), SharingMatrix(ins), findings_panel(ins))


def sharing_to_dict(ins: Inspection) -> dict[str, Any]:
    """The matrix as data: the variable, cell and finding records of the Inspection JSON
    (one serializer, `render.serialize`)."""
    return {
        "schema": SCHEMA,
        "model": ins.model,
        "dialect": ins.dialect,
        "num_steps": ins.num_steps,
        "total_params": ins.total_params,
        "logical_params": ins.logical_params,
        "cells": [cell_to_dict(c) for c in ins.cells],
        "variables": [variable_to_dict(v, cell_directions(ins)) for v in ins.variables],
        "findings": [finding_to_dict(f) for f in ins.findings],
    }
