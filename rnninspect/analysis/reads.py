"""Which ops consume each variable's value, found from the variable's own node (identity)."""

from __future__ import annotations

from dataclasses import dataclass

from rnninspect.analysis.opgraph import OpGraph

# Ops that turn a variable (handle or ref) into its value.
READ_OPS = frozenset({"ReadVariableOp", "Identity", "Enter"})
# Ops that consume a variable's handle directly and compute with it.
HANDLE_USE_OPS = frozenset({"ResourceGather", "ResourceGatherNd"})
# Ops we look through between a read and its real consumer.
# Observers that return their input (check_numerics, tf1.Print) and gradient stops are the
# value itself.
PASS_THROUGH = frozenset({"Identity", "Cast", "Enter", "ReadVariableOp", "Transpose", "Unpack",
                          "StridedSlice", "Slice", "Split", "SplitV", "Squeeze", "Reshape",
                          "CheckNumerics", "CheckNumericsV2", "Print", "EnsureShape",
                          "StopGradient", "PreventGradient", "ExpandDims"})
# Ops that multiply data by a weight matrix: matmuls, and convolutions, which multiply every
# patch of the data by the filter (the filter is the matrix, its last axis the columns), so a
# filter applied to the state at successive steps is a recurrent weight as a matmul's is.
# `tf.nn.conv1d` expands its filter's dims and runs Conv2D. Its input channels are the rows.
CONV_OPS = frozenset({"Conv", "Conv2D", "Conv3D", "DepthwiseConv2dNative"})
MATMUL_OPS = frozenset({"MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3"}) | CONV_OPS
GATHER_OPS = frozenset({"GatherV2", "Gather", "ResourceGather", "ResourceGatherNd", "GatherNd"})
ADD_OPS = frozenset({"BiasAdd", "AddV2", "Add"})
CONCAT_OPS = frozenset({"ConcatV2", "Concat"})


@dataclass(frozen=True)
class Use:
    """One op that computes with a variable's value."""

    node: str
    op: str
    operand: int  # the input position where the variable's value enters
    transposed: bool  # the value went through a Transpose on the way (weight tying)


def data_operand(og: OpGraph, use: Use) -> tuple[str, int] | None:
    """The other operand of a matmul: what the weight multiplies."""
    refs = og.inputs.get(use.node, [])
    others = [r for i, r in enumerate(refs[:2]) if i != use.operand]
    return others[0] if others else None


def find_uses(
    og: OpGraph, var_node: str, computation: set[str], weight_only: frozenset[str] = frozenset()
) -> list[Use]:
    """The ops inside `computation` that consume `var_node`'s value (through reads/casts).

    Reads in `weight_only` (see `weight_only_reads`) are left out when the variable has
    other reads: a regulariser's ``l2_loss(w)`` is no step of the model."""
    uses = _uses(og, var_node, computation)
    model_uses = [u for u in uses if u.node not in weight_only]
    return model_uses or uses


def _uses(og: OpGraph, var_node: str, computation: set[str]) -> list[Use]:
    if var_node not in og.graph:
        return []
    uses: list[Use] = []
    seen = {var_node}
    frontier: list[tuple[str, bool]] = [(var_node, False)]
    while frontier:
        node, transposed = frontier.pop()
        for consumer in sorted(og.graph.successors(node)):
            if consumer in seen or consumer not in computation:
                continue
            op = og.op(consumer)
            if (op in PASS_THROUGH or (node == var_node and op in READ_OPS)
                    or _masked(og, consumer, node)):
                seen.add(consumer)
                frontier.append((consumer, transposed or op == "Transpose"))
                continue
            ports = og.graph.edges[node, consumer]["ports"]
            uses.append(Use(consumer, op, ports[0][1], transposed))
            seen.add(consumer)
    return sorted(uses, key=lambda u: u.node)


# Ops whose value is data: the program's inputs, loop-carried state, random numbers.
_DATA_SOURCES = frozenset({"Placeholder", "PlaceholderWithDefault", "_Arg", "LoopState",
                           "IteratorGetNext", "IteratorGetNextSync", "Multinomial"})
