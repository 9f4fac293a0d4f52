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

import networkx as nx

from rnninspect.analysis.opgraph import OpGraph
from rnninspect.analysis.reads import ADD_OPS, MATMUL_OPS, Use, adds_onto
from rnninspect.analysis.recurrence import Topology, Upstream, downstream
from rnninspect.analysis.roles import _through_identity


@dataclass
class Loop:
    node: str  # the While op
    clock: Upstream  # pos 0: depends on the carried state
    after: list[bool]  # downstream of any weight read in the body
    before: list[bool]  # upstream of a weight read in the body
    uses: list[int]
    # reads of an output layer inside the body — its prediction carried back as the next
    # input (`feedback.fed_back_in_loop`) or only written out (`outputs_in_loop`): in no
    # layer, and no clock runs through them
    fed_back: frozenset[int] = frozenset()


def find_loops(og: OpGraph, topo: Topology, uses: dict[str, list[Use]]) -> list[Loop]:
    body_uses: dict[str, list[int]] = {}
    for var_uses in uses.values():
        for u in var_uses:
            loop = og.loop(u.node)
            if loop is not None:
                body_uses.setdefault(loop, []).append(topo.index[u.node])
    loops = []
    for loop, idx in sorted(body_uses.items()):
        loops.append(_loop(topo, loop, carried_states(og, topo, loop), idx))
    return loops


def _loop(topo: Topology, node: str, state: list[int], idx: list[int],
          fed_back: frozenset[int] = frozenset()) -> Loop:
    """A loop (or one layer of it) whose carried state is `state` and weight reads `idx`;
    its clock does not run through the `fed_back` reads (what the prediction makes is no
    part of the state)."""
    n = len(topo.order)
    pos = [-1] * n
    marks = set(state)
    for i, preds in enumerate(topo.preds):
        if i in marks or (i not in fed_back and any(pos[p] == 0 for p in preds)):
            pos[i] = 0
    after = [False] * n
    use_set = set(idx)
    for i, preds in enumerate(topo.preds):
        after[i] = any(p in use_set or after[p] for p in preds)
    before = [False] * n
    for i in range(n - 1, -1, -1):
        before[i] = any(s in use_set or before[s] for s in topo.succs[i])
    return Loop(node, Upstream(pos, [0] * n), after, before, sorted(idx), fed_back)


def split_layers(og: OpGraph, topo: Topology, loop: Loop,
                 fed_back: frozenset[int] = frozenset()) -> list[Loop]:
    """The layers of one loop body, read off its cycles (a stack of cells in one body:
    ``tf.scan`` over a hand-written stack, ``dynamic_rnn(MultiRNNCell)``, Keras
    ``StackedRNNCells``).

    Rolled, the body is a graph with back edges from each carried state's next value to the
    state. A weight read and a state that reach each other lie on one cycle; each strongly
    connected component holding a read and a state is one layer, with its own state (one
    matrix per gate stays one layer: all its reads are on the cycle of h and c). A read on
    no cycle joins the first layer its value flows into (the input kernel of a layer), else
    the last layer it reads from (a head computed inside the loop). Layers are ordered by
    the loop's dataflow. The reads of a fed-back output layer (`fed_back`) are in no layer
    and no path runs through them: the prediction the loop carries back to the first layer
    closes no cycle, and a state made only of it is no layer's state. Guarantee: a body with
    fewer than two such components and no fed-back output is returned whole, exactly as
    before; a split never puts one read in two layers."""
    states = carried_states(og, topo, loop.node)
    if len(states) < 2 and not fed_back:
        return [loop]
    reads = [i for i in loop.uses if i not in fed_back]
    nxt = next_values(og, topo, states)
    down = {i: _downstream_avoiding(topo, i, fed_back) for i in [*states, *reads]}
    cycles = nx.DiGraph()
    cycles.add_nodes_from([*states, *reads])
    for a in [*states, *reads]:
        for b in reads:
            if a in states and b in down[a]:
                cycles.add_edge(a, b)
        for s in states:
            if nxt[s] & down[a]:
                cycles.add_edge(a, s)
    # a layer is a cycle holding a weight read and a state, or a recurrent state no weight
    # sits on (an elementwise recurrence: SRU's c = f * c + ..., QRNN) that a read feeds
    recurrent = set(recurrent_states(og, topo, states))
    fed = {s for s in recurrent for u in reads if nxt[s] & down[u]}
    groups = sorted(
        (c for c in nx.strongly_connected_components(cycles)
         if c & set(states) and (c & set(reads) or c & fed)
         and (len(c) > 1 or any(cycles.has_edge(m, m) for m in c))),
        key=min)
    if len(groups) < 2 and not fed_back:
        return [loop]
    if not groups:  # no cycle without the fed-back reads: the body as it is
        return [loop]
    members = [set(g) for g in groups]
    for u in reads:
        if any(u in g for g in groups):
            continue
        feeds = [k for k, g in enumerate(groups)
                 if any(nxt[s] & down[u] for s in g & set(states))]
        from_layers = [k for k, g in enumerate(groups)
                       if any(u in down[s] for s in g & set(states))]
        members[feeds[0] if feeds else from_layers[-1] if from_layers else 0].add(u)
    return [_loop(topo, loop.node, sorted(m & set(states)), sorted(m & set(reads)), fed_back)
            for m in members]


