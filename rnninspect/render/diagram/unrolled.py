"""The unrolled view: one cluster per step; long sequences collapse in the middle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import graphviz

from rnninspect.model import (
    Inspection,
    Placement,
    VariableInfo,
)
from rnninspect.render import labels as lb
from rnninspect.render.blocks import (
    cells_in_order,
    duplicated,
    flow,
    num_steps,
    reading_cells,
    shown_steps,
)
from rnninspect.render.diagram.common import (
    Layout,
    cell_node,
    draw_io,
    draw_legend,
    duplicate_groups,
    edge_colour,
    graph_title,
    group_node,
    new_graph,
    state_label,
    variable_node,
)
from rnninspect.render.labels import esc, html

# -- unrolled ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    """One drawn column of the unrolled view: a time step, or the elided middle."""

    key: str
    label: str
    steps: range
    elided: bool


class UnrolledView:
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
        g = new_graph("unrolled", graph_title(i, "unrolled"), "TB")
        # Keep dot's initial order (declaration order: steps left to right, each layer's
        # weights on their side) instead of letting crossing minimisation shuffle clusters.
        g.attr("graph", mclimit="0.01")
        lay = Layout(g, lb.NodeIds(), {})
        node_at = self._recurrence(g, lay) if self.cells else {}  # first: it anchors the order
        draw_io(lay, i)
        for v in i.variables:
            if v.name not in self.cell_vars or not self.cells:
                nid = lay.ids("var", v.name)
                lay.endpoint[v.name] = nid
                variable_node(g, nid, v, dup=v.name in self.dup)
        self._flow_edges(lay, node_at)
        draw_legend(g, i, dup=bool(self.dup), cell_note="a cell applied at one step")
        return g

    def _weight_edge(self, g: Any, vid: str, target: str, layer: int, **attrs: str) -> None:
        if layer == self.bottom:
            g.edge(target, vid, dir="back", **attrs)  # the weight sits below its row
        else:
            g.edge(vid, target, **attrs)

    def _recurrence(self, g: Any, lay: Layout) -> dict[tuple[int, str], str]:
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
                variable_node(rec, vid, v, dup=v.name in self.dup, detail=False)
            top = self.cells[-1].name
            # An invisible hub whose out-edges, in time order, fix the columns' order.
            rec.node("time_hub", label="", style="invis", width="0", height="0", ordering="out")
            for k in range(len(cols)):
                rec.edge("time_hub", node_at[(k, top)], style="invis")
        for v in shared:
            vid, colour = lay.endpoint[v.name], edge_colour(v, v.name in self.dup)
            counts: dict[int, int] = {}
            for s in self._reads(v):
                col_k = self._column_of(s)
                if col_k is not None:
                    counts[col_k] = counts.get(col_k, 0) + 1
            own = v.cell
            for cname in reading_cells(i, v):
                for col_k, n in sorted(counts.items()):
                    attrs = {"color": colour}
                    if cname != own and own is not None:
                        # A weight of another layer's cell (the [cell] * n bug): draw the
                        # edge in warning colour, but let it not pull the layout apart.
                        attrs.update(color=lb.WARNING_COLOURS[1], constraint="false",
                                     style="dashed")
                    if cols[col_k].elided:
                        attrs.update(label=html(esc(f"× {n:,}")), fontcolor=attrs["color"])
                    self._weight_edge(
                        g, vid, node_at[(col_k, cname)], self.layer_of[cname], **attrs
                    )
        state = {"color": lb.CELL_COLOURS[1], "fontcolor": lb.CELL_COLOURS[1], "penwidth": "1.5"}
        for c in self.cells:
            label = html(esc(state_label(c)))
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
                g.edge(nid, nid, label=html(esc(f"{state_label(c)} → next iteration")), **state)
        return node_at

    def _column(
        self,
        rec: Any,
        lay: Layout,
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
                    cell_node(st, nid, c, step=col.steps.start)
            groups = duplicate_groups(own, self.dup) if col.elided else [[v] for v in own]
            for group in groups:
                first = group[0]
                if len(group) == 1:
                    vid = lay.ids("var", first.name)
                    variable_node(st, vid, first, dup=first.name in self.dup, compact=True)
                else:
                    vid = lay.ids("group", first.name)
                    group_node(st, vid, group, "one per elided step")
                for v in group:
                    lay.endpoint[v.name] = vid
                colour = edge_colour(first, first.name in self.dup)
                for cname in reading_cells(self.i, first):
                    self._weight_edge(
                        st, vid, node_at[(k, cname)], self.layer_of[cname], color=colour
                    )
                    if self.layer_of[cname] != self.bottom:  # keep it under the hub's rank
                        rec.edge("time_hub", vid, style="invis")

    def _flow_edges(self, lay: Layout, node_at: dict[tuple[int, str], str]) -> None:
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


