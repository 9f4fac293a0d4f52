"""What every diagram view shares: the view enum, the node estimate, node builders, the
layout record. The block graph itself (steps shown, flow) is `rnninspect.render.blocks`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import graphviz

from rnninspect.model import (
    Cell,
    Inspection,
    Placement,
    Role,
    VariableInfo,
)
from rnninspect.render import labels as lb
from rnninspect.render.blocks import num_steps, shown_steps
from rnninspect.render.labels import esc, html
from rnninspect.render.text import count_text, shape_label

DEFAULT_HEAD = 3
DEFAULT_MAX_NODES = 2000


class View(str, Enum):
    ROLLED = "rolled"
    UNROLLED = "unrolled"
    STEP = "step"



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


def new_graph(name: str, title: str, rankdir: str) -> graphviz.Digraph:
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


def variable_node(
    g: Any, node_id: str, v: VariableInfo, *, dup: bool, compact: bool = False, detail: bool = True
) -> None:
    fill, border = lb.WARNING_COLOURS if dup else lb.ROLE_COLOURS[v.role]
    note = f"{v.role.label} · duplicated per step" if dup else None
    if compact:  # the base name, qualified by its cell: two layers' kernels differ
        _scope, base = lb.short_parts(v.name)
        where = f" · {v.cell}" if v.cell else ""
        rows = [f"<B>{esc(base)}</B>{lb.small(esc(where))}", esc(shape_label(v.shape))]
    else:
        rows = lb.variable_rows(v, role_note=note, detail=detail)
    g.node(
        node_id, html(lb.table(rows)), fillcolor=fill, color=border, penwidth="2" if dup else "1",
        tooltip=esc(v.name.replace("\n", " ")),  # the full name, however long
    )


def group_node(g: Any, node_id: str, members: Sequence[VariableInfo], what: str) -> None:
    first, last = members[0], members[-1]
    fill, border = lb.WARNING_COLOURS
    total = sum(v.params for v in members)
    rows = [
        f"<B>{esc(f'{len(members):,} copies of one {first.role.label} weight')}</B>",
        esc(f"{shape_label(first.shape)} each · {count_text(total)} params in all"),
        f"<I>{esc(what)}</I>",
        lb.small(esc(first.name)),
        lb.small(esc("…")),
        lb.small(esc(last.name)),
    ]
    g.node(node_id, html(lb.table(rows)), shape="box3d", fillcolor=fill, color=border, penwidth="2")


def io_node(g: Any, node_id: str, kind: str, name: str) -> None:
    fill, border = lb.IO_COLOURS
    label = html(lb.table([lb.small(esc(kind)), f"<B>{esc(name)}</B>"]))
    g.node(node_id, label, shape="ellipse", style="filled", fillcolor=fill, color=border)


def draw_legend(g: Any, inspection: Inspection, *, dup: bool, cell_note: str) -> None:
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


def graph_title(inspection: Inspection, view: str) -> str:
    t = num_steps(inspection)
    steps = f"T = {t}" if t is not None else "dynamic T"
    primary = next((c for c in inspection.copies if c.primary), None)
    copy = (f" · copy {primary.name} of {len(inspection.copies)} sharing these weights"
            if primary is not None else "")
    return (
        f"{inspection.model} ({inspection.dialect}) · {view} · {steps} · "
        f"{count_text(inspection.total_params)} trainable params{copy}"
    )


def cell_rows(c: Cell, *, step: int | None = None) -> list[str]:
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


def cell_node(
    g: Any, node_id: str, c: Cell, *, step: int | None = None
) -> None:
    fill, border = lb.CELL_COLOURS
    g.node(
        node_id,
        html(lb.table(cell_rows(c, step=step))),
        fillcolor=fill,
        color=border,
        penwidth="1.5",
    )


def state_label(c: Cell) -> str:
    return ", ".join(c.state) if c.state else "state"


def edge_colour(v: VariableInfo, dup: bool) -> str:
    return lb.WARNING_COLOURS[1] if dup else lb.ROLE_COLOURS[v.role][1]


@dataclass
class Layout:
    g: graphviz.Digraph
    ids: lb.NodeIds
    endpoint: dict[str, str]  # endpoint name (input:x, variable, cell, output:y) -> node id


def duplicate_groups(
    members: Sequence[VariableInfo], dup: frozenset[str]
) -> list[list[VariableInfo]]:
    """Each variable alone, except per-step duplicates of one (cell, role, shape): one group."""
    groups: dict[tuple[Any, ...], list[VariableInfo]] = {}
    for v in members:
        key: tuple[Any, ...] = (
            ("dup", v.cell, v.role, v.shape) if v.name in dup else ("one", v.name)
        )
        groups.setdefault(key, []).append(v)
    return list(groups.values())


def draw_io(lay: Layout, i: Inspection) -> None:
    for name in i.inputs:
        nid = lay.ids("input", name)
        lay.endpoint[f"input:{name}"] = nid
        io_node(lay.g, nid, "input", name)
    for name in i.outputs:
        nid = lay.ids("output", name)
        lay.endpoint[f"output:{name}"] = nid
        io_node(lay.g, nid, "output", name)
