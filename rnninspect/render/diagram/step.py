"""The step view: the op-level graph of one time step, reads and gates marked."""

from __future__ import annotations

import graphviz

from rnninspect.errors import InvalidOptionError
from rnninspect.model import (
    Inspection,
    StepGraph,
)
from rnninspect.render import labels as lb
from rnninspect.render.blocks import cells_in_order, duplicated, num_steps
from rnninspect.render.diagram.common import (
    edge_colour,
    new_graph,
    variable_node,
)
from rnninspect.render.labels import esc, html

# -- step ----------------------------------------------------------------------------------------

_GATE_FILLS = ("#cfe8f7", "#fde3b0", "#c9eadf", "#efd3e4", "#e6e6e6")


def step_view(inspection: Inspection, step: int | None) -> graphviz.Digraph:
    sg: StepGraph | None = inspection.step_graph
    if sg is None:
        raise InvalidOptionError(
            f"the inspection of {inspection.model!r} holds no op-level step graph (dynamic loop "
            "or nothing traced per step); draw the rolled or unrolled view instead "
            "(CLI: --view rolled)"
        )
    t = num_steps(inspection)
    if step is not None and (step < 0 or (t is not None and step >= t)):
        raise InvalidOptionError(f"step must be in 0..{(t or 1) - 1}; got {step}")
    if step is not None and step != sg.step:
        raise InvalidOptionError(
            f"this inspection holds the op graph of step {sg.step} only; got step={step}: "
            f"pass step={step} to inspect() to trace that step (CLI: --step {step})"
        )
    orders = [c.gate_order for c in cells_in_order(inspection) if c.gate_order]
    order = " ".join(orders[0]) if orders else ""
    title = f"{inspection.model} ({inspection.dialect}) · ops of step {sg.step}"
    if order:
        title += f" · gate order {order}"
    g = new_graph("step", title, "TB")
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
                variable_node(g, vid, v, dup=v.name in dup, compact=True)
            else:
                g.node(vid, html(f"<B>{esc(op.reads)}</B>"), fillcolor="#ffffff")
        g.edge(
            vid,
            op_ids[op.id],
            color=edge_colour(v, v.name in dup) if v else "#666666",
            style="dashed",
        )
    for a, b in sg.edges:
        if a in op_ids and b in op_ids:
            g.edge(op_ids[a], op_ids[b])
    return g
