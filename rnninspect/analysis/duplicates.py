"""Weights re-created at every step (missing reuse), found from dataflow.

Without shared weights there are no chains to count steps with, so the clock is the input
itself: a static unroll slices its input into T pieces (``x[:, t]`` strided slices, or one
Split/Unpack with T outputs), and an op belongs to step t when x_t is the latest slice it
depends on. Variables of the same shape that are each read once, at different steps, are
one weight duplicated per step.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass

from rnninspect.analysis.opgraph import OpGraph
from rnninspect.analysis.reads import CONCAT_OPS, MATMUL_OPS, Use
from rnninspect.analysis.recurrence import NEAR, Topology, constants, downstream

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


def find_duplicates(
    og: OpGraph,
    topo: Topology,
    uses: dict[str, list[Use]],
    shapes: dict[str, tuple[int | None, ...]],
    slice_step: list[int],
) -> list[Duplicate]:
    """Single-read variables that repeat, by shape and read op, at two or more steps."""
    groups: dict[tuple[object, ...], list[Duplicate]] = defaultdict(list)
    for var, var_uses in uses.items():
        if len(var_uses) != 1:
            continue
        use = var_uses[0]
        # A read belongs to the step its result merges into (h_t-1 @ R is added to
        # x_t @ K two ops later), so look a couple of ops ahead.
        step = max(slice_step[j] for j in _forward(topo, topo.index[use.node], 2))
        if step < 0:
            continue
        groups[(shapes[var], use.op, use.operand)].append(Duplicate(var, use, step))
    found = [d for g in groups.values() if len({d.step for d in g}) >= 2 for d in g]
    _assign_layers(og, topo, found, slice_step)
    return found


def _assign_layers(
    og: OpGraph, topo: Topology, dups: list[Duplicate], slice_step: list[int]
) -> None:
    """Within a step, reads that meet within a few ops are one cell application; the one
    nearest the step's input slice is layer 0, the next layer 1, and so on."""
    by_step: dict[int, list[Duplicate]] = defaultdict(list)
    for d in dups:
        by_step[d.step].append(d)
    for step, members in by_step.items():
        near = {id(d): _forward(topo, topo.index[d.use.node], NEAR) for d in members}
        clusters: list[list[Duplicate]] = []
        for d in members:
            for cluster in clusters:
                if any(near[id(d)] & near[id(o)] for o in cluster):
                    cluster.append(d)
                    break
            else:
                clusters.append([d])
        distance = _distance_from_slice(topo, slice_step, step)
        clusters.sort(key=lambda c: min(distance.get(topo.index[d.use.node], 10**9) for d in c))
        for layer, cluster in enumerate(c for c in clusters if any(
                d.use.op in MATMUL_OPS for d in c)):
            for d in cluster:
                d.layer = layer
        # Biases and other non-matmul reads join the cluster they meet.
        for cluster in clusters:
            if not any(d.use.op in MATMUL_OPS for d in cluster):
                for d in cluster:
                    d.layer = 0


def _forward(topo: Topology, start: int, depth: int) -> set[int]:
    seen = {start}
    frontier = [start]
    for _ in range(depth):
        frontier = [s for i in frontier for s in topo.succs[i] if s not in seen]
        seen.update(frontier)
    return seen


def _distance_from_slice(topo: Topology, slice_step: list[int], step: int) -> dict[int, int]:
    """Hops from the ops where step `step`'s input slice first appears."""
    starts = [i for i in range(len(topo.order)) if slice_step[i] == step
              and all(slice_step[p] != step for p in topo.preds[i])]
    distance = dict.fromkeys(starts, 0)
    queue = deque(starts)
    while queue:
        i = queue.popleft()
        for s in topo.succs[i]:
            if s not in distance:
                distance[s] = distance[i] + 1
                queue.append(s)
    return distance
