"""Roles, fused-kernel row splits and gate column blocks, read off the dataflow."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from rnninspect.analysis.opgraph import OpGraph
from rnninspect.analysis.reads import (
    ADD_OPS,
    CONCAT_OPS,
    CONV_OPS,
    GATHER_OPS,
    MATMUL_OPS,
    Use,
    data_operand,
)
from rnninspect.analysis.recurrence import Topology, Upstream
from rnninspect.analysis.training import in_gradient_scope
from rnninspect.model import GateBlock, Placement, Role, RowSplit

SPLIT_OPS = frozenset({"Split", "SplitV"})
ACTIVATIONS = frozenset({"Sigmoid", "Tanh", "Relu", "HardSigmoid"})


def fused_split(
    og: OpGraph,
    topo: Topology,
    use: Use,
    step: int,
    state_ups: list[Upstream],
    rows_total: int | None = None,
) -> RowSplit | None:
    """Rows of a kernel that multiplies concat([x_t, h_{t-1}]): which part is the state.

    A concat part is the previous state when it lies downstream of this cell's chain read
    at step t-1; the rest of the rows multiply the input.
    """
    found = _concat_parts(og, topo, use, step, state_ups)
    if found is None:
        return None
    widths, states = found
    unknown = [k for k, w in enumerate(widths) if w is None]
    if len(unknown) == 1 and rows_total is not None:  # inside loop bodies shapes can be missing
        widths[unknown[0]] = rows_total - sum(w for w in widths if w is not None)
    elif unknown:
        return None
    if rows_total is not None and sum(int(w) for w in widths if w is not None) != rows_total:
        return None  # the parts are not the kernel's rows (a concat on another axis)
    rows = [(s, int(w)) for s, w in zip(states, widths, strict=True) if w is not None]
    if not any(s for s, _ in rows) or all(s for s, _ in rows):
        return None
    # Report contiguous input rows then hidden rows (the TF1 cells' layout).
    start = 0
    spans: dict[bool, list[tuple[int, int]]] = {True: [], False: []}
    for is_state, width in rows:
        spans[is_state].append((start, start + width))
        start += width
    if len(spans[True]) != 1 or len(spans[False]) != 1:
        return None
    return RowSplit(input=spans[False][0], hidden=spans[True][0])


def concat_of_input_and_state(og: OpGraph, topo: Topology, use: Use, step: int,
                              state_ups: list[Upstream]) -> bool:
    """Does the read multiply concat([x_t, h_{t-1}]) — parts downstream of the previous
    state and parts that are not — whether or not the parts' widths are known (a loop body
    whose shapes a frozen graph or a signature dropped)? Then the kernel is fused, even
    where `fused_split` cannot say which rows are which."""
    found = _concat_parts(og, topo, use, step, state_ups)
    return found is not None and any(found[1]) and not all(found[1])


def _concat_parts(og: OpGraph, topo: Topology, use: Use, step: int, state_ups: list[Upstream]
                  ) -> tuple[list[int | None], list[bool]] | None:
    """The widths (None: unknown) of the concat parts the read multiplies, and which are
    downstream of this cell's chain read at step t-1; None when it multiplies no concat."""
    data = data_operand(og, use)
    if data is None or og.op(data[0]) not in CONCAT_OPS or step < 0:
        return None
    parts = og.inputs[data[0]][:-1]  # the last input of ConcatV2 is the axis
    widths: list[int | None] = []
    states: list[bool] = []
    for part in parts:
        if part[0] not in topo.index:
            return None
        shape = og.shape(part)
        if shape and shape[-1] == 0:
            continue  # an empty part multiplies no row (a Clockwork step updating every module)
        widths.append(int(shape[-1]) if shape and shape[-1] is not None else None)
        i = topo.index[part[0]]
        states.append(any(up.pos[i] == step - 1 for up in state_ups))
    return widths, states


def multiplies_state(
    og: OpGraph, topo: Topology, use: Use, step: int, state_ups: list[Upstream],
    *, current: bool = False,
) -> bool:
    """Does the read multiply the previous step's state (or, with `current`, also the state
    this step computes: an LSTM's output peephole multiplies the new c_t)?"""
    data = data_operand(og, use)
    if data is None or data[0] not in topo.index or step < 0:
        return False
    i = topo.index[data[0]]
    wanted = (step - 1, step) if current else (step - 1,)
    return any(up.pos[i] in wanted for up in state_ups)


