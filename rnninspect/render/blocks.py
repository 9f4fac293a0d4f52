"""The block graph of an Inspection, as plain data every view reads: which steps are drawn,
which blocks (inputs, weights, cells, outputs) feed which, which cells read a weight.
The DOT diagrams (`render.diagram`) and the networkx export (`render.graph_export`) both
read it; neither imports the other, and nothing here imports graphviz."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from rnninspect.model import Cell, FindingKind, Inspection, Placement, Role, VariableInfo


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
