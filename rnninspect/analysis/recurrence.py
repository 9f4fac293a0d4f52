"""Time steps and cells of a statically unrolled RNN, from dataflow and variable identity.

A *chain* is a weight matrix whose matmul reads are totally ordered by dataflow: the read
at step t+1 depends on the read at step t, because step t's state flows into step t+1.
Its position in that order *is* the time step. Chains that interleave (A_t -> B_t ->
A_{t+1}) belong to one cell; a cell whose step-0 read depends on another's comes after it
in the stack. Every other read is placed relative to the chains: at the step of the chain
read it sits next to (a bias, the input half of a Keras LSTMCell), or outside the steps.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass

from rnninspect.analysis.opgraph import OpGraph
from rnninspect.analysis.reads import (
    CONCAT_OPS,
    MATMUL_OPS,
    Use,
    data_operand,
    summed_row_slices,
)
from rnninspect.analysis.training import SHAPE_ONLY_OPS
from rnninspect.graph import VARIABLE_OPS

NEAR = 4  # hops within which a read belongs to the same step and cell as a chain read


@dataclass
class Chain:
    var: str
    uses: list[str]  # matmul nodes, in step order
    index: int = 0  # which of the variable's chains (one per layer when layers share a cell)

    @property
    def id(self) -> str:
        return self.var if self.index == 0 else f"{self.var}#{self.index}"

    @property
    def length(self) -> int:
        return len(self.uses)


@dataclass
class Topology:
    """Integer-indexed view of the computation for the linear-time passes."""

    order: list[str]
    index: dict[str, int]
    preds: list[list[int]]
    succs: list[list[int]]

    @classmethod
    def of(cls, og: OpGraph, computation: set[str]) -> Topology:
        """Kahn's algorithm, ties broken by the graph's own node order (deterministic)."""
        nodes = [n for n in og.graph if n in computation]
        position = {n: i for i, n in enumerate(nodes)}
        preds_of = [
            sorted({position[src] for src, _ in og.inputs.get(n, ()) if src in position})
            for n in nodes
        ]
        succs_of: list[list[int]] = [[] for _ in nodes]
        for i, sources in enumerate(preds_of):
            for p in sources:
                succs_of[p].append(i)
        waiting = [len(p) for p in preds_of]
        ready = [i for i, w in enumerate(waiting) if w == 0]
        heapq.heapify(ready)
        ordered: list[int] = []
        while ready:
            i = heapq.heappop(ready)
            ordered.append(i)
            for s in succs_of[i]:
                waiting[s] -= 1
                if waiting[s] == 0:
                    heapq.heappush(ready, s)
        rank = {old: new for new, old in enumerate(ordered)}
        order = [nodes[i] for i in ordered]
        index = {n: i for i, n in enumerate(order)}
        preds = [[rank[p] for p in preds_of[i]] for i in ordered]
        succs = [sorted(rank[s] for s in succs_of[i]) for i in ordered]
        return cls(order, index, preds, succs)


def downstream(topo: Topology, starts: list[int]) -> set[int]:
    """`starts` and every op downstream of them."""
    return _closure(topo.succs, starts)


def upstream_of(topo: Topology, start: int) -> set[int]:
    """Every op upstream of `start`."""
    return _closure(topo.preds, [start]) - {start}


def _closure(edges: list[list[int]], starts: list[int]) -> set[int]:
    seen, stack = set(starts), list(starts)
    while stack:
        for s in edges[stack.pop()]:
            if s not in seen:
                seen.add(s)
                stack.append(s)
    return seen


def find_chains(
    topo: Topology, uses: dict[str, list[Use]], loops: set[str], og: OpGraph | None = None
) -> list[Chain]:
    """Variables whose static matmul reads form one dependency chain of length >= 2; a
    weight whose reads multiply the initial state k >= 2 times is k chains, one per
    application of its cell (`_starts`, docs/analysis.md §5).

    `og` lets the tied-layers peel tell a step from a layer where the grid of reads alone
    cannot (fewer steps than layers): see `_state_parts`."""
    chains: list[Chain] = []
    peeled: list[list[Chain]] = []
    recurrent: list[list[Chain]] = []
    const: list[bool] | None = None
    for var in sorted(uses):
        nodes = [u.node for u in uses[var] if u.op in MATMUL_OPS and u.node not in loops]
        if og is not None:
            nodes = _one_read_per_row_pair(og, topo, uses[var], nodes)
        if len(nodes) < 2:
            continue
        marks = {topo.index[n] for n in nodes}
        count = _reads_upstream(topo, marks)
        positions = sorted(count[i] for i in marks)
        parts = _state_parts(og, topo, uses[var], marks)
        if og is not None and const is None:
            const = constants(og, topo)
        starts = _starts(og, topo, const, uses[var], marks, parts)
        layers = None
        if len(starts) >= 2 and len(nodes) % len(starts) == 0 and len(nodes) > len(starts):
            # Each application of the cell starts from the initial state: as many chains as
            # reads multiply it, each from one of them (layers interleaved step by step, or
            # one layer object run over whole sequences, one after the other). Applications
            # of one read each (T = 1 layers, or steps each restarted from zeros) are left to
            # the rules below, which tell layers from steps by what each read's input is.
            layers = _peel(topo, marks, count, parts, starts)
        if layers is None and positions == list(range(1, len(nodes) + 1)):
            ordered = sorted(nodes, key=lambda n: count[topo.index[n]])
            chains.append(Chain(var, _one_read_per_step(og, uses[var], ordered)))
        elif layers is not None or (max(positions) >= 2 and len(nodes) >= 4):
            # Several interleaved chains: one cell object applied by several layers.
            from_starts = layers is not None
            layers = layers or _peel(topo, marks, count, parts)
            if layers is not None:
                peeled.append([Chain(var, [topo.order[i] for i in c], k)
                               for k, c in enumerate(layers)])
                if from_starts:
                    recurrent.append(peeled[-1])
    # A weight read once per layer at every step (a Keras cell's input kernel) also peels,
    # into one "chain" per step across the layers. The recurrent weights' peels are those
    # whose chains start where they multiply the initial state (a value no input or weight
    # feeds: `_starts`); failing those, the layers are the fewest chains found.
    recurrent += [p for p in peeled if p not in recurrent and og is not None
                  and _multiplies_constant(og, p[0].uses[0])]
    fewest = min((len(p) for p in peeled), default=0)
    kept = recurrent or [p for p in peeled if len(p) == fewest]
    return chains + [c for p in kept for c in p]


def _reads_upstream(topo: Topology, marks: set[int]) -> list[int]:
    """Per op: the most marked reads on one path up to and including it."""
    count = [0] * len(topo.order)
    for i, preds in enumerate(topo.preds):
        c = max((count[p] for p in preds), default=0)
        count[i] = c + 1 if i in marks else c
    return count


def _one_read_per_row_pair(og: OpGraph, topo: Topology, uses: list[Use], nodes: list[str]
                           ) -> list[str]:
    """`nodes` with one read of each pair of summed row-slice reads (`x @ W[:k] + h @ W[k:]`,
    `reads.summed_row_slices`): the pair is one read of the kernel on `concat([x, h])`, so
    the chain runs through the later of the two (the one more reads lie upstream of, the
    state's: the input's read depends on no earlier step)."""
    partner = summed_row_slices(og, uses)
    if not partner:
        return nodes
    count = _reads_upstream(topo, {topo.index[n] for n in nodes})
    def rank(n: str) -> tuple[int, str]:
        return count[topo.index[n]], n
    return [n for n in nodes if n not in partner or partner[n].node not in nodes
            or rank(n) > rank(partner[n].node)]


def _one_read_per_step(og: OpGraph | None, uses: list[Use], ordered: list[str]) -> list[str]:
    """The first read of each application of the cell, where one step reads the weight at
    several sites.

    A Keras ``GRU(reset_after=False)`` multiplies h by the z/r columns of its recurrent
    kernel, then r * h by the candidate's columns: two reads of one weight per step, each
    through its own slice. A read's *site* is the part of the weight it multiplies (the
    slice's shape). When the ordered reads repeat a cycle of k distinct sites, each cycle
    is one step; one site per step (every cell that reads its whole weight) is unchanged.
    """
    if og is None:
        return ordered
    by_node = {u.node: u for u in uses}
    sites = [_read_site(og, by_node[n]) for n in ordered]
    for k in range(2, len(sites) // 2 + 1):
        cycle = sites[:k]
        if len(set(cycle)) == k and len(sites) % k == 0 and sites == cycle * (len(sites) // k):
            return ordered[::k]
    return ordered


def _read_site(og: OpGraph, use: Use) -> tuple[int | None, ...] | None:
    """The shape of the weight operand as the matmul reads it (after slices)."""
    refs = og.inputs.get(use.node, [])
    return og.shape(refs[use.operand]) if use.operand < len(refs) else None


_SOURCES = VARIABLE_OPS | {"Placeholder", "PlaceholderWithDefault", "LoopState"}


def _multiplies_constant(og: OpGraph, node: str) -> bool:
    """Does the matmul `node` multiply a value computed from constants alone (zeros of a
    shape read off the input: shapes are no values)? Its other operand is the weight."""
    refs = og.inputs.get(node, [])[:2]
    seen: set[str] = set()
    stack = [src for src, _ in refs]
    operands = 0
    while stack:
        n = stack.pop()
        if n in seen or og.op(n) in SHAPE_ONLY_OPS:
            continue
        seen.add(n)
        if og.op(n) in _SOURCES:
            operands += 1  # the weight's own source is one; the data's would be a second
            if operands > 1:
                return False
            continue
        stack += [src for src, _ in og.inputs.get(n, ())]
    return True


def constants(og: OpGraph, topo: Topology) -> list[bool]:
    """Per op: is its value computed from constants alone (no input, weight or loop state
    upstream; shapes are no values)? Zeros made for a state before the first step."""
    const = [False] * len(topo.order)
    for i, node in enumerate(topo.order):
        op = og.op(node)
        const[i] = op in SHAPE_ONLY_OPS or (
            op not in _SOURCES and all(const[p] for p in topo.preds[i]))
    return const


def _state_parts(
    og: OpGraph | None, topo: Topology, uses: list[Use], marks: set[int]
) -> dict[int, int]:
    """Read -> the op that produces the last part of the ``concat`` it multiplies: the
    previous state in every TF1 cell (``concat([inputs, state])``). A layer's next step
    depends on its previous read through that part; the layer above, through the first."""
    if og is None:
        return {}
    parts: dict[int, int] = {}
    for use in uses:
        i = topo.index.get(use.node)
        if i not in marks:
            continue
        data = data_operand(og, use)
        if data is None or og.op(data[0]) not in CONCAT_OPS:
            continue
        concat_parts = og.inputs.get(data[0], [])[:-1]  # the last input is the axis
        if len(concat_parts) >= 2 and concat_parts[-1][0] in topo.index:
            parts[i] = topo.index[_ungated(og, concat_parts[-1][0])]
    return parts


def _starts(
    og: OpGraph | None, topo: Topology, const: list[bool] | None, uses: list[Use],
    marks: set[int], parts: dict[int, int]
) -> set[int]:
    """Reads that multiply the initial state (a value computed from constants alone: the
    zero state), as the state part of a fused kernel's ``concat`` or as the whole operand,
    either through a gate (a GRU's ``r * h``). Every later step of an application of the
    cell multiplies the state its previous step made."""
    if og is None or const is None:
        return set()
    out = set()
    for use in uses:
        i = topo.index.get(use.node)
        if i not in marks:
            continue
        if i in parts:
            state: int | None = parts[i]
        else:
            data = data_operand(og, use)
            state = topo.index.get(_ungated(og, data[0])) if data is not None else None
        if state is None:
            if _multiplies_constant(og, use.node):
                out.add(i)
        elif const[state]:
            out.add(i)
    return out


def _ungated(og: OpGraph, node: str) -> str:
    """The state inside a gated state: a GRU's candidate multiplies concat([x, r * h]), and
    its reset gate r is computed from this step's input, so through r the product depends
    on the layer below; the layer's own recurrence runs through h."""
    if og.op(node) != "Mul":
        return node
    operands = [src for src, _ in og.inputs.get(node, [])[:2]]
    gates = [src for src in operands if _is_gate(og, src)]
    others = [src for src in operands if not _is_gate(og, src)]
    return others[0] if len(gates) == 1 and len(others) == 1 else node


_SLICES = frozenset({"Split", "SplitV", "StridedSlice", "Slice", "Identity"})


def _is_gate(og: OpGraph, node: str) -> bool:
    """A sigmoid's output, or a slice of one (TF1 GRUCell splits sigmoid(gates) into r, u)."""
    for _ in range(4):
        if og.op(node) == "Sigmoid":
            return True
        if og.op(node) not in _SLICES or not og.inputs.get(node):
            return False
        refs = og.inputs[node]
        node = refs[1][0] if og.op(node) == "Split" and len(refs) > 1 else refs[0][0]
    return False


def _peel(
    topo: Topology, marks: set[int], count: list[int], state_part: dict[int, int] | None = None,
    starts: set[int] | None = None,
) -> list[list[int]] | None:
    """Split one variable's reads into k chains of equal length, lowest layer first.

    Tries k = 2, 3, ... (k must divide the number of reads). Each chain starts at a read
    with no remaining read upstream; the next read is one more along the longest path, and
    the one whose remaining upstream reads are only the chain's own so far (the lowest
    layer's next step: a higher layer's read also depends on a lower layer's). Where that
    does not decide, the one with more reads downstream (it also feeds the layers above),
    then fewer upstream. Returns None unless some k puts every read in a chain.
    """
    bit = {i: 1 << k for k, i in enumerate(sorted(marks))}
    desc = [0] * len(topo.order)
    for i in range(len(topo.order) - 1, -1, -1):
        acc = 0
        for s in topo.succs[i]:
            acc |= desc[s] | bit.get(s, 0)
        desc[i] = acc
    anc = [0] * len(topo.order)
    for i, preds in enumerate(topo.preds):
        acc = 0
        for p in preds:
            acc |= anc[p] | bit.get(p, 0)
        anc[i] = acc
    total = len(marks)
    if starts:
        return _peel_k(marks, count, desc, anc, bit, total // len(starts), state_part or {},
                       starts)
    for k in range(2, total // 2 + 1):
        if total % k == 0:
            chains = _peel_k(marks, count, desc, anc, bit, total // k, state_part or {})
            if chains is not None:
                return chains
    return None


def _peel_k(
    marks: set[int],
    count: list[int],
    desc: list[int],
    anc: list[int],
    bit: dict[int, int],
    length: int,
    state_part: dict[int, int],
    starts: set[int] | None = None,
) -> list[list[int]] | None:
    remaining = set(marks)
    chains: list[list[int]] = []
    while remaining:
        live = sum(bit[i] for i in remaining)
        upstream_of_some = 0
        for j in remaining:
            upstream_of_some |= desc[j]
        sources = [i for i in remaining if not upstream_of_some & bit[i]
                   and (not starts or i in starts)]
        if not sources:
            return None
        chain = [min(sources, key=lambda i: (-(desc[i] & live).bit_count(), i))]
        mine = bit[chain[0]]
        while len(chain) < length:
            last = chain[-1]
            if starts:
                # the next read of this application: no other remaining read between, and
                # not the start of another application
                after = [j for j in remaining if desc[last] & bit[j] and j not in starts]
                between = 0
                for j in after:
                    between |= desc[j]
                nxt = [j for j in after if not between & bit[j]]
            else:
                nxt = [j for j in remaining
                       if desc[last] & bit[j] and count[j] == count[last] + 1]
            if state_part:  # a fused kernel: the next step reads this one's state
                nxt = [j for j in nxt if j in state_part and anc[state_part[j]] & bit[last]]
            if not nxt:
                return None
            # The lowest remaining layer's next step reads nothing upstream but its own
            # earlier steps; a higher layer's read also depends on this layer's reads.
            own = [j for j in nxt if anc[j] & live == mine]
            chain.append(own[0] if len(own) == 1 else min(
                nxt, key=lambda j: (-(desc[j] & live).bit_count(), (anc[j] & live).bit_count(),
                                    j)))
            mine |= bit[chain[-1]]
        remaining -= set(chain)
        chains.append(chain)
    return chains


@dataclass
class Upstream:
    """For one chain, per node: the latest chain read upstream (-1: none) and hops since."""

    pos: list[int]
    hops: list[int]


def upstream(topo: Topology, chain: Chain, barrier: frozenset[int] = frozenset()) -> Upstream:
    """The chain's step clock. It does not run through `barrier` (the reads of an output
    layer fed back as the next input): what the prediction makes is no part of the state."""
    n = len(topo.order)
    pos, hops = [-1] * n, [0] * n
    marks = {topo.index[u]: t for t, u in enumerate(chain.uses)}
    for i, preds in enumerate(topo.preds):
        if i in marks:
            pos[i], hops[i] = marks[i], 0
            continue
        if i in barrier:
            continue
        best, best_hops = -1, 0
        for p in preds:
            if pos[p] > best or (pos[p] == best and hops[p] + 1 < best_hops):
                best, best_hops = pos[p], hops[p] + 1
        pos[i], hops[i] = best, best_hops
    return Upstream(pos, hops)


def reaches(topo: Topology, chain: Chain, barrier: frozenset[int] = frozenset()) -> list[bool]:
    """Per node: does any read of the chain lie strictly downstream, along paths through no
    op of `barrier` (a fed-back output layer's reads, as for `upstream`)?"""
    n = len(topo.order)
    marks = {topo.index[u] for u in chain.uses}
    out = [False] * n
    for i in range(n - 1, -1, -1):
        out[i] = i not in barrier and any(s in marks or out[s] for s in topo.succs[i])
    return out


def same_cell(ups: dict[str, Upstream], topo: Topology, a: Chain, b: Chain) -> bool:
    """Two chains are one cell when they lie on one recurrence: A_t -> B_t -> A_{t+1} (they
    take turns, like an LSTM kernel and its output projection), or A_t and B_t side by side
    with each step t+1 reading both (one matrix per gate). Layers never qualify: the layer
    above reads the one below at the same step and never feeds its next step."""
    if min(a.length, b.length) < 2:
        return False

    def turns(first: Chain, second: Chain) -> bool:
        nxt, now = topo.index[first.uses[1]], topo.index[second.uses[0]]
        return ups[first.id].pos[now] == 0 and ups[second.id].pos[nxt] == 0

    def side_by_side() -> bool:
        # A_0 and B_0 independent, A_1 reads B_0 and B_1 reads A_0: two matrices of one
        # state computed in parallel (a textbook LSTM's W_hi, W_hf, ... one per gate).
        a0, b0 = topo.index[a.uses[0]], topo.index[b.uses[0]]
        a1, b1 = topo.index[a.uses[1]], topo.index[b.uses[1]]
        return (ups[a.id].pos[b0] < 0 and ups[b.id].pos[a0] < 0
                and ups[b.id].pos[a1] == 0 and ups[a.id].pos[b1] == 0)

    return turns(a, b) or turns(b, a) or side_by_side()


def nearest_chain(
    topo: Topology, node: str, chains: list[Chain], ups: dict[str, Upstream]
) -> tuple[str, int, int] | None:
    """(chain var, step, distance) of the chain read this op sits next to, if any."""
    i = topo.index[node]
    # (distance, downstream?, hops, -step, chain): a read upstream beats one downstream at
    # the same distance (the op is in the step it follows); downstream, the op where the
    # read's value meets a chain is the chain's step whose read is nearest that op (a
    # decoder's x_t·W meets its own h_t-1·U one op on, and the encoder's last step many ops
    # back through the initial state), and of equally near reads the latest step wins: an
    # op that meets reads of steps t-1 and t (an attention score after V_{t-1} and W1_t) is
    # in step t.
    best: tuple[int, int, int, int, str] | None = None
    for chain in chains:
        up = ups[chain.id]
        if up.pos[i] >= 0 and up.hops[i] <= NEAR:
            cand = (up.hops[i], 0, 0, -up.pos[i], chain.id)
            best = cand if best is None or cand < best else best
    # Downstream merge: the first op where this read's value meets a later chain read.
    # The search stops at a chain read: a value that a read at step t+1 multiplies is that
    # step's previous state, made at step t, however near the read's product is after it
    # (a layer norm's gain or shift on h_t, several ops past step t's reads).
    seen = {i}
    queue = deque([(i, 0)])
    while queue:
        j, depth = queue.popleft()
        if depth >= NEAR:
            continue
        for s in topo.succs[j]:
            if s in seen:
                continue
            seen.add(s)
            for chain in chains:
                up = ups[chain.id]
                # near after a later read, where its product merges (not at the read itself:
                # a value a read multiplies at step t+1 was made at step t; not far after
                # it: a concat of every step's output is no part of the last step)
                if up.pos[s] > up.pos[i] and 0 < up.hops[s] <= NEAR:
                    cand = (depth + 1, 1, up.hops[s], -up.pos[s], chain.id)
                    best = cand if best is None or cand < best else best
            if not any(ups[c.id].pos[s] >= 0 and ups[c.id].hops[s] == 0 for c in chains):
                queue.append((s, depth + 1))
    if best is None:
        return None
    return best[4], -best[3], best[0]