def outputs_in_loop(og: OpGraph, topo: Topology, loop: str, uses: dict[str, list[Use]]
                    ) -> frozenset[int]:
    """The reads of an output layer computed inside one while loop's body and only written
    out (a head applied at every iteration, its result put in a TensorArray or a scan's
    outputs): matmul reads that depend on a *recurrent* state — a carried value that some
    weight read in the body depends on, or one on a cycle (`recurrent_states`: an IndRNN's
    h, multiplied by a vector; an SRU's c, by a gate) — and from which the next value of no
    recurrent state is made; with the reads of a bias added straight onto their products.
    Guarantee: a read that helps make the next state (an input, recurrent, fused, gate or
    `num_proj` matrix; a fed-back output, whose prediction becomes the next input) is never
    one, nor one that reads no recurrent state; a carried value no weight reads (a scan's
    output slot) makes nothing recurrent. Cost: one search of the graph per state and read."""
    states = [i for i, n in enumerate(topo.order)
              if og.op(n) == "LoopState" and og.loop(n) == loop]
    reads = {topo.index[u.node] for var_uses in uses.values() for u in var_uses
             if u.op in MATMUL_OPS and u.node in topo.index and og.loop(u.node) == loop}
    down = {s: downstream(topo, [s]) for s in states}
    on_cycle = set(recurrent_states(og, topo, states))
    recurrent = [s for s in states if down[s] & reads or s in on_cycle]
    made = {i for ops in next_values(og, topo, recurrent).values() for i in ops}
    out = {i for i in reads if any(i in down[s] for s in recurrent)
           and not downstream(topo, [i]) & made}
    products = {topo.order[i] for i in out}
    out |= {topo.index[u.node] for var_uses in uses.values() for u in var_uses
            if u.node in topo.index and og.loop(u.node) == loop and adds_onto(og, u, products)}
    return frozenset(out)


def recurrent_states(og: OpGraph, topo: Topology, states: list[int]) -> list[int]:
    """The carried states that are a recurrence whether or not a weight multiplies them:
    those on a cycle of the body's back edges (a state reaches the next value of a state
    that reaches its own, ...). A state its next value only keeps or adds to — a running
    sum of terms that do not depend on it (a loss accumulated over the iterations), a
    select between it and a value that does not (a masked layer's last output, copied
    through) — is no cycle of its own: nothing computes with it. Guarantee: every state a
    weight read on a cycle depends on is one; a scan's output slot (made from the state,
    never from itself), a running sum and a copied-through output are not."""
    nxt = next_values(og, topo, states)
    down = {s: downstream(topo, [s]) for s in states}
    graph = nx.DiGraph()
    graph.add_nodes_from(states)
    for a in states:
        for b in states:
            if nxt[b] & down[a] and not (a == b and _kept_or_summed(og, topo, a, down[a])):
                graph.add_edge(a, b)
    return sorted(m for c in nx.strongly_connected_components(graph) for m in c
                  if len(c) > 1 or graph.has_edge(m, m))


def _kept_or_summed(og: OpGraph, topo: Topology, state: int, down: set[int]) -> bool:
    """Is the state's next value the state plus terms that do not depend on it (a running
    sum), or a select between the state and a value that does not depend on it (a masked
    layer's last output, copied through where a sequence has ended)?"""
    node = og.graph.nodes[topo.order[state]].get("next")
    if node is None or node not in og.graph:
        return False
    node = _through_identity(og, node)
    terms = [_through_identity(og, src) for src, _ in og.inputs.get(node, [])]
    if og.op(node) in ("Select", "SelectV2"):
        terms = terms[1:3]  # the condition picks, it is no term
    elif og.op(node) not in (*ADD_OPS, "AddN"):
        return False
    itself = topo.order[state]
    return terms.count(itself) == 1 and all(
        t == itself or topo.index.get(t, -1) not in down for t in terms)


