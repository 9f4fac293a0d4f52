"""A cell applied once (T = 1): no chain of reads to count steps with, yet still a cell.

At a single step the previous state is the initial state: a tensor whose value does not
depend on the model's inputs (zeros; its batch size may come from the input's shape, which
is no dependence on its value). A weight that multiplies such a tensor — alone (a Keras
recurrent kernel) or as one part of ``concat([x_0, h_init])`` (a TF1 fused kernel) — is a
cell's recurrent weight; reads whose results merge with it right after belong to the same
cell (a Keras input kernel, the bias). Cells that depend on one another are layers. A clock
that puts every input-dependent op at step 0 and the initial state at step -1 lets the
row-split, gate and role passes read the cell exactly as at step 1 of a longer unroll.

One cell object applied by every layer of a stack (tied layers) at one step reads its weight
once per layer, each read after the one below: a chain, yet no time steps (see stacked.py).
Each application is a cell of its own that shares the weight with the others.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from rnninspect.analysis.facts import CellBuild, VarFacts
from rnninspect.analysis.opgraph import OpGraph
from rnninspect.analysis.reads import ADD_OPS, CONCAT_OPS, MATMUL_OPS, Use, data_operand
from rnninspect.analysis.recurrence import NEAR, Topology, Upstream
from rnninspect.analysis.training import SHAPE_ONLY_OPS
from rnninspect.model import Placement


def place_single(
    og: OpGraph, topo: Topology, facts: dict[str, VarFacts], inputs: Sequence[str]
) -> list[CellBuild]:
    """Cells applied once; [] when no weight multiplies an initial state."""
    fed = input_dependent(og, topo, inputs)
    var_nodes = set(facts)
    roots: list[tuple[VarFacts, Use]] = []
    for f in facts.values():
        for use in f.uses:
            if use.op in MATMUL_OPS and _multiplies_initial_state(og, topo, use, fed, var_nodes):
                roots.append((f, use))
    if not roots:
        return []
    roots.sort(key=lambda fu: topo.index[fu[1].node])
    clock = Upstream([0 if x else -1 for x in fed], [0] * len(fed))
    cells: list[CellBuild] = []
    near: list[dict[int, int]] = []  # per cell: ops within NEAR hops after its recurrent read
    for f, use in roots:  # one cell per application: a weight tied across layers has several
        start = topo.index[use.node]
        cell = CellBuild([], clock=clock, num_steps=1)
        cells.append(cell)
        near.append(forward(topo, start, NEAR))
        _assign(f, use, cell)
    downstream = [forward(topo, topo.index[u.node], len(topo.order)) for _, u in roots]
    adds = [dict(after) for after in near]  # where a cell's biases are added: after its reads
    owner = {topo.index[u.node]: k for k, (_, u) in enumerate(roots)}  # product read -> cell
    outside = []
    # Products first: a bias added right after a product inside the cell (a GRU's candidate)
    # joins the cell once that product has.
    for f in sorted(facts.values(), key=lambda f: not any(u.op in _PRODUCT_OPS for u in f.uses)):
        if f.cell is not None or not f.uses:
            continue
        for use in f.uses:  # every read: a tied layer's input kernel joins each layer's cell
            joined = _joins(og, topo, use, near, adds, downstream, [u for _, u in roots],
                            owner)
            if joined is None:
                continue
            k, inside = joined
            _assign(f, use, cells[k])
            if inside:
                f.own_state = (use, _state_clock(og, topo, roots[k][1]))
            if use.op in _PRODUCT_OPS:  # its bias may be added right after it (x·W + b)
                owner[topo.index[use.node]] = k
                for j, d in forward(topo, topo.index[use.node], NEAR).items():
                    adds[k][j] = min(d, adds[k].get(j, d))
        if f.cell is None:
            outside.append(f)
    members = [[topo.index[node] for f in facts.values() for node, c in f.use_cells.items()
                if c is cell] for cell in cells]
    for a, cell in enumerate(cells):  # a cell that reads another's result is a layer above
        cell.layer = max((cells[b].layer + 1 for b in range(a)
                          if any(i in downstream[b] for i in members[a])), default=0)
        cell.name = f"cell{cell.layer}"
    _name_uniquely(cells)
    every = [i for m in members for i in m]
    for f in outside:
        idx = [topo.index[u.node] for u in f.uses]
        if all(_maybe_projection(og, topo, u, downstream, roots) for u in f.uses):
            continue  # placement unknown: reported as unresolved, not guessed
        if any(i in d for d in downstream for i in idx):
            f.placement = Placement.AFTER
        elif any(j in forward(topo, i, len(topo.order)) for i in idx for j in every):
            f.placement = Placement.BEFORE
    return cells


def _assign(f: VarFacts, use: Use, cell: CellBuild) -> None:
    """The read is step 0 of `cell`; a weight already in another cell is shared with it."""
    if f.cell is None:
        f.cell, f.placement = cell, Placement.CELL
        f.steps, f.step_uses = {0}, {0: use}
    elif all(cell is not c for c in (f.cell, *f.other_cells)):  # identity: cells compare equal
        f.other_cells.append(cell)
    f.use_steps[use.node], f.use_cells[use.node] = 0, cell


def _joins(
    og: OpGraph, topo: Topology, use: Use, near: list[dict[int, int]],
    adds: list[dict[int, int]], downstream: list[dict[int, int]], roots: list[Use],
    owner: dict[int, int],
) -> tuple[int, bool] | None:
    """The cell a read belongs to, and whether it sits inside it (downstream of the cell's
    recurrent read): a bias added right after a read of the cell, or a product (a matmul, a
    peephole's elementwise Mul) not downstream of the cell whose result merges with it
    right after; failing those, a product inside the cell (`_inside`, `_projects_state`)."""
    i = topo.index[use.node]
    if use.op in ADD_OPS:  # the bias of the read it is added nearest after
        added = [k for k in range(len(adds)) if i in adds[k]]
        if not added:
            return None
        k = min(added, key=lambda k: adds[k][i])
        # An output layer's bias is added right after the layer's own matmul, a few ops
        # after the cell: it is that matmul's, not the cell's.
        nearest = _nearest_products(topo, og, i)
        return (k, False) if not nearest or any(owner.get(j) == k for j in nearest) else None
    feeds = forward(topo, i, len(topo.order))
    for k, after in enumerate(near):
        # Merging is not feeding: a layer's projection feeds the layer above's read.
        if use.op in _PRODUCT_OPS and i not in downstream[k] \
                and topo.index[roots[k].node] not in feeds:
            mine = forward(topo, i, NEAR)
            if any(j in after and after[j] > 0 for j in mine):
                return k, False
    below = [k for k, d in enumerate(downstream) if i in d]
    if use.op not in _PRODUCT_OPS or not below:
        return None
    k = min(below, key=lambda k: (downstream[k][i], -k))  # the nearest recurrent read above
    if _inside(topo, i, downstream[k]) or _projects_state(og, use, roots[k]):
        return k, True
    return None


def _nearest_products(topo: Topology, og: OpGraph, start: int) -> list[int]:
    """The matmuls nearest upstream of `start` (within NEAR hops; all at the least distance)."""
    found = {i: d for i, d in _within(topo.preds, start, NEAR).items()
             if i != start and og.op(topo.order[i]) in MATMUL_OPS}
    least = min(found.values(), default=None)
    return [i for i, d in found.items() if d == least]


def _state_clock(og: OpGraph, topo: Topology, root: Use) -> Upstream:
    """A clock for a read inside a cell applied once: pos 0 where a value depends on the
    initial state the cell's recurrent read multiplies (as on step t-1's state at step t),
    1 elsewhere. A GRU's candidate multiplies concat([x, r * h_init]): its second part is
    the state part, though the gate r that scales it also reads the input."""
    data = data_operand(og, root)
    if data is not None and og.op(data[0]) in CONCAT_OPS:
        data = og.inputs[data[0]][:-1][-1]
    state = forward(topo, topo.index[data[0]], len(topo.order)) \
        if data is not None and data[0] in topo.index else {}
    n = len(topo.order)
    return Upstream([0 if i in state else 1 for i in range(n)], [0] * n)


_PRODUCT_OPS = MATMUL_OPS | {"Mul"}


def _inside(topo: Topology, i: int, cell: dict[int, int]) -> bool:
    """Is the product at `i`, downstream of a cell's recurrent read, still inside that cell?
    Its result merges right after with more of the cell's own computation, which does not
    come through it: a GRU's candidate meets u·h, an output-gate peephole meets the gate. An
    output layer's result meets nothing of the cell again."""
    through = forward(topo, i, len(topo.order))
    return any(p in cell and p not in through
               for j, d in forward(topo, i, NEAR).items() if d > 0 for p in topo.preds[j])


