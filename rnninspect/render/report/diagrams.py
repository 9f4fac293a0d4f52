"""The report's diagrams: SVG from graphviz, annotated so the page can find every variable.

Graphviz writes each node as ``<g id="nodeN" class="node"><title>NODE_ID</title>`` and
each edge with the title ``A->B``. We tag those groups with ``data-node`` / ``data-edge``
and build, from the `Inspection` (never from labels), which node draws each variable and
how many of its steps every incident edge stands for. The page's script reads that map.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import graphviz

from rnninspect.errors import InvalidOptionError
from rnninspect.model import Inspection, Placement, VariableInfo
from rnninspect.render import labels as lb
from rnninspect.render.blocks import cells_in_order, duplicated, num_steps, shown_steps
from rnninspect.render.diagram import DEFAULT_MAX_NODES, View, estimate_nodes, to_dot

VIEWS = (View.ROLLED, View.UNROLLED)
_GROUP = re.compile(
    r'<g id="(?:node|edge|clust)\d+" class="(node|edge|cluster)">\s*<title>([^<]*)</title>'
)
_PROLOG = re.compile(r"^.*?(?=<svg)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


@dataclass(frozen=True)
class DiagramSvg:
    view: str
    svg: str  # annotated <svg> markup, or "" when dot is missing
    source: str  # the DOT text (shown when dot is missing)
    nodes: frozenset[str]
    edges: tuple[tuple[str, str], ...]
    too_large: str = ""  # why the view was not drawn (over the node limit), else ""


def render_svg(ins: Inspection, view: View) -> DiagramSvg:
    """Render one view to annotated SVG (dot missing: empty svg, DOT source kept; a view
    over the node limit: not drawn, and the page says how to draw it)."""
    try:
        digraph = to_dot(ins, view=view)
    except InvalidOptionError:
        estimate = estimate_nodes(ins, view)
        return DiagramSvg(view.value, "", "", frozenset(), (), too_large=(
            f"about {estimate:,} nodes, over the {DEFAULT_MAX_NODES:,} a page can draw; "
            f"`rnninspect diagram MODEL --view {view.value} --max-nodes {estimate + 1} "
            f"-o {view.value}.svg` draws it as a file"))
    try:
        raw = digraph.pipe(format="svg").decode("utf-8")
    except graphviz.ExecutableNotFound:
        return DiagramSvg(view.value, "", digraph.source, frozenset(), ())
    return annotate(view.value, raw, digraph.source)


def annotate(view: str, raw: str, source: str) -> DiagramSvg:
    nodes: set[str] = set()
    edges: list[tuple[str, str]] = []

    def tag(m: re.Match[str]) -> str:
        kind, title = m.group(1), html.unescape(m.group(2))
        if kind == "node":
            nodes.add(title)
            return m.group(0).replace('class="node"', f'class="node" data-node="{_attr(title)}"')
        if kind == "edge":
            a, _, b = title.partition("->")
            edges.append((a, b))
            return m.group(0).replace(
                'class="edge"', f'class="edge" data-edge="{_attr(a)}&gt;{_attr(b)}"'
            )
        return m.group(0)

    body = _COMMENT.sub("", _PROLOG.sub("", raw, count=1))
    body = _GROUP.sub(tag, body)
    return DiagramSvg(view, body.strip(), source, frozenset(nodes), tuple(edges))


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def node_map(ins: Inspection, d: DiagramSvg) -> dict[str, Any]:
    """Per variable (by name): its node in this view and, per incident edge, the steps it
    stands for (0 for dataflow edges that are not reads by a step)."""
    ids = lb.NodeIds()
    groups = _group_ids(ins, d.view)
    columns = _columns(ins, d.view)
    out: dict[str, Any] = {}
    for v in ins.variables:
        node = ids("var", v.name)
        if node not in d.nodes:
            node = groups.get(v.name, "")
        if node not in d.nodes:
            continue
        edges = []
        for a, b in d.edges:
            if node not in (a, b):
                continue
            other = b if a == node else a
            edges.append([a, b, other, _steps_in(v, columns.get(other), ins)])
        out[v.name] = {"node": node, "edges": edges}
    return out


def _steps_in(v: VariableInfo, col: range | None, ins: Inspection) -> int:
    if col is None:
        return 0
    if not v.steps and v.dynamic:
        return len(col)
    return sum(1 for s in v.steps if s in col)


def _columns(ins: Inspection, view: str) -> dict[str, range]:
    """Node id of a cell (rolled) or a cell at one drawn column (unrolled) -> its steps."""
    ids = lb.NodeIds()
    t = num_steps(ins)
    every = range(t if t is not None else 1)
    cells = cells_in_order(ins)
    if view == View.ROLLED.value:
        return {ids("cell", c.name): every for c in cells}
    if t is None:
        cols = [("dyn", every)]
    else:
        steps, elided = shown_steps(t, 3)
        cols = [(str(s), range(s, s + 1)) for s in steps]
        if elided:
            cols.insert(len(cols) - 1, ("elided", range(steps[-2] + 1, steps[-1])))
    return {ids("step", f"{key}_{c.name}"): rng for key, rng in cols for c in cells}


def _group_ids(ins: Inspection, view: str) -> dict[str, str]:
    """Variables re-created per step that a view draws as one group node -> that node's id.
    Rolled: per (cell, role, shape); unrolled: the same, among the elided steps only."""
    dup = duplicated(ins)
    ids = lb.NodeIds()
    t = num_steps(ins)
    elided: range | None = None
    if view == View.UNROLLED.value and t is not None:
        steps, n = shown_steps(t, 3)
        if not n:
            return {}
        elided = range(steps[-2] + 1, steps[-1])
    firsts: dict[tuple[Any, ...], str] = {}
    out: dict[str, str] = {}
    for v in ins.variables:
        if v.name not in dup or v.placement is not Placement.CELL:
            continue
        if elided is not None and not (len(v.steps) == 1 and v.steps[0] in elided):
            continue
        key = (v.cell, v.role, v.shape)
        first = firsts.setdefault(key, v.name)
        out[v.name] = ids("group", first)
    return out
