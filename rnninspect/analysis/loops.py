"""Dynamic RNNs: weights read inside a while-loop body serve every iteration.

One loop is one recurrent cell. Its state is what the loop carries in floating point
(`LoopState` nodes of the op graph): a matmul whose operand depends on that state is
hidden->hidden, one whose operand does not is input->hidden, a concat of both is fused.
To reuse the step-based role tests, each loop gets a two-valued clock: position 0 for ops
downstream of its carried state (the "previous step"), -1 for everything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from rnninspect.analysis.opgraph import OpGraph
from rnninspect.analysis.reads import Use
from rnninspect.analysis.recurrence import Topology, Upstream


@dataclass
class Loop:
    node: str  # the While op
    clock: Upstream  # pos 0: depends on the carried state
    after: list[bool]  # downstream of any weight read in the body
    before: list[bool]  # upstream of a weight read in the body
    uses: list[int]


def find_loops(og: OpGraph, topo: Topology, uses: dict[str, list[Use]]) -> list[Loop]:
    body_uses: dict[str, list[int]] = {}
    for var_uses in uses.values():
        for u in var_uses:
            loop = og.loop(u.node)
            if loop is not None:
                body_uses.setdefault(loop, []).append(topo.index[u.node])
    loops = []
    n = len(topo.order)
    for loop, idx in sorted(body_uses.items()):
        state = [i for i, node in enumerate(topo.order)
                 if og.op(node) == "LoopState" and og.loop(node) == loop]
        pos = [-1] * n
        marks = set(state)
        for i, preds in enumerate(topo.preds):
            if i in marks or any(pos[p] == 0 for p in preds):
                pos[i] = 0
        after = [False] * n
        use_set = set(idx)
        for i, preds in enumerate(topo.preds):
            after[i] = any(p in use_set or after[p] for p in preds)
        before = [False] * n
        for i in range(n - 1, -1, -1):
            before[i] = any(s in use_set or before[s] for s in topo.succs[i])
        loops.append(Loop(loop, Upstream(pos, [0] * n), after, before, sorted(idx)))
    return loops


def loop_layers(loops: list[Loop]) -> list[int]:
    """A loop whose body reads depend on another loop's comes after it in the stack."""
    layers = [0] * len(loops)
    for _ in loops:  # longest path by relaxation; a handful of loops at most
        for b, lb in enumerate(loops):
            for a, la in enumerate(loops):
                if a != b and any(la.after[i] for i in lb.uses):
                    layers[b] = max(layers[b], layers[a] + 1)
    return layers


def per_step_runs(
    og: OpGraph, loops: list[Loop], reads: dict[str, frozenset[str]]
) -> list[list[Loop]]:
    """Loops that are one layer called once per step by a Python loop: two or more
    one-iteration loops reading the same weights, each depending on the one before. In
    dependency order. (A layer run twice over whole sequences, tied stacked layers, is not
    one: its loops run many iterations.)"""
    once = one_iteration_loops(og)
    groups: dict[frozenset[str], list[Loop]] = {}
    for loop in sorted(loops, key=lambda lp: lp.uses[0]):
        if loop.node in once:
            groups.setdefault(reads[loop.node], []).append(loop)
    return [
        run for run in groups.values()
        if len(run) >= 2 and all(any(a.after[i] for i in b.uses) for a, b in pairwise(run))
    ]


def one_iteration_loops(og: OpGraph) -> set[str]:
    """While loops that read their input sequence from a list made of a tensor whose
    leading (time) dimension is known to be 1: a Keras RNN layer called on one step."""
    lengths: dict[str, set[int | None]] = {}
    for node in og.graph:
        loop = og.loop(node)
        if loop is None or og.op(node) != "TensorListGetItem" or not og.inputs.get(node):
            continue
        source = og.inputs[node][0][0]
        if og.op(source) != "TensorListFromTensor" or not og.inputs.get(source):
            continue
        shape = og.shape(og.inputs[source][0])
        lengths.setdefault(loop, set()).add(shape[0] if shape else None)
    return {loop for loop, found in lengths.items() if found == {1}}