def _projects_state(og: OpGraph, use: Use, root: Use) -> bool:
    """Does the matmul turn the cell's output into the state it reads (an LSTM projection)?
    When the state is narrower or wider than the output the cell computes, only a map from
    one to the other can make the next step's state; an output layer of the state's own
    width is not told apart, and stays outside."""
    state, data = _state_width(og, root), _width(og, data_operand(og, use))
    return state is not None and data not in (None, state) \
        and _width(og, (use.node, 0)) == state


def _maybe_projection(
    og: OpGraph, topo: Topology, use: Use, downstream: list[dict[int, int]],
    roots: list[tuple[VarFacts, Use]],
) -> bool:
    """Could a matmul after the cell as well be its projection as an output layer? At one
    step nothing reads its result again; when it maps the cell's output to a value as wide
    as the state the cell reads, and that output is as wide already, the next step's state
    could be either (an LSTMCell with num_proj = num_units looks like one with a Dense)."""
    i = topo.index[use.node]
    below = [k for k, d in enumerate(downstream) if i in d]
    if use.op not in MATMUL_OPS or not below:
        return False
    k = min(below, key=lambda k: (downstream[k][i], -k))
    state = _state_width(og, roots[k][1])
    return (state is not None and _width(og, data_operand(og, use)) == state
            and _width(og, (use.node, 0)) == state)


