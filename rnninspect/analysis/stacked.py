"""Tied layers at one step: one cell object applied by every layer of a stack at T = 1.

Its reads form a chain (layer l+1's read depends on layer l's), the shape a recurrence has,
so the chain alone cannot tell layers from steps. The state can: see `one_step_stack`.
"""

from __future__ import annotations

from itertools import pairwise

from rnninspect.analysis.facts import VarFacts
from rnninspect.analysis.opgraph import OpGraph
from rnninspect.analysis.reads import CONCAT_OPS, MATMUL_OPS, data_operand
from rnninspect.analysis.recurrence import NEAR, Chain, Topology, from_constants
from rnninspect.analysis.single import forward, input_dependent


def one_step_stack(og: OpGraph, topo: Topology, chain: Chain, facts: dict[str, VarFacts]) -> bool:
    """Are the chain's reads layers of one step, not steps of one layer?

    At step t >= 1 a cell reads the state step t-1 left; only the first step reads the
    initial state. A chain whose every read sits at an initial state (computed from
    constants alone) is one cell object applied by stacked layers at a single step: layer
    l+1 depends on layer l through its input. A read sits at an initial state when the
    state part of the concat it multiplies (the last: TF1 cells multiply ``concat([inputs,
    state])``) is one, or, reading its input alone (a Keras input kernel), when it meets
    right after a read that multiplies one and is not upstream of it (its own layer's
    recurrent read, not the layer below's). And no read takes model input the one before it
    had no part in: a new step does (its own input slice, a teacher-forced token), even
    where each step's cell starts from zeros (a Keras layer called per step without its
    state, the recurrence running through attention); a layer above reads only the one
    below."""
    if chain.length < 2:
        return False
    initial = [topo.index[u.node] for f in facts.values() for u in f.uses
               if u.op in MATMUL_OPS and u.node in topo.index
               and (data := data_operand(og, u)) is not None and from_constants(og, data[0])]
    if not all(_at_initial_state(og, topo, node, initial) for node in chain.uses):
        return False
    # A function graph's weights are placeholders too (captured handles): not inputs.
    fed = input_dependent(og, topo, [n for n in topo.order
                                      if og.op(n) in _INPUT_OPS and n not in facts])
    reads = [topo.index[node] for node in chain.uses]
    return not any(_fresh_input(topo, prev, i, fed) for prev, i in pairwise(reads))


_INPUT_OPS = frozenset({"Placeholder", "PlaceholderWithDefault"})


def _fresh_input(topo: Topology, prev: int, i: int, fed: list[bool]) -> bool:
    """Does the read at `i` depend on model input that the read at `prev` neither depends
    on nor produces?"""
    known = _backward(topo, prev) | set(forward(topo, prev, len(topo.order)))
    return any(fed[j] and j not in known for j in _backward(topo, i))


def _backward(topo: Topology, start: int) -> set[int]:
    """Every op upstream of `start`."""
    seen, stack = set(), [start]
    while stack:
        for p in topo.preds[stack.pop()]:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def _at_initial_state(og: OpGraph, topo: Topology, node: str, initial: list[int]) -> bool:
    i = topo.index[node]
    concats = [r for r in og.inputs.get(node, [])[:2] if og.op(r[0]) in CONCAT_OPS]
    if concats:
        state = og.inputs[concats[0][0]][:-1][-1]  # the last input of ConcatV2 is the axis
        return from_constants(og, state[0])
    if i in initial:
        return True
    mine = forward(topo, i, NEAR)
    for r in initial:
        after = forward(topo, r, NEAR)
        if (i not in forward(topo, r, len(topo.order))
                and any(after.get(j, 0) > 0 for j in mine)):
            return True
    return False
