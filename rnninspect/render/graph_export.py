"""The analysis as a networkx graph, and writers for GraphML, GEXF and node-link JSON.

Nodes are the blocks of the rolled picture: model inputs, variables, recurrent cells and
model outputs, keyed by the same endpoint names as `Inspection.links` (``input:<name>``,
the variable name, the cell name, ``output:<name>``). Edges are the dataflow links plus
one ``weight`` edge from each cell variable to every cell that reads it. Every attribute
is a str, int or bool (never None, never a list) so that all three formats round-trip:
``steps`` is a comma-separated string of step indices ("" when read outside the steps)
and ``shape`` is like ``"400x800"`` ("?" for an unknown dimension).
"""

from __future__ import annotations

import json
import os
import re
from enum import Enum
from pathlib import Path
from typing import Any

import networkx as nx

from rnninspect.errors import InvalidOptionError
from rnninspect.model import Inspection
from rnninspect.render.blocks import flow, reading_cells
from rnninspect.render.save import write_atomic
from rnninspect.render.text import shape_attr
from rnninspect.render.visible import visible

GRAPH_SCHEMA = "rnninspect.graph/1"


class GraphFormat(str, Enum):
    GRAPHML = "graphml"
    GEXF = "gexf"
    JSON = "json"  # networkx node-link

    @classmethod
    def parse(cls, value: str | GraphFormat) -> GraphFormat:
        text = value.value if isinstance(value, GraphFormat) else str(value).lower().lstrip(".")
        try:
            return cls(text)
        except ValueError:
            choices = ", ".join(f.value for f in cls)
            raise InvalidOptionError(
                f"export format must be one of {choices}; got {value!r}"
            ) from None


def steps_attr(steps: tuple[int, ...]) -> str:
    return ",".join(str(s) for s in steps)


def parse_steps(text: str) -> tuple[int, ...]:
    """Inverse of the ``steps`` attribute: "0,1,2" -> (0, 1, 2); "" -> ()."""
    return tuple(int(s) for s in text.split(",")) if text else ()


def to_networkx(inspection: Inspection) -> nx.DiGraph:
    """The inspection as a DiGraph whose node and edge attributes are plain scalars."""
    i = inspection
    g = nx.DiGraph(
        schema=GRAPH_SCHEMA,
        model=i.model,
        dialect=i.dialect,
        num_steps=-1 if i.num_steps is None else i.num_steps,
        total_params=i.total_params,
        logical_params=i.logical_params,
    )
    flagged: dict[str, list[str]] = {}
    for f in i.findings:
        for name in f.variables:
            flagged.setdefault(name, []).append(f.kind.value)
    for name in i.inputs:
        g.add_node(f"input:{name}", kind="input", name=name, label=name)
    for v in i.variables:
        attrs: dict[str, Any] = {
            "kind": "variable",
            "name": v.name,
            "label": v.name,
            "shape": shape_attr(v.shape),
            "dtype": v.dtype,
            "params": v.params,
            "logical_params": v.logical_params,
            "trainable": v.trainable,
            "role": v.role.value,
            "placement": v.placement.value,
            "cell": v.cell or "",
            "layer": -1 if v.layer is None else v.layer,
            "steps": steps_attr(v.steps),
            "num_steps_read": len(v.steps),
            "dynamic": v.dynamic,
            "shared": v.shared,
            "findings": ",".join(flagged.get(v.name, [])),
        }
        if v.row_split is not None:
            attrs["rows_input"] = f"{v.row_split.input[0]}:{v.row_split.input[1]}"
            attrs["rows_hidden"] = f"{v.row_split.hidden[0]}:{v.row_split.hidden[1]}"
        if v.gates:
            attrs["gates"] = ",".join(f"{b.gate}={b.columns[0]}:{b.columns[1]}" for b in v.gates)
        g.add_node(v.name, **attrs)
    for c in i.cells:
        g.add_node(
            c.name,
            kind="cell",
            name=c.name,
            label=c.name,
            cell_kind=c.kind,
            layer=c.layer,
            units=-1 if c.units is None else c.units,
            gate_order=",".join(c.gate_order),
            state=",".join(c.state),
            num_steps=-1 if c.num_steps is None else c.num_steps,
            dynamic=c.dynamic,
        )
    for name in i.outputs:
        g.add_node(f"output:{name}", kind="output", name=name, label=name)
    for v in i.variables:
        for cell in reading_cells(i, v) if v.cell is not None or i.links else []:
            g.add_edge(v.name, cell, kind="weight", steps=steps_attr(v.steps))
    for src, dst in flow(i):
        if src in g and dst in g and not g.has_edge(src, dst):
            g.add_edge(src, dst, kind="dataflow", steps="")
    return g


def graph_text(inspection: Inspection, format: str | GraphFormat) -> str:
    """The graph serialised as GraphML, GEXF or node-link JSON text (deterministic)."""
    fmt = GraphFormat.parse(format)
    g = to_networkx(inspection)
    if fmt is GraphFormat.JSON:
        data = nx.node_link_data(g, edges="edges")
        return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    g = xml_safe(g)  # XML 1.0 cannot hold most control characters, even as references
    if fmt is GraphFormat.GRAPHML:
        return "\n".join(nx.generate_graphml(g, prettyprint=True)) + "\n"
    return "\n".join(nx.generate_gexf(g, prettyprint=True)) + "\n"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` with the characters XML 1.0 forbids shown as escapes (``\\x1b``); the rest,
    bidi controls included, stays as it is (they are valid XML, and the data is exact).

    >>> xml_text("esc\\x1b[2J"), xml_text("tab\\tok")
    ('esc\\\\x1b[2J', 'tab\\tok')
    """
    return _NOT_XML.sub(lambda m: visible(m.group(0)), text)


def xml_safe(g: nx.DiGraph) -> nx.DiGraph:
    """A copy of `g` whose node ids and string attributes are valid XML text."""
    def clean(attrs: dict[str, Any]) -> dict[str, Any]:
        return {k: xml_text(v) if isinstance(v, str) else v for k, v in attrs.items()}

    out = nx.DiGraph(**clean(dict(g.graph)))
    for node, attrs in g.nodes(data=True):
        out.add_node(xml_text(node), **clean(attrs))
    for a, b, attrs in g.edges(data=True):
        out.add_edge(xml_text(a), xml_text(b), **clean(attrs))
    return out


def write_graph(
    inspection: Inspection, path: str | os.PathLike[str], format: str | None = None
) -> Path:
    """Write the graph to `path` (format from `format` or the suffix), atomically."""
    target = Path(path)
    if format is None:
        if not target.suffix:
            raise InvalidOptionError(
                f"cannot tell the export format of {str(path)!r}; "
                "add a suffix (.graphml, .gexf, .json) or pass a format"
            )
        format = target.suffix
    write_atomic(target, graph_text(inspection, format).encode("utf-8"))
    return target


def read_graph(path: str | os.PathLike[str], format: str | None = None) -> nx.DiGraph:
    """Read back what `write_graph` wrote (for tests and notebooks)."""
    target = Path(path)
    fmt = GraphFormat.parse(format or target.suffix)
    if fmt is GraphFormat.JSON:
        data = json.loads(target.read_text(encoding="utf-8"))
        return nx.node_link_graph(data, directed=True, multigraph=False, edges="edges")
    if fmt is GraphFormat.GRAPHML:
        return nx.read_graphml(target)
    return nx.read_gexf(target)