def _state_width(og: OpGraph, root: Use) -> int | None:
    data = data_operand(og, root)
    if data is not None and og.op(data[0]) in CONCAT_OPS:
        data = og.inputs[data[0]][:-1][-1]  # the state is the last part
    return _width(og, data)


def _width(og: OpGraph, ref: tuple[str, int] | None) -> int | None:
    shape = og.shape(ref) if ref is not None else None
    return int(shape[-1]) if shape and shape[-1] is not None else None


def _name_uniquely(cells: list[CellBuild]) -> None:
    same = {c.name: [x for x in cells if x.name == c.name] for c in cells}
    for name, group in same.items():
        if len(group) > 1:
            for k, c in enumerate(group):
                c.name = f"{name}_{k}"


def _multiplies_initial_state(
    og: OpGraph, topo: Topology, use: Use, fed: list[bool], var_nodes: set[str]
) -> bool:
    data = data_operand(og, use)
    if data is None or data[0] not in topo.index:
        return False
    parts = og.inputs[data[0]][:-1] if og.op(data[0]) in CONCAT_OPS else [data]
    states = [p for p in parts if p[0] in topo.index and not fed[topo.index[p[0]]]]
    return bool(states) and not any(_reads_variable(og, p[0], var_nodes) for p in states)


def _reads_variable(og: OpGraph, node: str, var_nodes: set[str]) -> bool:
    """Is the value a weight (a variable read), not a state?"""
    seen, stack = set(), [node]
    while stack:
        n = stack.pop()
        if n in var_nodes:
            return True
        if n in seen or og.op(n) in SHAPE_ONLY_OPS:  # a shape is no value of the weight
            continue
        seen.add(n)
        stack += [src for src, _ in og.inputs.get(n, ())]
    return False


def input_dependent(og: OpGraph, topo: Topology, inputs: Sequence[str]) -> list[bool]:
    """Per op: does its value depend on a model input? (Shape reads do not count.)"""
    fed = [False] * len(topo.order)
    sources = {topo.index[n] for n in inputs if n in topo.index}
    for i, node in enumerate(topo.order):
        if i in sources:
            fed[i] = True
        elif og.op(node) not in SHAPE_ONLY_OPS:
            fed[i] = any(fed[p] for p in topo.preds[i])
    return fed


def forward(topo: Topology, start: int, depth: int) -> dict[int, int]:
    """Ops within `depth` hops downstream of `start`, with their distance."""
    return _within(topo.succs, start, depth)


def _within(edges: list[list[int]], start: int, depth: int) -> dict[int, int]:
    """Ops within `depth` hops of `start` along `edges` (breadth first), with their distance."""
    dist = {start: 0}
    queue = deque([start])
    while queue:
        i = queue.popleft()
        if dist[i] >= depth:
            continue
        for s in edges[i]:
            if s not in dist:
                dist[s] = dist[i] + 1
                queue.append(s)
    return dist