def carried_value(og: OpGraph, topo: Topology, use: Use, state_ups: list[Upstream],
                  initial: Sequence[bool] = ()) -> bool:
    """Is what the read multiplies a state the recurrence carries — the previous state, or
    the new one the next step receives — rather than a value computed from it? In a while
    loop's body: a carried state, or the value the next iteration receives as one (looked
    through identities and a copy-through select, `_received`). Unrolled: a value that an
    op of the next step consumes directly; the initial state (`initial`: per op, computed
    from constants alone, `recurrence.constants`) that an op of the first step consumes
    directly; or the sum that adds a product with one of these (c_t = f * c_{t-1} + i * g,
    looked through a clip), which is the new state where no next step receives it (the
    last step; T = 1). A peephole multiplies c itself; a layer norm's gain multiplies a
    normalized gate, which only this step's gate consumes."""
    data = data_operand(og, use)
    if data is None:
        return False
    node = _through_identity(og, data[0])
    loop = og.loop(node)
    if loop is not None:
        if og.op(node) == "LoopState":
            return True
        return any(node in _received(og, str(nxt))
                   for n in og.graph if og.op(n) == "LoopState" and og.loop(n) == loop
                   for nxt in [og.graph.nodes[n].get("next")] if nxt is not None)
    if _received_next(topo, node, state_ups, initial):
        return True
    while og.op(node) in _CLIP_OPS and og.inputs.get(node):
        node = _through_identity(og, og.inputs[node][0][0])
    return og.op(node) in ADD_OPS and any(
        og.op(term) == "Mul" and any(_received_next(topo, _through_identity(og, factor),
                                                     state_ups, initial)
                                     for factor, _ in og.inputs.get(term, []))
        for term, _ in og.inputs.get(node, []))


_CLIP_OPS = frozenset({"ClipByValue", "Minimum", "Maximum"})


def _received_next(topo: Topology, node: str, state_ups: list[Upstream],
                   initial: Sequence[bool]) -> bool:
    """Does an op of the next step consume `node` directly (the initial state: the first)?"""
    i = topo.index.get(node)
    if i is None:
        return False
    return any((up.pos[i] >= 0 or (up.pos[i] == -1 and i < len(initial) and initial[i]))
               and up.pos[c] == up.pos[i] + 1
               for up in state_ups for c in topo.succs[i])


def _received(og: OpGraph, nxt: str) -> set[str]:
    """The values a loop's next state is: `nxt` looked through identities and through a
    select between the new state and the old one (`raw_rnn`, `dynamic_rnn` with lengths copy
    a finished sequence's old state through)."""
    node = _through_identity(og, nxt)
    if og.op(node) in ("Select", "SelectV2"):
        return {node, *(_through_identity(og, src) for src, _ in og.inputs.get(node, [])[1:3])}
    return {node}


def _through_identity(og: OpGraph, node: str) -> str:
    while og.op(node) == "Identity" and og.inputs.get(node):
        node = og.inputs[node][0][0]
    return node


def base_role(
    og: OpGraph, uses: list[Use], shape: tuple[int | None, ...], placement: Placement
) -> Role:
    """Role from the kind of op that reads the variable and where the read sits."""
    ops = {u.op for u in uses}
    if any(u.op in GATHER_OPS and u.operand == 0 for u in uses):
        return Role.EMBEDDING
    if ops and ops <= ADD_OPS:  # an additive term (GRU's [2, 3u] bias is unstacked first)
        return Role.BIAS
    # a matrix, a vector reshaped to one for the matmul (tensordot(v, u, 1)), or a filter
    if ops & MATMUL_OPS and (len(shape) in (1, 2) or ops & CONV_OPS):
        if placement is Placement.AFTER:
            return Role.HIDDEN_TO_OUTPUT
        if placement in (Placement.BEFORE, Placement.CELL):
            return Role.INPUT_TO_HIDDEN
    return Role.OTHER


def gate_blocks(
    og: OpGraph, topo: Topology, use: Use, columns: int | None, step: int,
    state_ups: list[Upstream], candidate_name: str,
) -> tuple[tuple[GateBlock, ...] | None, str | None]:
    """Gate column blocks and the cell kind, from what each block of the split feeds.

    LSTM: the tanh block is the candidate; the sigmoid block that multiplies the previous
    cell state is f, the one that multiplies the candidate is i, the last is o.
    """
    split = find_split(og, use.node)
    if split is None or columns is None:
        return None, None
    num = og.specs[split].int_attr("num_split") or 0
    if num == 2 and _find_upstream_op(og, split, "Sigmoid", 1) and columns % 2 == 0:
        # TF1 GRUCell: sigmoid(concat([x, h]) @ gates_kernel) split into r, u.
        width = columns // 2
        return (GateBlock("r", (0, width)), GateBlock("u", (width, columns))), "GRU"
    if num not in (3, 4) or columns % num:
        return None, None
    width = columns // num
    if num == 4:
        names = _lstm_gate_names(og, topo, split, step, state_ups, candidate_name)
        if names is not None:
            return tuple(GateBlock(g, (k * width, (k + 1) * width)) for k, g in
                         enumerate(names)), "LSTM"
    if num == 3:
        names3 = ("z", "r", "h")
        return tuple(GateBlock(g, (k * width, (k + 1) * width)) for k, g in
                     enumerate(names3)), "GRU"
    return None, None


def split_activations(og: OpGraph, split: str, num: int) -> list[str | None]:
    """For each output of a gate split, the activation op it goes through (or None)."""
    acts: list[str | None] = []
    for k in range(num):
        consumers = [c for c in og.graph.successors(split)
                     if any(p[0] == k for p in og.graph.edges[split, c]["ports"])]
        act = None
        for c in sorted(consumers):
            act = c if og.op(c) in ACTIVATIONS else _find_downstream(og, c, ACTIVATIONS, 2)
            if act is not None:
                break
        acts.append(act)
    return acts


