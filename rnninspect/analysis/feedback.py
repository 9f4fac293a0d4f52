"""Output layers whose prediction is fed back as the next input (autoregressive decoding).

Such a weight's reads form a chain, as a recurrent weight's do — each prediction feeds the
next step, which feeds the next prediction — so chains alone take it for part of the cell.
The state tells them apart. A weight B read at two or more steps (a chain, or reads in no
single order: the prediction fed back at some steps only) is a *fed-back output* when

1. B has no recurrence of its own: every path from one of its reads to a later one passes
   through a matmul read of another weight (the cell's), and the state part of a
   ``concat`` B reads (see 3) is not made from B's earlier reads, however (an LSTM
   kernel's state comes back through its ``num_proj`` projection);
2. some chain A has one without B — its consecutive reads connect along paths that avoid
   B's reads (the cell's state flows on without the prediction) — and B is on one loop
   with A's cell: B reads what the cell made, and the cell later reads what B made. A's
   cell is A with the chains that take turns or sit side by side with it (`same_cell`,
   B aside): with two steps, the prediction of the first re-enters through the input
   matrix beside A, never through A itself; and
3. no read of B reaches the *state* operand of a later read of another chain, except
   through a matmul read of another weight: the last part of a ``concat`` of any chain
   (TF1 cells concatenate ``[inputs, state]``; a GRU's ``r * h``), the operand itself of
   a chain that has a recurrence without B (the previous state). The prediction re-enters
   as input only.

Guarantee, for any program: a cell's own matrices never qualify — a matrix per gate has a
recurrence of its own (1 fails), an output projection (``num_proj``) is the state part of
its own kernel's concat (3 fails, in every layer of a stack that a feedback closes into one
loop), a Keras input kernel adds into the gates that make the next state (3 fails), a GRU's
reset matrix scales the state its candidate multiplies (3 fails); a stacked layer has its
own recurrence (1 fails). Once found, the fed-back reads are barriers: no step clock runs
through them (`recurrence.upstream`, `recurrence.reaches`), so a cell's state is what it
carries itself, and the rows of a fused kernel that multiply the prediction are its input
rows. `fed_back_in_loop` applies the same rule to a while loop's rolled body. Cost: a few
linear searches per candidate weight, only for graphs with two or more weights read at
several steps.
"""

from __future__ import annotations

from itertools import pairwise

from rnninspect.analysis.facts import VarFacts
from rnninspect.analysis.loops import next_values
from rnninspect.analysis.opgraph import OpGraph
from rnninspect.analysis.reads import (
    ADD_OPS,
    CONCAT_OPS,
    GATHER_OPS,
    MATMUL_OPS,
    Use,
    adds_onto,
    data_operand,
)
from rnninspect.analysis.recurrence import (
    Chain,
    Topology,
    Upstream,
    downstream,
    same_cell,
    upstream,
)
from rnninspect.model import Placement


def fed_back_outputs(
    og: OpGraph, topo: Topology, chains: list[Chain], uses: dict[str, list[Use]],
    in_loop: set[str],
) -> list[Chain]:
    """The output layers fed back as the next input: chains, and weights whose static
    matmul reads form no single chain, each as the `Chain` of its reads in dataflow order."""
    if not chains:
        return []
    chained = {c.var for c in chains}
    partial = [Chain(var, sorted(nodes, key=topo.index.__getitem__))
               for var, var_uses in sorted(uses.items()) if var not in chained
               for nodes in [[u.node for u in var_uses
                              if u.op in MATMUL_OPS and u.node not in in_loop]]
               if len(nodes) >= 2]
    if len(chained) + len(partial) < 2:
        return []
    reads = {c.id: [topo.index[n] for n in c.uses] for c in [*chains, *partial]}
    # every static matmul read of a weight: what "through another matrix" means
    every = {topo.index[u.node] for var_uses in uses.values() for u in var_uses
             if u.op in MATMUL_OPS and u.node not in in_loop and u.node in topo.index}
    clocks: dict[str, Upstream] = {}  # made when a candidate gets as far as needing them
    concat_states = {c.id: [s for s in (_state_operand(og, topo, n, uses[c.var], concat=True)
                                        for n in c.uses) if s is not None] for c in chains}
    out: list[Chain] = []
    for b in [*chains, *partial]:
        mine = set(reads[b.id])
        own = (_recurrent(topo, reads[b.id], every - mine) if b in chains
               else _reaches_itself(topo, mine, every - mine))
        if own or _own_state(topo, reads[b.id], concat_states.get(b.id, [])):
            continue
        # the chains whose state flows on without B: the cell it would feed back into
        others = [a for a in chains if a.var != b.var]
        cells = [a for a in others if _recurrent(topo, reads[a.id], mine)]
        if not any(_loop_with(topo, [i for c in _cell(a, others, clocks, topo)
                                     for i in reads[c.id]], reads[b.id]) for a in cells):
            continue
        states = [s for a in cells for s in (_state_operand(og, topo, n, uses[a.var])
                                             for n in a.uses) if s is not None]
        states += [s for a in others for s in concat_states[a.id]]
        blocked = every - mine
        # a read that is itself a state (a projection's product) reaches it
        if not any(s == r or (s > r and _path(topo, r, s, blocked))
                   for r in reads[b.id] for s in states):
            out.append(b)
    return out


