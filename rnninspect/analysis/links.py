"""Block-level dataflow for the rolled picture, and the op-level graph of one step."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from rnninspect.analysis.opgraph import OpGraph
from rnninspect.analysis.recurrence import Chain, Topology, Upstream
from rnninspect.model import Link, StepGraph, StepOp

if TYPE_CHECKING:
    from rnninspect.analysis.facts import CellBuild, VarFacts
    from rnninspect.graph import Traced

HIDDEN_OPS = frozenset({"Const", "Shape", "NoOp", "Identity", "ReadVariableOp", "Pack",
                        "StridedSlice", "Fill", "Cast", "Reshape", "ExpandDims", "Squeeze"})


def block_links(
    og: OpGraph,
    topo: Topology,
    facts: dict[str, VarFacts],
    cell_of_chain: dict[str, CellBuild],
    traced: Traced,
    inside: dict[int, str],
) -> tuple[Link, ...]:
    """Edges between inputs, weights outside cells, cells and outputs, from dataflow.

    Each block owns the ops that read its variables, and a cell also owns every op between
    its first and last step (`inside`: its state updates too); following the dataflow
    forward from a block, the first op owned by another block is where the link goes.
    """
    owner: dict[int, str] = dict(inside)
    for name in traced.inputs:
        if name in topo.index:
            owner[topo.index[name]] = f"input:{name}"
    for f in facts.values():
        block = f.cell.name if f.cell is not None else f.var.name
        for use in f.uses:
            cell = f.use_cells.get(use.node)
            owner.setdefault(topo.index[use.node], cell.name if cell is not None else block)
    for name in traced.outputs:
        if name in topo.index:
            owner.setdefault(topo.index[name], f"output:{name}")
    starts: dict[str, list[int]] = {}
    for i, block in owner.items():
        starts.setdefault(block, []).append(i)
    links: set[tuple[str, str]] = set()
    for block, nodes in starts.items():
        seen = set(nodes)
        queue = deque(nodes)
        while queue:
            i = queue.popleft()
            for s in topo.succs[i]:
                if s in seen:
                    continue
                seen.add(s)
                target = owner.get(s)
                if target is not None and target != block:
                    links.add((block, target))
                    continue
                queue.append(s)
    for name in traced.outputs:  # an output that is a block's own op (`matmul(h, w,
        owned = owner.get(topo.index.get(name, -1))  # name="logits")`): that block's output
        if owned is not None and not owned.startswith(("output:", "input:")):
            links.add((owned, f"output:{name}"))
    return tuple(Link(a, b) for a, b in sorted(links))


def step_graph(
    og: OpGraph,
    topo: Topology,
    facts: dict[str, VarFacts],
    chains: list[Chain],
    ups: dict[str, Upstream],
    step: int,
    gate_names: dict[str, tuple[str, ...]],
) -> StepGraph:
    """The ops computing step `step`: downstream of that step's chain reads, before the next."""
    chosen: set[int] = set()
    for i in range(len(topo.order)):
        latest = max((ups[c.id].pos[i] for c in chains), default=-1)
        if latest == step:
            chosen.add(i)
    reads: dict[int, str] = {}
    for f in facts.values():
        use = f.step_uses.get(step)
        if use is not None:
            reads[topo.index[use.node]] = f.var.name
            chosen.add(topo.index[use.node])
    # Drop plumbing, and ops of later steps that merely pass through (outputs lists).
    keep = sorted(i for i in chosen if og.op(topo.order[i]) not in HIDDEN_OPS or i in reads)
    kept = set(keep)
    gates = _gate_activations(og, facts, step, gate_names)
    ops = tuple(
        StepOp(
            id=topo.order[i],
            op=og.op(topo.order[i]),
            label=og.op(topo.order[i]),  # the renderer shows gates from StepOp.gate
            reads=reads.get(i),
            gate=gates.get(topo.order[i]),
        )
        for i in keep
    )
    edges = tuple(
        (topo.order[i], topo.order[s]) for i in keep for s in sorted(topo.succs[i]) if s in kept
    )
    return StepGraph(step=step, ops=ops, edges=edges)


def _gate_activations(
    og: OpGraph, facts: dict[str, VarFacts], step: int, gate_names: dict[str, tuple[str, ...]]
) -> dict[str, str]:
    """Activation op -> gate name, following each gated kernel's split at this step."""
    from rnninspect.analysis.roles import find_split, split_activations

    found: dict[str, str] = {}
    for var, names in gate_names.items():
        use = facts[var].step_uses.get(step)
        split = find_split(og, use.node) if use is not None else None
        if split is None:
            continue
        for act, name in zip(split_activations(og, split, len(names)), names, strict=True):
            if act is not None:
                found.setdefault(act, name)
    return found