_SHAPE_READS = frozenset({"Shape", "ShapeN", "Size", "Rank"})


def weight_only_reads(og: OpGraph, computation: set[str]) -> frozenset[str]:
    """Ops that compute from weights and constants alone and whose value meets the data only
    as a scalar: the terms of a regulariser (``l2_loss(w)``, ``reduce_sum(abs(w))``) added
    to a loss.

    Guarantee, for any program: an op downstream of an input, a loop state or a random
    number is never in the set, and neither is one whose value reaches a data-dependent op
    as a tensor of rank > 0 or of unknown rank (the zero state a first step multiplies is
    [batch, units]; a transposed embedding that ties an output layer is a matrix). So
    leaving these reads out of a weight's steps removes exactly the reads that multiply no
    data. Linear in the computation's size."""
    data = _downstream_of_data(og, computation)
    free = [n for n in og.graph if n in computation and n not in data]
    leaks: dict[str, bool] = {}
    for node in reversed(_topological(og, free)):
        shape = og.shape((node, 0))
        rank = -1 if shape is None else len(shape)
        leaks[node] = any(
            leaks.get(c, True) if c not in data else rank != 0
            for c in og.graph.successors(node) if c in computation
            and og.op(c) not in _SHAPE_READS)
    return frozenset(n for n, leak in leaks.items() if not leak)


def _downstream_of_data(og: OpGraph, computation: set[str]) -> set[str]:
    # a resource placeholder is a captured variable's handle (a SavedModel's signature,
    # a TF1 SavedModel loaded in TF2), not data
    starts = [n for n in computation
              if (og.op(n) in _DATA_SOURCES and not _is_handle(og, n))
              or og.op(n).startswith(("Random", "StatelessRandom", "TruncatedNormal"))]
    seen, stack = set(starts), list(starts)
    while stack:
        for c in og.graph.successors(stack.pop()):
            if c in computation and c not in seen and og.op(c) not in _SHAPE_READS:
                seen.add(c)
                stack.append(c)
    return seen


def _is_handle(og: OpGraph, node: str) -> bool:
    spec = og.specs.get(node)
    return spec is not None and spec.dtype == "resource"