def carried_states(og: OpGraph, topo: Topology, loop: str) -> list[int]:
    """The loop's recurrent states: the float values it carries whose next value is made
    from a carried value. One whose next value depends on none (only on the counter, a
    `TensorArray`, constants: `raw_rnn` carries the next input its `loop_fn` reads) is data
    fetched ahead, as an input is, and so is one made only from such data. Guarantee: a
    state on any cycle of the body is kept, so a loop without such a value keeps every
    state as before."""
    states = [i for i, node in enumerate(topo.order)
              if og.op(node) == "LoopState" and og.loop(node) == loop]
    made_of = next_values(og, topo, states)
    while True:  # drop, until none is left, a state whose next value no kept state reaches
        reached = downstream(topo, states)
        kept = [s for s in states if made_of[s] & reached]
        if kept == states:
            return states
        states = kept


def next_values(og: OpGraph, topo: Topology, states: list[int]) -> dict[int, set[int]]:
    """Each loop state's back edge: the ops its next value is made of."""
    return {s: _in_computation(og, topo, og.graph.nodes[topo.order[s]].get("next"))
            for s in states}


def _downstream_avoiding(topo: Topology, start: int, barrier: frozenset[int]) -> set[int]:
    """`start` and what is downstream of it along ops outside `barrier`."""
    seen, stack = {start}, [start]
    while stack:
        for s in topo.succs[stack.pop()]:
            if s not in seen and s not in barrier:
                seen.add(s)
                stack.append(s)
    return seen


def _in_computation(og: OpGraph, topo: Topology, node: str | None) -> set[int]:
    """The ops of the computation that `node`'s value is made of: `node` itself, or — for a
    state the model never reads after the loop (an LSTM's final c) — its nearest ancestors
    inside the computation."""
    found: set[int] = set()
    seen: set[str] = set()
    stack = [node] if node is not None and node in og.graph else []
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        if n in topo.index:
            found.add(topo.index[n])
        else:
            stack.extend(src for src, _ in og.inputs.get(n, ()))
    return found


def loop_layers(topo: Topology, loops: list[Loop]) -> list[int]:
    """A loop (or loop layer) whose reads depend on another's comes after it in the stack.

    Within one body, what a fed-back output computes is the next iteration's input: a
    prediction that re-enters layer 0 (through a projection, or the lookup of an embedding
    on its argmax) orders nothing, as the loop's back edges order nothing. So a layer's
    reads are ordered after another layer of its loop only along paths that avoid the
    fed-back reads. Guarantee: the layers of one body are numbered by the stack's order
    within an iteration, 0 to N-1, whatever the loop feeds back; a body with no fed-back
    output, and loops apart, are ordered exactly as before. Cost: one search of the body
    per layer with fed-back reads."""
    def feeds(a: Loop, b: Loop) -> bool:
        if a.node != b.node or not a.fed_back:
            return any(a.after[i] for i in b.uses)
        reached: set[int] = set()
        for i in a.uses:
            reached |= _downstream_avoiding(topo, i, a.fed_back)
        return any(i in reached for i in b.uses)

    order = [[a for a, la in enumerate(loops) if a != b and feeds(la, lb)]
             for b, lb in enumerate(loops)]
    layers = [0] * len(loops)
    for _ in loops:  # longest path by relaxation; a handful of loops at most
        for b, before in enumerate(order):
            for a in before:
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

    def depends(b: Loop, a: Loop) -> bool:
        return any(a.after[i] for i in b.uses)

    # in dependency order: a call after the calls it depends on (where its first read falls
    # in the graph's order is no property of the program: a recurrent kernel that only
    # multiplies the zero state depends on no earlier call)
    runs = [sorted(group, key=lambda b: sum(depends(b, a) for a in group if a is not b))
            for group in groups.values()]
    return [run for run in runs
            if len(run) >= 2 and all(depends(b, a) for a, b in pairwise(run))]


def one_iteration_loops(og: OpGraph) -> set[str]:
    """While loops that read their input sequence from a list made of a tensor whose
    leading (time) dimension is known to be 1: a Keras RNN layer called on one step. The
    list reaches the body as an argument, or (TF 1.x control flow, a lowered While) through
    the frame's `Enter` and the body's `Identity`."""
    lengths: dict[str, set[int | None]] = {}
    for node in og.graph:
        loop = og.loop(node)
        if loop is None or og.op(node) != "TensorListGetItem" or not og.inputs.get(node):
            continue
        source = og.inputs[node][0][0]
        for _ in range(4):
            if og.op(source) not in ("Identity", "Enter") or not og.inputs.get(source):
                break
            source = og.inputs[source][0][0]
        if og.op(source) != "TensorListFromTensor" or not og.inputs.get(source):
            continue
        shape = og.shape(og.inputs[source][0])
        lengths.setdefault(loop, set()).add(shape[0] if shape else None)
    return {loop for loop, found in lengths.items() if found == {1}}
