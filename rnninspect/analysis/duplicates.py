"""Weights re-created at every step (missing reuse), found from dataflow.

Without shared weights there are no chains to count steps with, so the clock is the input
itself: a static unroll slices its input into T pieces (``x[:, t]`` strided slices, or one
Split/Unpack with T outputs), and an op belongs to step t when x_t is the latest slice it
depends on. Variables of the same shape that are each read once, at different steps, are
one weight duplicated per step.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import pairwise

from rnninspect.analysis.liveness import Zeros
from rnninspect.analysis.opgraph import OpGraph
from rnninspect.analysis.reads import ADD_OPS, CONCAT_OPS, MATMUL_OPS, Use, summed_row_slices
from rnninspect.analysis.recurrence import Topology, Upstream, constants, downstream

SLICE_OPS = frozenset({"StridedSlice", "Slice"})
SPLIT_OPS = frozenset({"Split", "SplitV", "Unpack"})


def input_slice_steps(og: OpGraph, topo: Topology) -> list[int] | None:
    """Per node, the latest input slice it depends on (-1: none); None if no slicing found."""
    families: dict[tuple[str, int], list[tuple[int, tuple[int, ...]]]] = defaultdict(list)
    splits: list[int] = []
    for i, node in enumerate(topo.order):
        op = og.op(node)
        refs = og.inputs.get(node, [])
        if op in SLICE_OPS and len(refs) >= 2:
            begin = og.specs.get(refs[1][0])
            if begin is not None and begin.ints is not None:
                families[refs[0]].append((i, begin.ints))
        elif op in SPLIT_OPS:
            splits.append(i)
    rank: dict[int, int] = {}
    best = max(families.values(), key=len, default=[])
    varying = [k for k in range(len(best[0][1])) if len({b[k] for _, b in best}) > 1] if best \
        else []
    if len(best) >= 2 and len(varying) == 1:
        order = sorted({b[varying[0]] for _, b in best})
        rank = {i: order.index(b[varying[0]]) for i, b in best}
    split_of = {}
    in_cells = _inside_cells(og, topo) if splits and not rank else set()
    slicing = [i for i in splits if not rank and len(topo.succs[i]) >= 2
               and i not in in_cells and _slices_steps(og, topo, i)]
    if slicing:
        split_of[max(slicing, key=lambda i: len(topo.succs[i]))] = True
    if not rank and not split_of:
        return None
    step = [-1] * len(topo.order)
    for i, preds in enumerate(topo.preds):
        value = rank.get(i, -1)
        node = topo.order[i]
        for p in preds:
            if p in split_of:
                ports = og.graph.edges[topo.order[p], node]["ports"]
                value = max(value, *(out for out, _ in ports))
            else:
                value = max(value, step[p])
        step[i] = value
    return step


def _inside_cells(og: OpGraph, topo: Topology) -> set[int]:
    """Ops downstream of a matmul that multiplies an initial state (a value computed from
    constants alone, or a concat with one as a part): the input is sliced before any cell
    runs, so a split among these is a cell's gate split."""
    const = constants(og, topo)
    starts = []
    for i, node in enumerate(topo.order):
        if og.op(node) not in MATMUL_OPS:
            continue
        for src, _ in og.inputs.get(node, [])[:2]:
            parts = og.inputs.get(src, [])[:-1] if og.op(src) in CONCAT_OPS else [(src, 0)]
            if any(const[topo.index[p]] for p, _ in parts if p in topo.index):
                starts.append(i)
    return downstream(topo, starts)


def _slices_steps(og: OpGraph, topo: Topology, split: int) -> bool:
    """Does each output of the split reach a matmul of its own first, as each step's input
    slice reaches that step's weights? A cell's gate split does not (at one step its gates
    meet again before any matmul, or reach none): it is no clock."""
    node = topo.order[split]
    firsts: list[set[int]] = []
    for k in range(og.specs[node].int_attr("num") or og.specs[node].int_attr("num_split") or 0):
        starts = {s for s in topo.succs[split]
                  if any(out == k for out, _ in og.graph.edges[node, topo.order[s]]["ports"])}
        first = _first_matmuls(og, topo, starts)
        if not first or any(first & other for other in firsts):
            return False
        firsts.append(first)
    return len(firsts) >= 2


def _first_matmuls(og: OpGraph, topo: Topology, starts: set[int]) -> set[int]:
    """The nearest matmuls downstream of `starts` (all those at the least depth)."""
    seen, frontier = set(starts), set(starts)
    while frontier:
        found = {i for i in frontier if og.op(topo.order[i]) in MATMUL_OPS}
        if found:
            return found
        frontier = {s for i in frontier for s in topo.succs[i] if s not in seen}
        seen |= frontier
    return set()


@dataclass
class Duplicate:
    var: str  # variable node
    use: Use
    step: int
    layer: int = 0
    unproven: bool = False  # its layer is not proven (the last step of a stack, see below)


