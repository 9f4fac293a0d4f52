"""Diagrams of an `Inspection` as graphviz DOT: rolled, unrolled and single-step views.

`to_dot` only assembles DOT text (a `graphviz.Digraph`); it never runs ``dot``. Writing
SVG/PNG/PDF is `rnninspect.render.save.save_diagram`'s job. Output is deterministic: nodes
and edges are emitted in the inspection's own order (never from a set), so the same
inspection gives the same bytes.

Views
-----
rolled    input → embedding/projection → one box per recurrent cell (per layer) with a
          self-loop for the T steps and the state it carries → output layer. Every weight is
          its own node, coloured by role; weights read outside the cells sit outside the
          "recurrence" cluster.
unrolled  one cluster per time step, state edges between steps, each variable drawn once
          with an edge to every step that reads it (so sharing is a fan-out from one node);
          variables re-created per step are one warning-coloured node per step. Long
          sequences collapse to the first `head` steps, an elided "… × N steps" node and
          the last step, so the drawing's size does not grow with T.
step      the op-level graph of one time step, variable reads and gates marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from itertools import pairwise
from typing import Any

import graphviz

from rnninspect.errors import InvalidOptionError
from rnninspect.model import (
    Cell,
    FindingKind,
    Inspection,
    Placement,
    Role,
    StepGraph,
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


def to_dot(
    inspection: Inspection,
    view: str | View = View.ROLLED,
    *,
    head: int | None = DEFAULT_HEAD,
    step: int | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> graphviz.Digraph:
    """Build the DOT graph of one view of `inspection` (never runs ``dot``).

    head: unrolled view only: steps drawn before the elided middle (None: draw every step).
    step: step view only: which time step's op graph to draw (default: the one traced).
    max_nodes: refuse (InvalidOptionError) when the estimated node count is above this.
    """
    v = _parse_view(view)
    if head is not None and (isinstance(head, bool) or not isinstance(head, int) or head < 1):
        raise InvalidOptionError(
            f"head must be an integer ≥ 1 (or None for no collapsing); got {head!r}"
        )
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise InvalidOptionError(f"max_nodes must be an integer ≥ 1; got {max_nodes!r}")
    if step is not None and v is not View.STEP:
        raise InvalidOptionError(
            f"step applies to view='step' only; got step={step!r} with view={v.value!r}"
        )
    estimate = estimate_nodes(inspection, v, head=head)
    if estimate > max_nodes:
        hint = (
            "pass a smaller head (CLI: --head 3) to collapse the middle steps, "
            "or use the rolled view"
            if v is View.UNROLLED
            else "use the rolled view, or raise max_nodes (CLI: --max-nodes) if you really want it"
        )
        raise InvalidOptionError(
            f"the {v.value} view of {inspection.model!r} would draw about {estimate:,} nodes "
            f"(limit {max_nodes:,}); {hint}"
        )
    if v is View.ROLLED:
        return _Rolled(inspection).build()
    if v is View.UNROLLED:
        return _Unrolled(inspection, head).build()
    return _step_view(inspection, step)


def _parse_view(view: str | View) -> View:
    try:
        return View(view)
    except ValueError:
        choices = ", ".join(x.value for x in View)
        raise InvalidOptionError(f"view must be one of {choices}; got {view!r}") from None


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


# -- rolled ------------------------------------------------------------------------------------


@dataclass
class _Layout:
    g: graphviz.Digraph
    ids: lb.NodeIds
    endpoint: dict[str, str]  # endpoint name (input:x, variable, cell, output:y) -> node id


class _Rolled:
    def __init__(self, inspection: Inspection) -> None:
        self.i = inspection
        self.dup = duplicated(inspection)
        self.t = num_steps(inspection)

    def build(self) -> graphviz.Digraph:
        i = self.i
        g = _new_graph("rolled", _title(i, "rolled"), "LR")
        lay = _Layout(g, lb.NodeIds(), {})
        _draw_io(lay, i)
        cell_names = {c.name for c in i.cells}
        outside = [v for v in i.variables if not (v.placement is Placement.CELL and i.cells)]
        for v in outside:
            nid = lay.ids("var", v.name)
            lay.endpoint[v.name] = nid
            _variable_node(g, nid, v, dup=v.name in self.dup)
        weight_edges: list[tuple[str, str, str]] = []
        if i.cells:
            with g.subgraph(name="cluster_recurrence") as rec:
                rec.attr(
                    label=html(
                        esc(f"recurrence · every cell below runs at each of {self._steps_text()}")
                    ),
                    style="dashed,rounded",
                    color="#8a6d00",
                    fontsize="10",
                )
                for c in cells_in_order(i):
                    weight_edges += self._cell_cluster(rec, lay, c)
                loose = [
                    v
                    for v in i.variables
                    if v.placement is Placement.CELL and v.cell not in cell_names
                ]
                for v in loose:
                    nid = lay.ids("var", v.name)
                    lay.endpoint[v.name] = nid
                    _variable_node(rec, nid, v, dup=v.name in self.dup)
        drawn: set[tuple[str, str]] = set()
        for src, dst, _colour in weight_edges:
            drawn.add((src, dst))
        for c in cells_in_order(i):
            nid = lay.endpoint[c.name]
            g.edge(
                nid,
                nid,
                label=html(esc(f"× {self._steps_text()}\ncarries {_state_label(c)}")),
                color=lb.CELL_COLOURS[1],
                fontcolor=lb.CELL_COLOURS[1],
                penwidth="1.5",
            )
        for vid, cid, colour in weight_edges:
            g.edge(vid, cid, color=colour, penwidth="1.2")
        for src, dst in flow(i):
            a, b = lay.endpoint.get(src), lay.endpoint.get(dst)
            if a is None or b is None or (a, b) in drawn or a == b:
                continue
            drawn.add((a, b))
            g.edge(a, b, penwidth="1.5")
        _legend(g, i, dup=bool(self.dup), cell_note="recurrent cell (self-loop: the T steps)")
        return g

    def _steps_text(self) -> str:
        return f"T = {self.t} steps" if self.t is not None else "T steps (dynamic loop)"

    def _cell_cluster(self, parent: Any, lay: _Layout, c: Cell) -> list[tuple[str, str, str]]:
        i, edges = self.i, []
        cid = lay.ids("cell", c.name)
        lay.endpoint[c.name] = cid
        with parent.subgraph(name=f"cluster_{cid}") as sub:
            sub.attr(
                label=html(esc(f"cell {c.name}")),
                style="rounded,filled",
                fillcolor="#fffdf0",
                color="#c8b560",
            )
            _cell_node(sub, cid, c, self.t)
            members = [v for v in i.variables if v.placement is Placement.CELL and v.cell == c.name]
            for group in _duplicate_groups(members, self.dup):
                if len(group) == 1:
                    v = group[0]
                    nid = lay.ids("var", v.name)
                    _variable_node(sub, nid, v, dup=v.name in self.dup)
                else:
                    v = group[0]
                    nid = lay.ids("group", v.name)
                    _group_node(sub, nid, group, "one per step: the weights are not shared")
                for member in group:
                    lay.endpoint[member.name] = nid
                edges.append((nid, cid, _edge_colour(v, v.name in self.dup)))
        # Weights of another layer's cell object read here too (the [cell] * n bug).
        for v in i.variables:
            if c.name in v.also_cells and v.name in lay.endpoint:
                edges.append((lay.endpoint[v.name], cid, lb.WARNING_COLOURS[1]))
        return edges


def _duplicate_groups(
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


def _draw_io(lay: _Layout, i: Inspection) -> None:
    for name in i.inputs:
        nid = lay.ids("input", name)
        lay.endpoint[f"input:{name}"] = nid
        _io_node(lay.g, nid, "input", name)
    for name in i.outputs:
        nid = lay.ids("output", name)
        lay.endpoint[f"output:{name}"] = nid
        _io_node(lay.g, nid, "output", name)


# -- unrolled ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    """One drawn column of the unrolled view: a time step, or the elided middle."""

    key: str
    label: str
    steps: range
    elided: bool


class _Unrolled:
    """Time runs left to right; data flows upward (inputs at the bottom, outputs on top: the
    classic unrolled-RNN picture). Each row of cells is one layer. Layer 0's shared weights
    sit below its row and the other layers' above theirs, so a weight's fan-out reaches
    every step without crossing another row. dot ranks top to bottom, so upward edges are
    written reversed with ``dir=back``; an invisible rail of one node per column, chained
    left to right above the top row, keeps the step clusters in time order."""

    def __init__(self, inspection: Inspection, head: int | None) -> None:
        self.i = inspection
        self.dup = duplicated(inspection)
        self.t = num_steps(inspection)
        self.head = head
        self.cells = cells_in_order(inspection)
        self.cell_names = {c.name for c in self.cells}
        self.layer_of = {c.name: c.layer for c in self.cells}
        self.bottom = self.cells[0].layer if self.cells else 0
        self.cell_vars = {v.name for v in inspection.variables if v.placement is Placement.CELL}
        self.columns = self._columns()

    def _columns(self) -> list[_Column]:
        if not self.cells:
            return []
        if self.t is None:
            return [_Column("dyn", "every step t (while-loop body)", range(1), False)]
        steps, elided = shown_steps(self.t, self.head)
        cols = [_Column(str(s), f"step {s}", range(s, s + 1), False) for s in steps]
        if elided:
            rng = range(steps[-2] + 1, steps[-1])
            label = f"… × {elided:,} steps ({rng.start}–{rng.stop - 1}) …"
            cols.insert(len(cols) - 1, _Column("elided", label, rng, True))
        return cols

    def _column_of(self, s: int) -> int | None:
        for k, col in enumerate(self.columns):
            if s in col.steps:
                return k
        return None

    def _reads(self, v: VariableInfo) -> tuple[int, ...]:
        if self.t is None:
            return (0,) if (v.steps or v.dynamic) else ()
        if not v.steps and v.dynamic:
            return tuple(range(self.t))
        return tuple(s for s in v.steps if 0 <= s < self.t)

    def build(self) -> graphviz.Digraph:
        i = self.i
        g = _new_graph("unrolled", _title(i, "unrolled"), "TB")
        # Keep dot's initial order (declaration order: steps left to right, each layer's
        # weights on their side) instead of letting crossing minimisation shuffle clusters.
        g.attr("graph", mclimit="0.01")
        lay = _Layout(g, lb.NodeIds(), {})
        node_at = self._recurrence(g, lay) if self.cells else {}  # first: it anchors the order
        _draw_io(lay, i)
        for v in i.variables:
            if v.name not in self.cell_vars or not self.cells:
                nid = lay.ids("var", v.name)
                lay.endpoint[v.name] = nid
                _variable_node(g, nid, v, dup=v.name in self.dup)
        self._flow_edges(lay, node_at)
        _legend(g, i, dup=bool(self.dup), cell_note="a cell applied at one step")
        return g

    def _weight_edge(self, g: Any, vid: str, target: str, layer: int, **attrs: str) -> None:
        if layer == self.bottom:
            g.edge(target, vid, dir="back", **attrs)  # the weight sits below its row
        else:
            g.edge(vid, target, **attrs)

    def _recurrence(self, g: Any, lay: _Layout) -> dict[tuple[int, str], str]:
        i, cols = self.i, self.columns
        node_at: dict[tuple[int, str], str] = {}
        per_col: dict[int, list[VariableInfo]] = {}
        shared: list[VariableInfo] = []
        for v in i.variables:
            if v.name not in self.cell_vars:
                continue
            reads = self._reads(v)
            k = self._column_of(reads[0]) if len(reads) == 1 else None
            if k is not None:
                per_col.setdefault(k, []).append(v)
            else:
                shared.append(v)
        with g.subgraph(name="cluster_recurrence") as rec:
            title = (
                f"unrolled recurrence · T = {self.t}"
                if self.t is not None
                else "recurrence (dynamic loop)"
            )
            rec.attr(label=html(esc(title)), style="dashed,rounded", color="#8a6d00", fontsize="10")
            for k, col in enumerate(cols):
                self._column(rec, lay, k, col, per_col.get(k, []), node_at)
            for v in shared:
                vid = lay.ids("var", v.name)
                lay.endpoint[v.name] = vid
                _variable_node(rec, vid, v, dup=v.name in self.dup, detail=False)
            top = self.cells[-1].name
            # An invisible hub whose out-edges, in time order, fix the columns' order.
            rec.node("time_hub", label="", style="invis", width="0", height="0", ordering="out")
            for k in range(len(cols)):
                rec.edge("time_hub", node_at[(k, top)], style="invis")
        for v in shared:
            vid, colour = lay.endpoint[v.name], _edge_colour(v, v.name in self.dup)
            counts: dict[int, int] = {}
            for s in self._reads(v):
                col_k = self._column_of(s)
                if col_k is not None:
                    counts[col_k] = counts.get(col_k, 0) + 1
            for cname in reading_cells(i, v):
                for col_k, n in sorted(counts.items()):
                    attrs = {"color": colour}
                    if cols[col_k].elided:
                        attrs.update(label=html(esc(f"× {n:,}")), fontcolor=colour)
                    self._weight_edge(
                        g, vid, node_at[(col_k, cname)], self.layer_of[cname], **attrs
                    )
        state = {"color": lb.CELL_COLOURS[1], "fontcolor": lb.CELL_COLOURS[1], "penwidth": "1.5"}
        for c in self.cells:
            label = html(esc(_state_label(c)))
            for k in range(len(cols) - 1):
                g.edge(
                    node_at[(k, c.name)],
                    node_at[(k + 1, c.name)],
                    label=label,
                    constraint="false",
                    **state,
                )
            if self.t is None:
                nid = node_at[(0, c.name)]
                g.edge(nid, nid, label=html(esc(f"{_state_label(c)} → next iteration")), **state)
        return node_at

    def _column(
        self,
        rec: Any,
        lay: _Layout,
        k: int,
        col: _Column,
        own: list[VariableInfo],
        node_at: dict[tuple[int, str], str],
    ) -> None:
        with rec.subgraph(name=f"cluster_step_{col.key}") as st:
            st.attr(
                label=html(f"<B>{esc(col.label)}</B>"),
                style="rounded,filled,dashed" if col.elided else "rounded,filled",
                fillcolor="#ffffff" if col.elided else lb.STEP_FILL,
                color="#999999",
            )
            for c in reversed(self.cells):  # top layer first
                nid = lay.ids("step", f"{col.key}_{c.name}")
                node_at[(k, c.name)] = nid
                if col.elided:
                    text = f"… {c.kind} · layer {c.layer} × {len(col.steps):,} …"
                    st.node(
                        nid,
                        html(esc(text)),
                        style="rounded,dashed",
                        fillcolor="#ffffff",
                        color=lb.CELL_COLOURS[1],
                    )
                else:
                    _cell_node(st, nid, c, self.t, step=col.steps.start)
            groups = _duplicate_groups(own, self.dup) if col.elided else [[v] for v in own]
            for group in groups:
                first = group[0]
                if len(group) == 1:
                    vid = lay.ids("var", first.name)
                    _variable_node(st, vid, first, dup=first.name in self.dup, compact=True)
                else:
                    vid = lay.ids("group", first.name)
                    _group_node(st, vid, group, "one per elided step")
                for v in group:
                    lay.endpoint[v.name] = vid
                colour = _edge_colour(first, first.name in self.dup)
                for cname in reading_cells(self.i, first):
                    self._weight_edge(
                        st, vid, node_at[(k, cname)], self.layer_of[cname], color=colour
                    )
                    if self.layer_of[cname] != self.bottom:  # keep it under the hub's rank
                        rec.edge("time_hub", vid, style="invis")

    def _flow_edges(self, lay: _Layout, node_at: dict[tuple[int, str], str]) -> None:
        """Dataflow runs upward: each edge a → b is written b → a with dir=back."""
        g, names = lay.g, self.cell_names
        seen: set[tuple[str, str]] = set()
        outputs_drawn = False

        def up(a: str, b: str, **attrs: str) -> None:
            if (a, b) not in seen and a != b:
                seen.add((a, b))
                g.edge(b, a, dir="back", penwidth="1.5", **attrs)

        for src, dst in flow(self.i):
            if src in names and dst in names:  # layer to layer, inside every column
                for k in range(len(self.columns)):
                    up(node_at[(k, src)], node_at[(k, dst)])
            elif dst in names:
                a = lay.endpoint.get(src)
                if a is not None and src not in self.cell_vars:
                    label = "x(0) … x(T−1)" if self.t else "x(t)"
                    up(a, node_at[(0, dst)], ltail="cluster_recurrence", label=html(esc(label)))
            elif src in names:
                b = lay.endpoint.get(dst)
                if b is not None:  # from the hub: pulling on the last column would reorder
                    label = "" if outputs_drawn else html(esc("outputs"))
                    outputs_drawn = True
                    up("time_hub", b, lhead="cluster_recurrence", label=label)
            else:
                a, b = lay.endpoint.get(src), lay.endpoint.get(dst)
                if a is not None and b is not None:
                    up(a, b)


# -- step ----------------------------------------------------------------------------------------

_GATE_FILLS = ("#cfe8f7", "#fde3b0", "#c9eadf", "#efd3e4", "#e6e6e6")


def _step_view(inspection: Inspection, step: int | None) -> graphviz.Digraph:
    sg: StepGraph | None = inspection.step_graph
    if sg is None:
        raise InvalidOptionError(
            f"the inspection of {inspection.model!r} holds no op-level step graph (dynamic loop "
            "or nothing traced per step); use view='rolled' or 'unrolled'"
        )
    t = num_steps(inspection)
    if step is not None and (step < 0 or (t is not None and step >= t)):
        raise InvalidOptionError(f"step must be in 0..{(t or 1) - 1}; got {step}")
    if step is not None and step != sg.step:
        raise InvalidOptionError(
            f"this inspection holds the op graph of step {sg.step} only; got step={step}"
        )
    orders = [c.gate_order for c in cells_in_order(inspection) if c.gate_order]
    order = " ".join(orders[0]) if orders else ""
    title = f"{inspection.model} ({inspection.dialect}) · ops of step {sg.step}"
    if order:
        title += f" · gate order {order}"
    g = _new_graph("step", title, "TB")
    ids = lb.NodeIds()
    dup = duplicated(inspection)
    known = {v.name: v for v in inspection.variables}
    gates: dict[str, str] = {}
    op_ids: dict[str, str] = {}
    drawn: set[str] = set()
    for op in sg.ops:
        nid = ids("op", op.id)
        op_ids[op.id] = nid
        rows = [f"<B>{esc(op.label)}</B>"]
        if op.op != op.label:
            rows.append(lb.small(esc(op.op)))
        attrs = {"fillcolor": "#ffffff", "color": "#666666"}
        if op.gate is not None:
            fill = gates.setdefault(op.gate, _GATE_FILLS[min(len(gates), len(_GATE_FILLS) - 1)])
            rows.insert(0, esc(f"gate {op.gate}"))
            attrs = {"fillcolor": fill, "color": "#333333", "penwidth": "1.5"}
        if op.reads is not None:  # the variable itself is drawn beside it (dashed edge)
            attrs["penwidth"] = "1.5"
        g.node(nid, html(lb.table(rows)), **attrs)
    for op in sg.ops:
        if op.reads is None:
            continue
        vid = ids("var", op.reads)
        v = known.get(op.reads)
        if vid not in drawn:
            drawn.add(vid)
            if v is not None:
                _variable_node(g, vid, v, dup=v.name in dup, compact=True)
            else:
                g.node(vid, html(f"<B>{esc(op.reads)}</B>"), fillcolor="#ffffff")
        g.edge(
            vid,
            op_ids[op.id],
            color=_edge_colour(v, v.name in dup) if v else "#666666",
            style="dashed",
        )
    for a, b in sg.edges:
        if a in op_ids and b in op_ids:
            g.edge(op_ids[a], op_ids[b])
    return g
