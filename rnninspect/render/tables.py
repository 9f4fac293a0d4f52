"""`show` as rich renderables: header, variable table, explanation, findings."""

from __future__ import annotations

import io
from typing import Any

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from rnninspect.model import FindingKind, Inspection, Role, Severity
from rnninspect.render.explain import cell_text, explain, steps_summary
from rnninspect.render.text import shape_text

ROLE_STYLES = {
    Role.EMBEDDING: "magenta",
    Role.INPUT_TO_HIDDEN: "green",
    Role.HIDDEN_TO_HIDDEN: "yellow",
    Role.INPUT_HIDDEN_FUSED: "cyan",
    Role.HIDDEN_TO_OUTPUT: "blue",
    Role.BIAS: "bright_black",
    Role.TRAINING_STATE: "dim",
    Role.OTHER: "white",
}
SEVERITY_STYLES = {Severity.INFO: "cyan", Severity.WARNING: "yellow", Severity.ERROR: "red"}


def _steps_header(ins: Inspection) -> str:
    if ins.dialect == "checkpoint":
        return "unknown (no graph: a checkpoint holds names and shapes only)"
    if ins.num_steps is not None:
        return str(ins.num_steps)
    if any(c.dynamic for c in ins.cells):
        return "dynamic (while loop: every iteration reads the cell's weights)"
    return "— (no recurrence)"


def header(ins: Inspection) -> RenderableType:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    config = dict(ins.config)
    rows = [
        ("model", f"{ins.model} ({ins.dialect})" + (
            " — partly understood (see unresolved below)"
            if any(f.kind is FindingKind.UNRESOLVED for f in ins.findings) else "")),
        ("steps (T)", _steps_header(ins)),
        ("layers", str(ins.layers)),
        ("parameters", f"{ins.total_params:,} unique trainable · "
                       f"{ins.logical_params:,} logical (params × steps reading them)"),
        ("graph", f"{ins.op_count:,} ops in the traced computation" if ins.dialect != "checkpoint"
         else "none (checkpoint only)"),
    ]
    hidden = config.get("hidden_size")
    if hidden is not None:
        rows.insert(1, ("config", ", ".join(f"{k}={v}" for k, v in config.items()
                                            if k in ("hidden_size", "num_layers", "num_steps",
                                                     "vocab_size", "batch_size", "n_input"))))
    if ins.copies:
        rows.insert(2, ("copies", copies_text(ins)))
    if "signature_from" in config:
        rows.insert(1, ("inputs", signature_text(config)))
    for key, value in rows:
        grid.add_row(key, Text(value))
    return grid


_SIGNATURE_FROM = {"first_call": "taken from the model's first call",
                   "build": "taken from the model's build()"}


def signature_text(config: dict[str, Any]) -> str:
    """'[2, 5] int32 — taken from the model's first call'"""
    inputs = ", ".join(f"{shape_text(tuple(shape))} {dtype}" for shape, dtype in
                       zip(config.get("input_shapes", ()), config.get("input_dtypes", ()),
                           strict=False))
    origin = config["signature_from"]
    return f"{inputs} — {_SIGNATURE_FROM.get(origin, origin)}"


def copies_text(ins: Inspection) -> str:
    """'3 copies share these weights: Train (T=20, with optimizer), Valid (T=20), Test (T=1)'"""
    parts = []
    for c in ins.copies:
        details = [f"T={c.num_steps}" if c.num_steps is not None else "no recurrence"]
        if c.training:
            details.append("with optimizer")
        parts.append(f"{c.name} ({', '.join(details)})")
    return f"{len(ins.copies)} copies share these weights: " + ", ".join(parts)


def training_state_note(ins: Inspection) -> str | None:
    """One line for the variables only training machinery touches."""
    state = [v for v in ins.variables if v.role is Role.TRAINING_STATE]
    if not state:
        return None
    return (f"+{len(state)} training-state variable{'s' if len(state) > 1 else ''} "
            f"({sum(v.params for v in state):,} values: optimizer slots, counters, learning "
            "rates) — --all lists them")


