"""Forward and backward cells of a bidirectional RNN, from dataflow.

Two cells of one layer over the same input, one of which consumes it in reverse time order,
form a bidirectional pair: the reversed one is `backward`, the other `forward`. Nothing else
gets a direction (a lone cell is neither).

* Static unrolls (`static_bidirectional_rnn`): the input is sliced into steps (`Unpack`,
  `Split`); slice k first enters the forward cell at step k, the backward cell at step T-1-k.
* While loops (Keras `Bidirectional`, `bidirectional_dynamic_rnn`): following the sequence
  a loop reads back to where the two loops' inputs meet, the backward loop's path holds a
  `ReverseV2`/`ReverseSequence` (an odd number of them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from rnninspect.analysis.facts import CellBuild, VarFacts
from rnninspect.analysis.liveness import cell_reads
from rnninspect.analysis.opgraph import OpGraph
from rnninspect.analysis.reads import MATMUL_OPS
from rnninspect.analysis.recurrence import Topology
from rnninspect.model import Cell, Role, VariableInfo

# slicing op -> the input it slices into steps
_SLICE_INPUT = {"Unpack": 0, "Split": 1, "SplitV": 0}
# ops that read one step of a sequence inside a loop body
_ELEMENT_OPS = frozenset({"TensorListGetItem", "TensorArrayReadV3"})
_REVERSE_OPS = frozenset({"ReverseV2", "ReverseSequence"})
# op -> the input that carries the sequence, on the way from a loop's read back to its source
# (views that keep the element order included: `conv1d` expands its input's axes)
_SEQUENCE_INPUT = {
    "Identity": 0, "Cast": 0, "Enter": 0, "Transpose": 0, "ReverseV2": 0,
    "ExpandDims": 0, "Squeeze": 0, "Reshape": 0,
    "ReverseSequence": 0, "TensorListGetItem": 0, "TensorListFromTensor": 0,
    "TensorArrayReadV3": 2, "TensorArrayScatterV3": 2, "TensorArrayGatherV3": 2,
}
_INPUT_ROLES = (Role.INPUT_HIDDEN_FUSED, Role.INPUT_TO_HIDDEN)
# a whole-sequence fused RNN op (docs/analysis.md §10a) -> its sequence operand
_FUSED_SEQUENCE = {"CudnnRNN": 0, "CudnnRNNV2": 0, "CudnnRNNV3": 0, "BlockLSTM": 1,
                   "BlockLSTMV2": 1}

# a cell's view of its input: source -> +1 (time order) or -1 (reversed)
Orders = dict[str, int]


def with_directions(
    og: OpGraph,
    topo: Topology,
    facts: dict[str, VarFacts],
    builds: list[CellBuild],
    infos: list[VariableInfo],
    cells: tuple[Cell, ...],
) -> tuple[Cell, ...]:
    orders: dict[str, Orders] = {}
    for build in builds:
        if build.loop is None and build.chains:
            orders[build.name] = _static_orders(og, topo, facts, build)
        elif build.loop is not None:
            orders[build.name] = _loop_orders(og, facts, build, infos)
    found = {b.name: b.direction for b in builds if b.direction}  # a fused op says so
    by_layer: dict[int, list[str]] = defaultdict(list)
    for c in cells:
        by_layer[c.layer].append(c.name)
    for names in by_layer.values():
        for a in names:
            for b in names:
                shared = set(orders.get(a, {})) & set(orders.get(b, {}))
                if a != b and any(orders[a][s] == 1 and orders[b][s] == -1 for s in shared):
                    found.setdefault(a, "forward")
                    found.setdefault(b, "backward")
    static = {b.name: b for b in builds if b.loop is None and b.chains}
    for names in by_layer.values():
        for a in names:
            for b in names:
                if (a != b and a not in found and b not in found and a in static
                        and b in static and _reversed_pair(topo, facts, static[a], static[b])):
                    found[a], found[b] = "forward", "backward"
    return tuple(replace(c, direction=found.get(c.name)) for c in cells)


def _reversed_pair(
    topo: Topology, facts: dict[str, VarFacts], a: CellBuild, b: CellBuild
) -> bool:
    """A and B run over the same sequence in opposite orders, whatever form the sequence
    takes (a slicing op, or a Python list of per-step tensors such as a stacked
    bidirectional layer's inputs): some value reaches A's first step and only B's last, and
    some other value A's last step and only B's first."""
    steps = a.num_steps
    if steps < 2 or b.num_steps != steps:
        return False
    first_a, first_b = _first_steps(topo, facts, a), _first_steps(topo, facts, b)
    pairs = set(zip(first_a, first_b, strict=True))
    return (0, steps - 1) in pairs and (steps - 1, 0) in pairs


def _first_steps(topo: Topology, facts: dict[str, VarFacts], build: CellBuild) -> list[int]:
    """Per op: the earliest step of a read of the cell downstream of it (or at it)."""
    marks = {topo.index[n]: t for n, t in cell_reads(facts, build).items() if n in topo.index}
    never = len(topo.order) + 1
    first = [never] * len(topo.order)
    for i in range(len(topo.order) - 1, -1, -1):
        first[i] = min((marks.get(s, first[s]) for s in topo.succs[i]), default=never)
    return first


def _static_orders(
    og: OpGraph, topo: Topology, facts: dict[str, VarFacts], build: CellBuild
) -> Orders:
    """Input source -> +1 when slice k of it first reaches step k, -1 when step T-1-k."""
    marks = {topo.index[n]: t for n, t in cell_reads(facts, build).items() if n in topo.index}
    never = len(topo.order) + 1
    first = _first_steps(topo, facts, build)  # earliest step of a read of the cell downstream
    orders: Orders = {}
    for i, node in enumerate(topo.order):
        if og.op(node) not in _SLICE_INPUT or first[i] == never:
            continue
        by_port: dict[int, int] = {}
        for consumer in og.graph.successors(node):
            j = topo.index.get(consumer)
            if j is None:
                continue
            step = marks.get(j, first[j])
            for index, _ in og.graph.edges[node, consumer]["ports"]:
                by_port[index] = min(by_port.get(index, never), step)
        steps = [by_port[k] for k in sorted(by_port)]
        if len(steps) < 2 or never in steps or len(set(steps)) != len(steps):
            continue
        ins = og.inputs.get(node, [])
        k = _SLICE_INPUT[og.op(node)]
        if k >= len(ins) or steps not in (sorted(steps), sorted(steps, reverse=True)):
            continue
        source, sign = _source(og, ins[k][0], 1 if steps == sorted(steps) else -1)
        orders[source] = sign
    for node in topo.order:
        # A list of per-step tensors packed into one sequence (for a reversal by lengths,
        # static_bidirectional_rnn's backward input): element k reaching step k (or T-1-k)
        # is a time order over the packed sequence.
        if og.op(node) != "Pack":
            continue
        ins = og.inputs.get(node, [])
        steps = [first[topo.index[src]] if src in topo.index else never for src, _ in ins]
        if (len(steps) >= 2 and never not in steps and len(set(steps)) == len(steps)
                and steps in (sorted(steps), sorted(steps, reverse=True))):
            orders.setdefault(node, 1 if steps == sorted(steps) else -1)
    return orders


def _loop_orders(
    og: OpGraph, facts: dict[str, VarFacts], build: CellBuild, infos: list[VariableInfo]
) -> Orders:
    """Where the loop's input kernel reads its sequence from, and in which time order (a
    fused op, which runs the loop itself: where its sequence operand comes from)."""
    assert build.loop is not None
    node = build.loop.node
    k = _FUSED_SEQUENCE.get(og.op(node)) if node in og.graph else None
    if k is not None:
        ins = og.inputs.get(node, [])
        if k >= len(ins):
            return {}
        source, sign = _source(og, ins[k][0], 1)
        return {source: sign}
    kernels = {i.name for i in infos if i.cell == build.name and i.role in _INPUT_ROLES}
    for f in facts.values():
        if f.var.name not in kernels:
            continue
        for use in f.uses:
            ins = og.inputs.get(use.node, [])
            if use.op in MATMUL_OPS and og.loop(use.node) is not None and len(ins) == 2:
                source, sign = _source(og, ins[1 - use.operand][0], 1)
                return {source: sign}
    return {}


def _source(og: OpGraph, node: str, sign: int) -> tuple[str, int]:
    """Follow a sequence back through transposes, reversals and tensor lists to the op that
    computed it; each reversal on the way flips the time order."""
    for _ in range(64):
        if node not in og.graph:
            break
        op, ins = og.op(node), og.inputs.get(node, [])
        if op == "ConcatV2":  # a fused kernel's concat([x_t, h_t-1]): follow x_t
            steps = [r for r in ins[:-1] if r[0] in og.graph and og.op(r[0]) in _ELEMENT_OPS]
            if len(steps) != 1:
                break
            node = steps[0][0]
            continue
        if op == "Pack" and ins and all(
                r == (ins[0][0], k) for k, r in enumerate(ins)) and og.op(
                ins[0][0]) in _SLICE_INPUT:  # the pieces of one sliced sequence, in order
            sliced = og.inputs.get(ins[0][0], [])
            if _SLICE_INPUT[og.op(ins[0][0])] >= len(sliced):
                break
            node = sliced[_SLICE_INPUT[og.op(ins[0][0])]][0]
            continue
        if op == "Pack":  # a list of per-step tensors: the sequence itself
            break
        k = _SEQUENCE_INPUT.get(op)
        if k is None or k >= len(ins):
            break
        sign = -sign if op in _REVERSE_OPS else sign
        node = ins[k][0]
    return node, sign