def _topological(og: OpGraph, nodes: list[str]) -> list[str]:
    """`nodes` (a set with no cycle among them) ordered so that producers come first."""
    members = set(nodes)
    order: list[str] = []
    done: set[str] = set()
    for root in nodes:
        stack: list[tuple[str, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if node in done:
                continue
            done.add(node)
            stack.append((node, True))
            stack.extend((src, False) for src, _ in og.inputs.get(node, ())
                         if src in members and src not in done)
    return order


def computation_nodes(og: OpGraph, outputs: list[str]) -> set[str]:
    """Everything the outputs depend on (initializers and assignments are left out).

    A loop state the outputs depend on depends on its next value too (the back edge of the
    rolled loop): what the next iteration receives is computed for it, even when nothing
    after the loop reads it — a decoder's next input made inside the loop from its own
    prediction (`raw_rnn`'s `loop_fn`) is part of the forward pass."""
    nodes = {out for out in outputs if out in og.graph}
    stack = list(nodes)
    while stack:
        node = stack.pop()
        srcs = [src for src, _ in og.inputs.get(node, ())]
        nxt = og.graph.nodes[node].get("next") if og.op(node) == "LoopState" else None
        if nxt is not None:
            srcs.append(nxt)
        for src in srcs:
            if src not in nodes and src in og.graph:
                nodes.add(src)
                stack.append(src)
    return nodes


def adds_onto(og: OpGraph, use: Use, reads: set[str]) -> bool:
    """Is the read a bias added straight onto the product of one of `reads`?"""
    return use.op in ADD_OPS and any(src in reads for src, _ in og.inputs.get(use.node, ()))


def _masked(og: OpGraph, consumer: str, node: str) -> bool:
    """Is `consumer` the weight `node` times a constant (a Clockwork RNN's block mask, a
    fixed scale)? Such a product is the weight as the model uses it, so its readers are the
    weight's reads. A factor that is not a constant (a random DropConnect mask, another
    weight, data) is a computation with the weight, not the weight."""
    if og.op(consumer) != "Mul":
        return False
    others = [src for src, _ in og.inputs.get(consumer, []) if src != node]
    if len(others) != 1:
        return False
    other = others[0]
    while og.op(other) == "Identity" and og.inputs.get(other):
        other = og.inputs[other][0][0]
    return og.op(other) == "Const"


def summed_row_slices(og: OpGraph, uses: list[Use]) -> dict[str, Use]:
    """For each matmul read of a weight through a slice of its rows, the one other such read
    whose product is added to its own (`x @ W[:k] + h @ W[k:]`, `tf.split` along the rows):
    the two slices are disjoint and together are all the weight's rows, with every column,
    so the pair computes `concat([x, h]) @ W`, one read of the whole kernel. A column split
    (each read a gate's columns) has no such partner; neither has a read whose sum meets
    two."""
    sliced = [u for u in uses if u.op in ("MatMul", "BatchMatMul", "BatchMatMulV2",
                                          "BatchMatMulV3") and not u.transposed]
    sites = {u.node: _row_slice(og, u) for u in sliced}
    sums = {u.node: _sums_onto(og, u.node) for u in sliced}
    pairs: dict[str, list[Use]] = {}
    for a in sliced:
        for b in sliced:
            sa, sb = sites[a.node], sites[b.node]
            if (a.node != b.node and sa is not None and sb is not None and sa[1] == sb[1]
                    and sa[0] + sb[0] == sa[1] and sums[a.node] & sums[b.node]):
                pairs.setdefault(a.node, []).append(b)
    return {node: found[0] for node, found in pairs.items() if len(found) == 1}


def _row_slice(og: OpGraph, use: Use) -> tuple[int, int] | None:
    """(rows the matmul reads, rows of the weight), when it reads a proper slice of the
    weight's rows with every column (None otherwise)."""
    refs = og.inputs.get(use.node, [])
    if use.operand >= len(refs):
        return None
    node = refs[use.operand][0]
    while og.op(node) in ("Identity", "Cast", "ReadVariableOp") and og.inputs.get(node):
        node = og.inputs[node][0][0]
    if og.op(node) not in ("StridedSlice", "Slice", "Split", "SplitV") or not og.inputs.get(node):
        return None
    whole_ref = og.inputs[node][-1 if og.op(node) == "Split" else 0]
    shape, whole = og.shape(refs[use.operand]), og.shape(whole_ref)
    if not shape or not whole or len(shape) != 2 or len(whole) != 2:
        return None
    if shape[0] is None or whole[0] is None or shape[0] >= whole[0] or shape[1] != whole[1]:
        return None
    return int(shape[0]), int(whole[0])


def _sums_onto(og: OpGraph, node: str, depth: int = 3) -> set[str]:
    """The additions a matmul's product flows into through additions alone (a bias added
    on the way), up to `depth` of them."""
    found: set[str] = set()
    frontier = [node]
    for _ in range(depth):
        frontier = [c for n in frontier for c in og.graph.successors(n)
                    if og.op(c) in ADD_OPS and c not in found]
        found.update(frontier)
    return found


def starts_at_first_row(og: OpGraph, use: Use) -> bool | None:
    """Does the row slice a matmul reads begin at the weight's first row (a slice's constant
    begin, a split's first output)? None where the graph does not say."""
    ref = og.inputs.get(use.node, [])[use.operand]
    node, port = ref
    while og.op(node) in ("Identity", "Cast", "ReadVariableOp") and og.inputs.get(node):
        node, port = og.inputs[node][0]
    if og.op(node) in ("Split", "SplitV"):
        return port == 0
    refs = og.inputs.get(node, [])
    begin = og.specs.get(refs[1][0]) if len(refs) >= 2 else None
    if begin is None:
        return None
    if begin.ints:
        return begin.ints[0] == 0
    return None if begin.value is None else begin.value == 0  # one value for every axis