def find_duplicates(
    og: OpGraph,
    topo: Topology,
    uses: dict[str, list[Use]],
    shapes: dict[str, tuple[int | None, ...]],
    slice_step: list[int],
) -> list[Duplicate]:
    """Single-read variables that repeat, by shape and read op, at two or more steps."""
    groups: dict[tuple[object, ...], list[Duplicate]] = defaultdict(list)
    # a kernel read as two summed row slices is read once (`reads.summed_row_slices`)
    single = {var: var_uses[-1] for var, var_uses in
              ((var, _one_read_per_row_pair(og, topo, var_uses)) for var, var_uses in uses.items())
              if len(var_uses) == 1}
    step_of: dict[str, int] = {}
    for use in single.values():
        if use.op in MATMUL_OPS:
            # A product belongs to the step its result merges into (h_t-1 @ R is added to
            # x_t @ K two ops later), so look a couple of ops ahead.
            step_of[use.node] = max(slice_step[j]
                                    for j in _forward(topo, topo.index[use.node], 2))
    for var, use in single.items():
        step = step_of.get(use.node)
        if step is None:
            # a bias added onto a sum of products is at their step (not at the next step's,
            # which its sum reaches through the new state two ops later)
            summed = [step_of[p] for p in _summed_products(og, use) if p in step_of]
            step = max(summed) if summed else max(
                slice_step[j] for j in _forward(topo, topo.index[use.node], 2))
        if step < 0:
            continue
        groups[(shapes[var], use.op, use.operand)].append(Duplicate(var, use, step))
    found = [d for g in groups.values() if len({d.step for d in g}) >= 2 for d in g]
    after = _assign_layers(topo, found, {d.var: k for k, g in enumerate(groups.values())
                                         for d in g})
    return [d for d in found if id(d) not in after]


def _one_read_per_row_pair(og: OpGraph, topo: Topology, uses: list[Use]) -> list[Use]:
    """`uses` with the later (in op order) of each pair of summed row-slice reads."""
    partner = summed_row_slices(og, uses)
    return [u for u in uses if u.node not in partner
            or topo.index[u.node] > topo.index[partner[u.node].node]]


def _summed_products(og: OpGraph, use: Use) -> list[str]:
    """The matmuls whose sum a bias read (an add) adds onto, through adds only."""
    if use.op not in ADD_OPS:
        return []
    out, stack = [], [src for k, (src, _) in enumerate(og.inputs.get(use.node, ()))
                      if k != use.operand]
    seen: set[str] = set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if og.op(node) in MATMUL_OPS:
            out.append(node)
        elif og.op(node) in ADD_OPS:
            stack.extend(src for src, _ in og.inputs.get(node, ()))
    return out


def _assign_layers(topo: Topology, dups: list[Duplicate], group_of: dict[str, int]
                   ) -> set[int]:
    """Layers of per-step copies, from the recurrence (no hop limit).

    Rule: at a step t before the last, a copy's *next set* is the copies of step t+1
    downstream of it. Every copy of one layer at step t feeds that layer's next step and
    every layer above it, so the copies of one layer share one next set; a layer above
    never feeds the one below, so its next set is strictly smaller. Layers are the distinct
    next sets, largest first. The last step has no next step: a copy there is in the layer
    of the copies of the steps between (1..T-2) that have its shape and read op and the same
    layers upstream — at the step before and at its own step (one layer and T=2: layer 0).
    Guarantee: a copy's layer is never guessed: where a copy of the last step matches no
    layer, or several (a stack of T=2; a head of the same shape read at the last step),
    it is marked `unproven` (reported `unresolved`). Returns the copies of the last step that
    are after the recurrence (`_counted_layers`): a head of the copies' shape and read op."""
    by_step: dict[int, list[Duplicate]] = defaultdict(list)
    for d in dups:
        by_step[d.step].append(d)
    steps = sorted(by_step)
    if len(steps) < 2:
        return set()
    at = {topo.index[d.use.node]: d for d in dups}
    down = {id(d): downstream(topo, [topo.index[d.use.node]]) for d in dups}
    for t, nxt in pairwise(steps):
        later = {topo.index[d.use.node] for d in by_step[nxt]}
        sets = {id(d): frozenset(down[id(d)] & later) for d in by_step[t]}
        order = sorted(set(sets.values()), key=lambda n: (-len(n), sorted(n)))
        for d in by_step[t]:
            d.layer = order.index(sets[id(d)])
    layers = {d.layer for t in steps[:-1] for d in by_step[t]}
    last = sorted(by_step[steps[-1]], key=lambda d: topo.index[d.use.node])
    if len(layers) <= 1 and len(steps) < 3:  # one layer and no step between to match
        for d in last:
            d.layer = min(layers, default=0)
    else:
        _matched_layers(topo, by_step, steps, at, down, group_of)
    # every step applies the same layers: a last step whose copies do not count as the step
    # before's is decided by the count alone
    size = Counter((group_of[u.var], u.layer) for u in by_step[steps[-2]])
    if any(d.unproven for d in last) or size != Counter((group_of[d.var], d.layer)
                                                        for d in last):
        counted = _counted_layers(topo, by_step[steps[-2]], last, down, group_of)
        for d in last:
            d.unproven = counted is None
        if counted is not None:
            for d, layer in zip(last, counted, strict=True):
                d.layer = layer
            top = max(layers)
            return {id(d) for d, layer in zip(last, counted, strict=True) if layer > top}
    return set()