def _own_state(topo: Topology, reads: list[int], states: list[int]) -> bool:
    """Is the state part of a concat the weight reads made from its own earlier read
    (however: an LSTM kernel whose state comes back through its projection)?"""
    return any(_path(topo, r, s, set()) for r in reads for s in states if s > r)


def _cell(a: Chain, chains: list[Chain], clocks: dict[str, Upstream], topo: Topology
          ) -> list[Chain]:
    """A and the chains that take turns or sit side by side with it, transitively
    (`clocks`: each chain's step clock, filled in here as needed)."""
    for c in [a, *chains]:
        if c.id not in clocks:
            clocks[c.id] = upstream(topo, c)
    cell = [a]
    grew = True
    while grew:
        grew = False
        for c in chains:
            if c not in cell and any(same_cell(clocks, topo, m, c) for m in cell):
                cell.append(c)
                grew = True
    return cell


def own_recurrence(topo: Topology, chain: Chain, barrier: frozenset[int]) -> bool:
    """Do the chain's consecutive reads connect along paths through no read in `barrier`
    (a fed-back output layer)? A cell's input matrix read on the prediction does not: it is
    ordered by the feedback alone."""
    return _recurrent(topo, [topo.index[n] for n in chain.uses], set(barrier))


def _loop_with(topo: Topology, a: list[int], b: list[int]) -> bool:
    """B reads what A made, and A later reads what B made: the two are on one loop (a
    layer below, or another layer's projection, is not). Two closures, linear time."""
    return (bool(downstream(topo, a) & set(b) - set(a))
            and bool(downstream(topo, b) & set(a) - set(b)))


def _reaches_itself(topo: Topology, reads: set[int], blocked: set[int]) -> bool:
    """Does one of `reads` reach another along ops outside `blocked`? (One search.)"""
    seen, stack = set(reads), list(reads)
    while stack:
        for s in topo.succs[stack.pop()]:
            if s in reads:
                return True
            if s not in seen and s not in blocked:
                seen.add(s)
                stack.append(s)
    return False


def _recurrent(topo: Topology, reads: list[int], blocked: set[int]) -> bool:
    return all(_path(topo, a, b, blocked) for a, b in pairwise(reads))


def _path(topo: Topology, start: int, goal: int, blocked: set[int]) -> bool:
    """Is `goal` downstream of `start` along ops outside `blocked` (`goal` itself aside)?"""
    seen, stack = {start}, [start]
    while stack:
        for s in topo.succs[stack.pop()]:
            if s == goal:
                return True
            if s not in seen and s < goal and s not in blocked:
                seen.add(s)
                stack.append(s)
    return False


def _state_operand(og: OpGraph, topo: Topology, node: str, var_uses: list[Use],
                   *, concat: bool = False) -> int | None:
    """The op whose value a read multiplies as the previous state: the last part of a
    ``concat`` (TF1 cells concatenate [inputs, state]), or the operand itself (unless
    `concat`: only a concat's position tells the state without a recurrence)."""
    use = next((u for u in var_uses if u.node == node), None)
    data = data_operand(og, use) if use is not None else None
    if data is None:
        return None
    if og.op(data[0]) in CONCAT_OPS:
        parts = og.inputs.get(data[0], [])[:-1]  # the last input is the axis
        if len(parts) >= 2:
            return topo.index.get(parts[-1][0])
    return None if concat else topo.index.get(data[0])


