"""Tied layers at one step: one cell object applied by every layer of a stack at T = 1.

Its reads form a chain (layer l+1's read depends on layer l's), the shape a recurrence has,
so the chain alone cannot tell layers from steps. The state can: see `one_step_stack`.
"""

from __future__ import annotations

from itertools import pairwise

from rnninspect.analysis.facts import VarFacts
from rnninspect.analysis.opgraph import OpGraph
from rnninspect.analysis.reads import CONCAT_OPS, MATMUL_OPS, data_operand
from rnninspect.analysis.recurrence import NEAR, Chain, Topology, constants, upstream_of
from rnninspect.analysis.single import forward, input_dependent


def one_step_stack(og: OpGraph, topo: Topology, chain: Chain, facts: dict[str, VarFacts]) -> bool:
    """Are the chain's reads layers of one step, not steps of one layer?

    At step t >= 1 a cell reads the state step t-1 left; only the first step reads the
    initial state. A chain whose every read sits at an initial state (computed from
    constants alone) is one cell object applied by stacked layers at a single step: layer
    l+1 depends on layer l through its input. A read sits at an initial state when the
    state part of the concat it multiplies (the last: TF1 cells multiply ``concat([inputs,
    state])``) is one (or one scaled by a gate: a GRU's candidate), or, reading its input
    alone (a Keras input kernel), when it meets right after a read that multiplies one and
    is not upstream of it (its own layer's recurrent read, not the layer below's). And no
    read takes raw model input the one before it had no part in: a new step does (its own
    input slice, a teacher-forced token), even where each step's cell starts from zeros (a
    Keras layer called per step without its state, the recurrence running through
    attention); a layer above reads only the one below."""
    if chain.length < 2:
        return False
    const = constants(og, topo)
    initial = [topo.index[u.node] for f in facts.values() for u in f.uses
               if u.op in MATMUL_OPS and u.node in topo.index
               and (data := data_operand(og, u)) is not None and data[0] in topo.index
               and const[topo.index[data[0]]]]
    # The second read first: in a real recurrence it reads the first step's state.
    if not all(_at_initial_state(og, topo, node, initial, const)
               for node in chain.uses[1:] + chain.uses[:1]):
        return False
    # Model input as it enters: values of the inputs alone, before any weight touches them
    # (a function graph's weights are placeholders too: captured handles, not inputs).
    fed = input_dependent(og, topo, [n for n in topo.order
                                      if og.op(n) in _INPUT_OPS and n not in facts])
    weighted = input_dependent(og, topo, [n for n in facts if n in topo.index])
    raw = [a and not b for a, b in zip(fed, weighted, strict=True)]
    reads = [topo.index[node] for node in chain.uses]
    return not any(_fresh_input(topo, prev, i, raw) for prev, i in pairwise(reads))


_INPUT_OPS = frozenset({"Placeholder", "PlaceholderWithDefault"})


def _fresh_input(topo: Topology, prev: int, i: int, raw: list[bool]) -> bool:
    """Does the read at `i` take raw model input (a value of the inputs alone) that the
    read at `prev` does not?"""
    known = upstream_of(topo, prev)
    return any(raw[j] and j not in known for j in upstream_of(topo, i))


def _at_initial_state(
    og: OpGraph, topo: Topology, node: str, initial: list[int], const: list[bool]
) -> bool:
    i = topo.index[node]
    concats = [r for r in og.inputs.get(node, [])[:2] if og.op(r[0]) in CONCAT_OPS]
    if concats:
        state = og.inputs[concats[0][0]][:-1][-1][0]  # the last input of ConcatV2 is the axis
        # The initial state, or one scaled elementwise by a gate (a GRU's r * h_init).
        scaled = og.inputs[state] if og.op(state) == "Mul" else []
        return any(n in topo.index and const[topo.index[n]] for n, _ in [(state, 0), *scaled])
    if i in initial:
        return True
    mine = forward(topo, i, NEAR)
    for r in initial:
        after = forward(topo, r, NEAR)
        if (any(after.get(j, 0) > 0 for j in mine)
                and i not in forward(topo, r, len(topo.order))):
            return True
    return False