def _matched_layers(topo: Topology, by_step: dict[int, list[Duplicate]], steps: list[int],
                    at: dict[int, Duplicate], down: dict[int, set[int]],
                    group_of: dict[str, int]) -> None:
    """The layer of each last-step copy from the copies of the steps between with its shape
    and read op and the same layers upstream; `unproven` where that matches none or several."""
    last = sorted(by_step[steps[-1]], key=lambda d: topo.index[d.use.node])

    def signature(d: Duplicate, before: list[Duplicate]) -> tuple[object, ...]:
        ups = [at[i] for i in at if id(at[i]) != id(d) and topo.index[d.use.node] in down[
            id(at[i])]]
        earlier = {id(u) for u in before}
        return (group_of[d.var],
                frozenset((group_of[u.var], u.layer) for u in ups if id(u) in earlier),
                frozenset((group_of[u.var], u.layer) for u in ups if u.step == d.step))

    known: dict[tuple[object, ...], set[int]] = defaultdict(set)
    for k in range(1, len(steps) - 1):
        for d in by_step[steps[k]]:
            known[signature(d, by_step[steps[k - 1]])].add(d.layer)
    for d in last:  # in dataflow order: the copies upstream at its own step come first
        found = known.get(signature(d, by_step[steps[-2]]), set())
        d.layer = min(found, default=0)
        d.unproven = len(found) != 1


def _counted_layers(topo: Topology, before: list[Duplicate], last: list[Duplicate],
                    down: dict[int, set[int]], group_of: dict[str, int]) -> list[int] | None:
    """The layers of the last step's copies (in dataflow order) from lower bounds and a
    count, or None where the count does not prove them (a T = 2 stack has no step between
    to match against).

    Lower bounds, as layers above never feed the ones below: a copy downstream of a layer-L
    copy (of the step before, or of its own step) is in layer L or above; one downstream of
    a whole application of layer L at its own step (as many copies of each shape and read
    op as layer L has at the step before) is above L — it is not one of them, so at least
    one of them is above L, or it reads L's result. Every step applies the same layers, so
    the last step has as many copies of each (shape and read op, layer) as the step before:
    where the lower bounds give exactly those counts, no copy can be higher than its bound
    (another would have to be lower), so each bound is the layer. A copy above the top layer
    (downstream of a whole application of it at the last step: a head of the copies' shape
    and read op) is after the recurrence, no copy of a cell, and not counted; where the
    others still do not count as the step before's, all stay `unresolved`."""
    size = Counter((group_of[u.var], u.layer) for u in before)
    layers = sorted({u.layer for u in before})
    found: list[int] = []
    for k, d in enumerate(last):
        i = topo.index[d.use.node]
        ups = [(u, layer) for u, layer in zip(last[:k], found, strict=True) if i in down[id(u)]]
        bound = max([u.layer for u in before if i in down[id(u)]]
                    + [layer for _, layer in ups], default=0)
        for layer in layers:
            seen = Counter(group_of[u.var] for u, at in ups if at == layer)
            if all(seen[g] >= n for (g, at), n in size.items() if at == layer):
                bound = max(bound, layer + 1)
        found.append(bound)
    top = max(layers, default=0)
    counts = Counter((group_of[d.var], layer) for d, layer in zip(last, found, strict=True)
                     if layer <= top)
    return found if counts == size else None


def _forward(topo: Topology, start: int, depth: int) -> set[int]:
    seen = {start}
    frontier = [start]
    for _ in range(depth):
        frontier = [s for i in frontier for s in topo.succs[i] if s not in seen]
        seen.update(frontier)
    return seen


def state_clocks(og: OpGraph, topo: Topology, reads: dict[int, list[int]]) -> list[Upstream]:
    """The clocks that tell a per-step copy's role: for each step s of one cell (`reads`:
    step -> that cell's read ops), pos s on the ops downstream of its reads at s, and one
    clock with pos -1 on the *initial state*: values computed from constants alone, and
    products with a constant zero whatever the other factor (`r * 0` of a GRU's first step).
    Everywhere else pos is -2, so a value multiplies the previous state at step t exactly
    when it depends on the cell at step t-1 (at step 0: when it is the initial state) —
    a GRU's `r * h_{t-1}` does, though r depends on x_t."""
    n = len(topo.order)
    const = constants(og, topo)
    zeros = Zeros(og)  # a product with a zero is zero, whatever the other factor
    clocks = [Upstream([-1 if const[i] or zeros.zero((node, 0)) else -2
                        for i, node in enumerate(topo.order)], [0] * n)]
    for step, idx in sorted(reads.items()):
        pos = [-2] * n
        for i in downstream(topo, idx):
            pos[i] = step
        clocks.append(Upstream(pos, [0] * n))
    return clocks
