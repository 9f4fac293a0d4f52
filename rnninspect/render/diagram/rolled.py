"""The rolled view: one box per cell with a self-loop for the T steps."""

from __future__ import annotations

from typing import Any

import graphviz

from rnninspect.model import (
    Cell,
    Inspection,
    Placement,
)
from rnninspect.render import labels as lb
from rnninspect.render.blocks import cells_in_order, duplicated, flow, num_steps
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

# -- rolled ------------------------------------------------------------------------------------


class RolledView:
    def __init__(self, inspection: Inspection) -> None:
        self.i = inspection
        self.dup = duplicated(inspection)
        self.t = num_steps(inspection)

    def build(self) -> graphviz.Digraph:
        i = self.i
        g = new_graph("rolled", graph_title(i, "rolled"), "LR")
        lay = Layout(g, lb.NodeIds(), {})
        draw_io(lay, i)
        cell_names = {c.name for c in i.cells}
        outside = [v for v in i.variables if not (v.placement is Placement.CELL and i.cells)]
        for v in outside:
            nid = lay.ids("var", v.name)
            lay.endpoint[v.name] = nid
            variable_node(g, nid, v, dup=v.name in self.dup)
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
                    variable_node(rec, nid, v, dup=v.name in self.dup)
        drawn: set[tuple[str, str]] = set()
        for src, dst, _colour in weight_edges:
            drawn.add((src, dst))
        for c in cells_in_order(i):
            nid = lay.endpoint[c.name]
            g.edge(
                nid,
                nid,
                label=html(esc(f"× {self._steps_text()}\ncarries {state_label(c)}")),
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
        draw_legend(g, i, dup=bool(self.dup), cell_note="recurrent cell (self-loop: the T steps)")
        return g

    def _steps_text(self) -> str:
        return f"T = {self.t} steps" if self.t is not None else "T steps (dynamic loop)"

    def _cell_cluster(self, parent: Any, lay: Layout, c: Cell) -> list[tuple[str, str, str]]:
        i, edges = self.i, []
        cid = lay.ids("cell", c.name)
        lay.endpoint[c.name] = cid
        with parent.subgraph(name=f"cluster_{cid}") as sub:
            sub.attr(
                label=html(esc(f"cell {c.name}" + (f" ({c.direction})" if c.direction else ""))),
                style="rounded,filled",
                fillcolor="#fffdf0",
                color="#c8b560",
            )
            cell_node(sub, cid, c)
            members = [v for v in i.variables if v.placement is Placement.CELL and v.cell == c.name]
            for group in duplicate_groups(members, self.dup):
                if len(group) == 1:
                    v = group[0]
                    nid = lay.ids("var", v.name)
                    variable_node(sub, nid, v, dup=v.name in self.dup)
                else:
                    v = group[0]
                    nid = lay.ids("group", v.name)
                    group_node(sub, nid, group, "one per step: the weights are not shared")
                for member in group:
                    lay.endpoint[member.name] = nid
                edges.append((nid, cid, edge_colour(v, v.name in self.dup)))
        # Weights of another layer's cell object read here too (the [cell] * n bug).
        for v in i.variables:
            if c.name in v.also_cells and v.name in lay.endpoint:
                edges.append((lay.endpoint[v.name], cid, lb.WARNING_COLOURS[1]))
        return edges