SHORT_ROLES = {
    Role.EMBEDDING: "embedding",
    Role.INPUT_TO_HIDDEN: "in→hid",
    Role.HIDDEN_TO_HIDDEN: "hid→hid",
    Role.INPUT_HIDDEN_FUSED: "in+hid fused",
    Role.HIDDEN_TO_OUTPUT: "hid→out",
    Role.BIAS: "bias",
    Role.TRAINING_STATE: "training",
    Role.OTHER: "other",
}
WIDE = 120  # at this width and above the table shows every column with long labels


class VariableTable:
    """The variable table, laid out for the width the console gives it (never the terminal's)."""

    def __init__(self, ins: Inspection, *, show_all: bool = False) -> None:
        self.ins = ins
        self.show_all = show_all

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield variable_table(self.ins, wide=options.max_width >= WIDE, show_all=self.show_all)


def variable_table(ins: Inspection, *, wide: bool = True, show_all: bool = False) -> Table:
    table = Table(title="Variables", title_justify="left", box=box.SIMPLE_HEAD,
                  padding=(0, 1), pad_edge=False)
    table.add_column("name", overflow="fold", min_width=14)
    table.add_column("shape", no_wrap=True)
    if wide:
        table.add_column("dtype", no_wrap=True)
    table.add_column("params", justify="right", no_wrap=True)
    table.add_column("role", no_wrap=True)
    table.add_column("cell", no_wrap=True)
    table.add_column("steps", no_wrap=True)
    if wide:
        table.add_column("shared", no_wrap=True)
    for v in ins.variables:
        if v.role is Role.TRAINING_STATE and not show_all:
            continue
        role = v.role.label if wide else SHORT_ROLES[v.role]
        for extra in v.also_roles:
            role += " + " + (extra.label if wide else SHORT_ROLES[extra])
        if v.row_split is not None and wide:
            a, b = v.row_split.input
            c, d = v.row_split.hidden
            role += f" {b - a}+{d - c}"
        row: list[str | Text] = [Text(v.name), shape_text(v.shape)]
        if wide:
            row.append(v.dtype)
        row += [
            f"{v.params:,}",
            Text(role, style=ROLE_STYLES[v.role]),
            ",".join(cell_text(ins, c) for c in (v.cell, *v.also_cells)) if v.cell else (
                f"({v.placement.value})" if wide else v.placement.value),
            steps_summary(v, ins.num_steps),
        ]
        if wide:
            row.append("yes" if v.shared else "no" if v.reads else "unread")
        table.add_row(*row)
    trainable = sum(v.params for v in ins.variables if v.trainable)
    table.caption = f"{trainable:,} trainable parameters (unique)"
    note = None if show_all else training_state_note(ins)
    if note is not None:
        table.caption += "\n" + note
    table.caption_justify = "right"
    return table


def explanation(ins: Inspection) -> RenderableType:
    lines = [Text("• " + line) for line in explain(ins)]
    return Panel(Group(*lines), title="Where the weights are", title_align="left")


def findings(ins: Inspection) -> RenderableType | None:
    if not ins.findings:
        return None
    items = []
    for f in ins.findings:
        style = SEVERITY_STYLES[f.severity]
        line = Text.assemble((f"{f.severity.value}: ", style), (f"[{f.kind.value}] ", "bold"),
                             f.message)
        items.append(line)
        if f.fix:
            items.append(Text("  fix: " + f.fix, style="dim"))
    return Panel(Group(*items), title="Findings", title_align="left")


def show_renderable(ins: Inspection, *, show_all: bool = False) -> RenderableType:
    parts: list[RenderableType] = [header(ins), VariableTable(ins, show_all=show_all),
                                   explanation(ins)]
    extra = findings(ins)
    if extra is not None:
        parts.append(extra)
    return Group(*parts)


def render_text(ins: Inspection, width: int = 100) -> str:
    """Plain text at a fixed width (tests, __str__): no colour, no terminal queries."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False,
                      legacy_windows=False)
    console.print(show_renderable(ins))
    return buffer.getvalue()


def render_html(ins: Inspection) -> str:
    console = Console(record=True, width=120, file=io.StringIO())
    console.print(show_renderable(ins))
    return console.export_html(inline_styles=True)


__all__: list[Any] = ["render_text", "show_renderable", "variable_table"]