def fed_back_in_loop(og: OpGraph, topo: Topology, loop: str, uses: dict[str, list[Use]]
                     ) -> frozenset[int]:
    """The reads of output layers fed back as the next input inside one while loop's body:
    the rule of the static chains (see the module), on the rolled body — a read's later
    reads are its reads in the next iteration, reached through the back edges from each
    carried state's next value to the state. A weight B read in the body is a fed-back
    output when (1) no read of B reaches one of B's reads (itself included) without passing
    a matmul read, or a lookup (gather), of another weight, and the state part of a concat
    it reads is not made from it; (2) some other weight A has a cycle that avoids B, and B
    and A reach each other;
    (3) B reaches no state operand of another read (a concat's last part; the operand of
    an A of (2)) without passing such a read of another weight. Returned with the reads
    of a bias added straight onto their products. Guarantee: as for chains — a cell's own
    matrices never qualify. Cost: a few searches of the body per weight."""
    body = {i for i, n in enumerate(topo.order) if og.loop(n) == loop}
    states = [i for i in body if og.op(topo.order[i]) == "LoopState"]
    back: dict[int, list[int]] = {}
    for state, made in next_values(og, topo, states).items():
        for i in made:
            back.setdefault(i, []).append(state)
    reads = {var: {topo.index[u.node] for u in var_uses
                   if u.op in MATMUL_OPS and og.loop(u.node) == loop and u.node in topo.index}
             for var, var_uses in uses.items()}
    reads = {var: r for var, r in reads.items() if r}
    if len(reads) < 2:
        return frozenset()
    every = {i for r in reads.values() for i in r}
    # a lookup of another weight by the prediction (an embedding gathered by its argmax) is
    # as much a barrier as a matmul of another weight: the prediction re-enters as an input
    lookups = {topo.index[u.node] for var_uses in uses.values() for u in var_uses
               if u.op in GATHER_OPS and u.operand == 0 and og.loop(u.node) == loop
               and u.node in topo.index}

    def reach(starts: set[int], blocked: set[int]) -> set[int]:
        """What `starts` reach in the rolled body (not themselves, unless on a cycle)."""
        seen: set[int] = set()
        stack = list(starts)
        while stack:
            i = stack.pop()
            for s in [*topo.succs[i], *back.get(i, ())]:
                if s in body and s not in seen and s not in blocked:
                    seen.add(s)
                    stack.append(s)
        return seen

    def state_parts(var: str, concat: bool) -> set[int]:
        return {s for i in reads[var] for s in [_state_operand(
            og, topo, topo.order[i], uses[var], concat=concat)] if s is not None}

    concat_parts = {var: state_parts(var, True) for var in reads}
    out: set[int] = set()
    for b, mine in reads.items():
        barriers = (every | lookups) - mine
        if reach(mine, barriers) & mine or reach(mine, set()) & concat_parts[b]:
            continue  # a recurrence of its own, or its own state comes back to it
        cells = [a for a, theirs in reads.items()
                 if a != b and reach(theirs, mine) & theirs
                 and reach(theirs, set()) & mine and reach(mine, set()) & theirs]
        if not cells:
            continue
        states_of = {s for a in cells for s in state_parts(a, False)}
        states_of |= {s for a in reads if a != b for s in concat_parts[a]}
        if not (states_of & (reach(mine, barriers) | mine)):
            out |= mine
    products = {topo.order[i] for i in out}  # and a bias added straight onto them
    out |= {topo.index[u.node] for var_uses in uses.values() for u in var_uses
            if u.node in topo.index and topo.index[u.node] in body
            and adds_onto(og, u, products)}
    return frozenset(out)


def place_fed_back(og: OpGraph, facts: dict[str, VarFacts], reads: set[str], *,
                   dynamic: bool = False) -> None:
    """Put a fed-back output layer after the recurrence, outside the steps: its weight, and
    a bias added straight onto its product (`reads`: the output layer's matmul reads; with
    `dynamic`, in a while loop's body, so read at every iteration — and the same layer may
    also be applied outside every loop, a matmul by the weight, an addition of the bias: the
    decoder's emitted outputs projected again after the loop)."""
    if not reads:
        return
    for f in facts.values():
        looped = [u for u in f.uses if not dynamic or og.loop(u.node) is not None]
        again = all(u.op in (MATMUL_OPS | ADD_OPS) for u in f.uses if u not in looped)
        own = all(u.node in reads for u in looped)
        bias = all(adds_onto(og, u, reads) for u in looped)
        if looped and again and (own or bias):
            f.cell, f.other_cells, f.steps = None, [], set()
            f.step_uses, f.use_cells, f.use_steps = {}, {}, {}
            f.placement, f.dynamic = Placement.AFTER, dynamic
