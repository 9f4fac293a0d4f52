"""`show` as rich renderables: header, variable table, explanation, findings."""

from __future__ import annotations

import io
from typing import Any

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from rnninspect.model import FindingKind, Inspection, Role, Severity
from rnninspect.render.explain import cell_text, explain, steps_summary
from rnninspect.render.text import fit_name, shape_text, wrap_name
from rnninspect.render.visible import display_inspection, shown_line

ROLE_STYLES = {
    Role.EMBEDDING: "magenta",
    Role.INPUT_TO_HIDDEN: "green",
    Role.HIDDEN_TO_HIDDEN: "yellow",
    Role.INPUT_HIDDEN_FUSED: "cyan",
    Role.HIDDEN_TO_OUTPUT: "blue",
    Role.BIAS: "bright_black",
    Role.TRAINING_STATE: "dim",
    Role.CARRIED_STATE: "dim yellow",
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
        details = [f"T={c.num_steps}" if c.num_steps is not None
                   else "dynamic" if c.dynamic else "no recurrence"]
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
            "(optimizer state) — --all lists them")


SHORT_ROLES = {
    Role.EMBEDDING: "embedding",
    Role.INPUT_TO_HIDDEN: "in→hid",
    Role.HIDDEN_TO_HIDDEN: "hid→hid",
    Role.INPUT_HIDDEN_FUSED: "in+hid fused",
    Role.HIDDEN_TO_OUTPUT: "hid→out",
    Role.BIAS: "bias",
    Role.TRAINING_STATE: "training",
    Role.CARRIED_STATE: "state",
    Role.OTHER: "other",
}
WIDE_NAME = 40  # the dtype/shared columns and long role labels only when names get this much
CELL_MAX = 20  # a cell named by a long scope is elided like a variable name when space is short
CELL_WIDTHS = (CELL_MAX, 12, 8)
NAME_FLOOR = 12  # cell labels shrink before names get fewer columns than this
NAME_MIN = 24  # names are elided down to this width; below it they break after a "/"


class VariableTable:
    """The variable table, laid out for the width the console gives it (never the terminal's).

    Values are never cut: the wide layout (dtype, shared, long role labels) is used only when
    names still get `WIDE_NAME` columns; names longer than what is left break after a ``/``
    and lose middle scopes as far as needed (``model/…/cell_0/basic_lstm_cell/kernel``);
    every other column keeps its full width.
    """

    def __init__(self, ins: Inspection, *, show_all: bool = False) -> None:
        self.ins = ins
        self.show_all = show_all

    def layout(self, console: Console, options: ConsoleOptions) -> tuple[bool, int, int]:
        """(wide, name width, cell width) for `options.max_width`."""
        names = [len(v.name) for v in self.ins.variables
                 if self.show_all or v.role is not Role.TRAINING_STATE]
        longest = max(names, default=4)
        width = options.max_width
        unbounded = options.update(width=10_000)

        def room(wide: bool, cell_width: int) -> int:
            table = variable_table(self.ins, wide=wide, show_all=self.show_all, name_width=0,
                                   cell_width=cell_width)
            return width - Measurement.get(console, unbounded, table).maximum + len("name")

        wide = room(True, CELL_MAX) >= min(longest, WIDE_NAME)
        for cell_width in CELL_WIDTHS:  # long cell labels give way before names do
            left = room(wide, cell_width)
            if left >= NAME_FLOOR:
                break
        return wide, max(1, min(longest, left)), cell_width

    def natural_width(self, console: Console, options: ConsoleOptions) -> int:
        """The width at which nothing is elided and every column shows."""
        table = variable_table(self.ins, wide=True, show_all=self.show_all)
        return Measurement.get(console, options.update(width=10_000), table).maximum

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        wide, name_width, cell_width = self.layout(console, options)
        yield variable_table(self.ins, wide=wide, show_all=self.show_all, name_width=name_width,
                             cell_width=cell_width)


def variable_table(ins: Inspection, *, wide: bool = True, show_all: bool = False,
                   name_width: int | None = None, cell_width: int = CELL_MAX) -> Table:
    """The table; names longer than `name_width` break after a ``/`` and lose middle scopes
    only as far as needed (two lines at most when `NAME_MIN` or more columns are left for
    them, else three; None: full names on one line)."""
    table = Table(title="Variables", title_justify="left", box=box.SIMPLE_HEAD,
                  padding=(0, 1), pad_edge=False)
    table.add_column("name", overflow="fold")
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
        if v.cell:
            cells = ",".join(cell_text(ins, c) for c in (v.cell, *v.also_cells))
            cells = cells if name_width is None else fit_name(cells, cell_width)
        else:
            cells = f"({v.placement.value})" if wide else v.placement.value
        name = v.name if name_width is None else \
            wrap_name(v.name, name_width, 2 if name_width >= NAME_MIN else 3)
        row: list[str | Text] = [Text(name), shape_text(v.shape)]
        if wide:
            row.append(v.dtype)
        row += [
            f"{v.params:,}",
            Text(role, style=ROLE_STYLES[v.role]),
            cells,
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
    lines = [Text("• " + shown_line(line)) for line in explain(ins)]
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


class ShowLayout:
    """`show`: header, variables, explanation, findings, no wider than the variable table's
    natural width (at least `MIN_WIDTH`) even on a wider console, so piped output and wide
    terminals read alike."""

    MIN_WIDTH = 80

    def __init__(self, ins: Inspection, *, show_all: bool = False) -> None:
        self.ins = display_inspection(ins)  # names escaped and elided: data, never control
        self.table = VariableTable(self.ins, show_all=show_all)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        natural = max(self.MIN_WIDTH, self.table.natural_width(console, options))
        inner = options.update(width=min(options.max_width, natural))
        parts: list[RenderableType] = [header(self.ins), self.table, explanation(self.ins)]
        extra = findings(self.ins)
        if extra is not None:
            parts.append(extra)
        yield from console.render(Group(*parts), inner)


def show_renderable(ins: Inspection, *, show_all: bool = False) -> RenderableType:
    return ShowLayout(ins, show_all=show_all)


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