def find_split(og: OpGraph, node: str) -> str | None:
    """The gate split a kernel's matmul feeds, a few ops downstream."""
    return _find_downstream(og, node, SPLIT_OPS, depth=4)


def _lstm_gate_names(
    og: OpGraph, topo: Topology, split: str, step: int, state_ups: list[Upstream],
    candidate_name: str,
) -> list[str] | None:
    """LSTM gate names from the structure c_t = f * c_{t-1} + i * g, h_t = o * act(c_t).

    Each block is followed through its nonlinearity (whatever ops: Sigmoid, Relu6(x+3)/6,
    clips, a forget bias) to the first product with a non-scalar value. f's product is
    with the previous state; i and g share one product; o is the fourth. Of i and g, i is
    the one whose nonlinearity is o's (both use the recurrent activation), else the one that
    is not a Tanh.
    """
    found = [_gate_product(og, split, k) for k in range(4)]
    products = [p for p in found if p is not None]
    if len(products) != 4:
        return None
    names: list[str | None] = [None] * 4
    for k, (_, partner, _) in enumerate(products):
        if step >= 0 and partner in topo.index and og.op(partner) not in NONLINEAR_OPS and any(
                up.pos[topo.index[partner]] == step - 1 for up in state_ups):
            names[k] = "f"
    muls = [mul for mul, _, _ in products]
    pair = [k for k in range(4) if names[k] is None and muls.count(muls[k]) == 2]
    rest = [k for k in range(4) if names[k] is None and k not in pair]
    if names.count("f") != 1 or len(pair) != 2 or len(rest) != 1:
        return None
    chain = [passed for _, _, passed in products]
    like_o = [k for k in pair if chain[k] == chain[rest[0]]]
    tanh = [k for k in pair if "Tanh" in chain[k]]
    if len(like_o) == 1:
        gate = like_o[0]
    elif len(tanh) == 1:
        gate = next(k for k in pair if k != tanh[0])
    else:
        return None
    names[gate] = "i"
    names[next(k for k in pair if k != gate)] = candidate_name
    names[rest[0]] = "o"
    return [str(n) for n in names]


# Elementwise functions a gate's or candidate's preactivation goes through.
NONLINEAR_OPS = frozenset({"Sigmoid", "Tanh", "Relu", "Relu6", "HardSigmoid", "Elu", "Selu",
                           "Softplus", "Softsign", "LeakyRelu", "Gelu", "Exp"})


def _gate_product(og: OpGraph, split: str, k: int) -> tuple[str, str, tuple[str, ...]] | None:
    """Output k of a gate split, followed to its first product with a value other than a
    scalar constant:
    (the Mul, its other operand, the op types passed on the way: the block's nonlinearity).
    Additions are passed whatever they add (a forget bias, a peephole term)."""
    node = next((c for c in _forward_successors(og, split)
                 if any(p[0] == k for p in og.graph.edges[split, c]["ports"])), None)
    previous = split
    passed: list[str] = []
    for _ in range(8):
        if node is None:
            return None
        if og.op(node) == "Mul":
            others = [r[0] for r in og.inputs[node][:2] if r[0] != previous]
            if len(others) == 1 and not _scalar_constant(og, others[0]):
                return node, others[0], tuple(passed)
        passed.append(og.op(node))
        successors = _forward_successors(og, node)
        previous, node = node, successors[0] if len(successors) == 1 else None
    return None


def _forward_successors(og: OpGraph, node: str) -> list[str]:
    """The ops reading `node`, less the gradient computation's (a trained program's
    SigmoidGrad or Mul_grad also read a gate's activation)."""
    return sorted(s for s in og.graph.successors(node) if not in_gradient_scope(s))


def _scalar_constant(og: OpGraph, node: str) -> bool:
    """A scale inside a nonlinearity (hard sigmoid's 1/6), not a zero state [batch, units]
    that a first step's forget gate multiplies."""
    shape = og.shape((node, 0))
    return shape is not None and all(d == 1 for d in shape) and _constant(og, node)


def _constant(og: OpGraph, node: str, depth: int = 3) -> bool:
    """Is `node` computed from constants alone, within a few ops?"""
    if og.op(node) == "Const":
        return True
    refs = og.inputs.get(node, [])
    return depth > 0 and bool(refs) and all(_constant(og, r[0], depth - 1) for r in refs)


def _find_upstream_op(og: OpGraph, node: str, op: str, depth: int) -> bool:
    frontier = [node]
    for _ in range(depth):
        frontier = [src for n in frontier for src, _ in og.inputs.get(n, [])]
        if any(og.op(n) == op for n in frontier if n in og.graph):
            return True
    return False


def _find_downstream(og: OpGraph, start: str, ops: frozenset[str], depth: int) -> str | None:
    queue = deque([(start, 0)])
    seen = {start}
    while queue:
        node, d = queue.popleft()
        if d >= depth:
            continue
        for s in sorted(og.graph.successors(node)):
            if s in seen:
                continue
            if og.op(s) in ops:
                return str(s)
            seen.add(s)
            queue.append((s, d + 1))
    return None
