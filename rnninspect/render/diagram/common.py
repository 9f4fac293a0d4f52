"""What every view shares: the view enum, step collapsing, block flow, node builders."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from itertools import pairwise
from typing import Any

import graphviz

from rnninspect.model import (
    Cell,
    FindingKind,
    Inspection,
    Placement,
    Role,
    VariableInfo,
)
from rnninspect.render import labels as lb
from rnninspect.render.labels import esc, html

DEFAULT_HEAD = 3
DEFAULT_MAX_NODES = 2000


class View(str, Enum):
    ROLLED = "rolled"
    UNROLLED = "unrolled"
    STEP = "step"



# -- shared structure ------------------------------------------------------------------------


def num_steps(inspection: Inspection) -> int | None:
    """T: the unrolled length, or None for a dynamic loop (or no recurrence)."""
    if inspection.num_steps is not None:
        return inspection.num_steps
    known = [c.num_steps for c in inspection.cells if c.num_steps is not None]
    return max(known) if known else None


def shown_steps(total: int, head: int | None) -> tuple[list[int], int]:
    """The steps drawn and how many are elided (drawn between step head-1 and the last)."""
    if head is None or total <= head + 2:
        return list(range(total)), 0
    return [*range(head), total - 1], total - head - 1


def duplicated(inspection: Inspection) -> frozenset[str]:
    return frozenset(
        name
        for f in inspection.findings
        if f.kind is FindingKind.DUPLICATED_ACROSS_STEPS
        for name in f.variables
    )


def cells_in_order(inspection: Inspection) -> list[Cell]:
    return sorted(inspection.cells, key=lambda c: (c.layer, c.name))


def flow(inspection: Inspection) -> list[tuple[str, str]]:
    """Block-level dataflow edges between endpoint names (``input:x``, variable, cell,
    ``output:y``): `Inspection.links` if present, otherwise a chain derived from placement."""
    if inspection.links:
        return [(link.source, link.target) for link in inspection.links]
    before = _chain(v for v in inspection.variables if v.placement is Placement.BEFORE)
    after = _chain(v for v in inspection.variables if v.placement is Placement.AFTER)
    seq = before + [c.name for c in cells_in_order(inspection)] + after
    edges: list[tuple[str, str]] = []
    if seq:
        edges += [(f"input:{i}", seq[0]) for i in inspection.inputs]
        edges += list(pairwise(seq))
        edges += [(seq[-1], f"output:{o}") for o in inspection.outputs]
    else:
        edges += [
            (f"input:{i}", f"output:{o}") for i in inspection.inputs for o in inspection.outputs
        ]
    return edges


def _chain(variables: Any) -> list[str]:
    """Weights in order, each followed by the bias whose length matches its last dimension."""
    vs: list[VariableInfo] = list(variables)
    weights = [v for v in vs if v.role is not Role.BIAS]
    biases = [v for v in vs if v.role is Role.BIAS]
    out: list[str] = []
    for w in weights:
        out.append(w.name)
        for b in biases:
            if b.shape and w.shape and b.shape[-1] == w.shape[-1]:
                out.append(b.name)
                biases.remove(b)
                break
    return out + [b.name for b in biases]


def reading_cells(inspection: Inspection, v: VariableInfo) -> list[str]:
    """Cells whose steps read a cell variable: from links when they say, else `v.cell`."""
    names = {c.name for c in inspection.cells}
    linked = [
        t
        for s, t in ((ln.source, ln.target) for ln in inspection.links)
        if s == v.name and t in names
    ]
    if linked:
        return list(dict.fromkeys(linked))
    own = [v.cell] if v.cell in names else []
    return own + [c for c in v.also_cells if c in names]  # one cell object in several layers


def estimate_nodes(inspection: Inspection, view: View, *, head: int | None = DEFAULT_HEAD) -> int:
    """Nodes the view would draw, computed from the inspection alone (cheap)."""
    n_io = len(inspection.inputs) + len(inspection.outputs) + 1  # + legend
    if view is View.STEP:
        sg = inspection.step_graph
        return 0 if sg is None else len(sg.ops) + len({op.reads for op in sg.ops if op.reads}) + 1
    if view is View.ROLLED:
        return n_io + len(inspection.variables) + len(inspection.cells)
    total = num_steps(inspection) or 1
    steps, elided = shown_steps(total, head)
    shown = set(steps)
    per_step = sum(
        1
        for v in inspection.variables
        if v.placement is Placement.CELL and len(v.steps) == 1 and v.steps[0] in shown
    )
    others = sum(
        1 for v in inspection.variables if not (v.placement is Placement.CELL and len(v.steps) == 1)
    )
    return (
        n_io + others + per_step + len(steps) * max(1, len(inspection.cells)) + (2 if elided else 0)
    )


# -- node builders ---------------------------------------------------------------------------


def _new_graph(name: str, title: str, rankdir: str) -> graphviz.Digraph:
    g = graphviz.Digraph(name=name)
    g.attr(
        "graph",
        rankdir=rankdir,
        fontname=lb.FONT,
        fontsize="11",
        label=html(f"<B>{esc(title)}</B>"),
        labelloc="t",
        labeljust="l",
        nodesep="0.25",
        ranksep="0.35",
        newrank="true",
        compound="true",
    )
    g.attr(
        "node",
        fontname=lb.FONT,
        fontsize="10",
        shape="box",
        style="rounded,filled",
        margin="0.06,0.03",
    )
    g.attr("edge", fontname=lb.FONT, fontsize="9", color="#333333", arrowsize="0.7")
    return g


def _variable_node(
    g: Any, node_id: str, v: VariableInfo, *, dup: bool, compact: bool = False, detail: bool = True
) -> None:
    fill, border = lb.WARNING_COLOURS if dup else lb.ROLE_COLOURS[v.role]
    note = f"{v.role.label} · duplicated per step" if dup else None
    if compact:
        _scope, base = lb.split_name(v.name)
        rows = [f"<B>{esc(base)}</B>", esc(lb.shape_text(v.shape))]
    else:
        rows = lb.variable_rows(v, role_note=note, detail=detail)
    g.node(
        node_id, html(lb.table(rows)), fillcolor=fill, color=border, penwidth="2" if dup else "1"
    )


def _group_node(g: Any, node_id: str, members: Sequence[VariableInfo], what: str) -> None:
    first, last = members[0], members[-1]
    fill, border = lb.WARNING_COLOURS
    total = sum(v.params for v in members)
    rows = [
        f"<B>{esc(f'{len(members):,} copies of one {first.role.label} weight')}</B>",
        esc(f"{lb.shape_text(first.shape)} each · {lb.count_text(total)} params in all"),
        f"<I>{esc(what)}</I>",
        lb.small(esc(first.name)),
        lb.small(esc("…")),
        lb.small(esc(last.name)),
    ]
    g.node(node_id, html(lb.table(rows)), shape="box3d", fillcolor=fill, color=border, penwidth="2")


def _io_node(g: Any, node_id: str, kind: str, name: str) -> None:
    fill, border = lb.IO_COLOURS
    label = html(lb.table([lb.small(esc(kind)), f"<B>{esc(name)}</B>"]))
    g.node(node_id, label, shape="ellipse", style="filled", fillcolor=fill, color=border)


def _legend(g: Any, inspection: Inspection, *, dup: bool, cell_note: str) -> None:
    roles = [r for r in Role if any(v.role is r for v in inspection.variables)]
    rows = ['<TR><TD COLSPAN="2"><B>legend</B></TD></TR>']
    for r in roles:
        fill = lb.ROLE_COLOURS[r][0]
        rows.append(
            f'<TR><TD BGCOLOR="{fill}" WIDTH="18"> </TD><TD ALIGN="LEFT">{esc(r.label)}</TD></TR>'
        )
    if dup:
        rows.append(
            f'<TR><TD BGCOLOR="{lb.WARNING_COLOURS[0]}" WIDTH="18"> </TD>'
            f'<TD ALIGN="LEFT">{esc("re-created per step (missing reuse?)")}</TD></TR>'
        )
    if any(v.also_cells for v in inspection.variables):
        rows.append(
            f'<TR><TD WIDTH="18"><FONT COLOR="{lb.WARNING_COLOURS[1]}">- -</FONT></TD>'
            f'<TD ALIGN="LEFT">{esc("the same weights read by another layer")}</TD></TR>'
        )
    rows.append(
        f'<TR><TD BGCOLOR="{lb.CELL_COLOURS[0]}" WIDTH="18"> </TD>'
        f'<TD ALIGN="LEFT">{esc(cell_note)}</TD></TR>'
    )
    markup = (
        '<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2" COLOR="#999999">'
        + "".join(rows)
        + "</TABLE>"
    )
    g.node("legend", html(markup), shape="plaintext", style="")


def _title(inspection: Inspection, view: str) -> str:
    t = num_steps(inspection)
    steps = f"T = {t}" if t is not None else "dynamic T"
    return (
        f"{inspection.model} ({inspection.dialect}) · {view} · {steps} · "
        f"{lb.count_text(inspection.total_params)} trainable params"
    )


def _cell_rows(c: Cell, total: int | None, *, step: int | None = None) -> list[str]:
    head = f"{c.kind} cell · layer {c.layer}" if step is None else f"{c.kind} · layer {c.layer}"
    if c.direction is not None:
        head += f" · {c.direction}"
    rows = [f"<B>{esc(head)}</B>"]
    if step is None:
        rows.append(lb.small(esc(c.name)))
        detail = [f"{c.units} units" if c.units is not None else None]
        if c.gate_order:
            detail.append("gates " + " ".join(c.gate_order))
        rows.append(esc(" · ".join(d for d in detail if d)))
    return rows


def _cell_node(
    g: Any, node_id: str, c: Cell, total: int | None, *, step: int | None = None
) -> None:
    fill, border = lb.CELL_COLOURS
    g.node(
        node_id,
        html(lb.table(_cell_rows(c, total, step=step))),
        fillcolor=fill,
        color=border,
        penwidth="1.5",
    )


def _state_label(c: Cell) -> str:
    return ", ".join(c.state) if c.state else "state"


def _edge_colour(v: VariableInfo, dup: bool) -> str:
    return lb.WARNING_COLOURS[1] if dup else lb.ROLE_COLOURS[v.role][1]


