"""A frozen graph's weights: the constants that a use proves weights (the graph's variables
became constants when it was frozen); docs/analysis.md §1 "Frozen graphs"."""

from __future__ import annotations

from dataclasses import replace
from enum import IntEnum
from typing import Any

from rnninspect.analysis.fused import CANONICAL_OPS, FUSED_OPS, weight_operands
from rnninspect.graph import Traced, TracedVariable
from rnninspect.tf.imports import import_tensorflow

_WEIGHT_USES = {"MatMul": (0, 1), "BatchMatMul": (0, 1), "BatchMatMulV2": (0, 1),
                "BatchMatMulV3": (0, 1), "BiasAdd": (1,), "GatherV2": (0,), "Gather": (0,),
                "ResourceGather": (0,), "Conv2D": (1,), "Conv3D": (1,),
                "DepthwiseConv2dNative": (1,)}
# a part or another view of a constant is that constant (a GRU's bias split per gate and
# squeezed, a kernel sliced per gate, reshaped or transposed)
_LOOK_THROUGH = frozenset({"Identity", "Cast", "Split", "SplitV", "Unpack", "Squeeze",
                           "StridedSlice", "Slice", "Reshape", "Transpose", "ExpandDims"})
# TF 1.x control flow (a frozen graph whose loops were lowered): into a loop, a branch
_V1_PASS = frozenset({"Enter", "RefEnter", "Switch", "RefSwitch"})


def with_frozen_weights(traced: Traced, graph: Any) -> Traced:
    """`traced` of a frozen graph (no variables: the weights became constants) with the
    constants that are weights by their use as its variables, and the float constants that
    might be weights or not (`frozen_weights`) as its `unproven` constants."""
    weights, unproven = frozen_weights(graph)
    return replace(traced, variables=tuple(weights), unproven=tuple(unproven))


def frozen_weights(graph: Any) -> tuple[list[TracedVariable], list[tuple[str, int]]]:
    """Float constants that a matmul, convolution, bias add or gather uses as its weight
    operand (the weights), and float constants of rank >= 1 that the model only multiplies
    or adds elementwise (a gain, a peephole, a shift — or a fixed mask, an initial state: no
    use tells them apart), as (name, elements): unproven, never counted in silence."""
    tf = import_tensorflow()
    found = []
    unproven = []
    library = {f.signature.name: f for f in graph.as_graph_def().library.function}
    data = _from_inputs(graph)
    for op in graph.get_operations():
        if op.type != "Const" or not op.outputs[0].dtype.is_floating:
            continue
        shape = op.outputs[0].shape
        if shape.rank is None or shape.rank < 1 or shape.num_elements() in (None, 0):
            continue
        use = _use_of(op, library, data)
        if use is _Use.WEIGHT:
            dims = tuple(int(d) for d in shape.as_list())
            found.append(TracedVariable(op.name, op.name, dims,
                                        tf.as_dtype(op.outputs[0].dtype).name, True))
        elif use is _Use.ELEMENTWISE:
            unproven.append((op.name, int(shape.num_elements())))
    return found, unproven


class _Use(IntEnum):
    """What a constant's uses prove, ordered: the strongest use decides."""

    NONE = 0  # a shape, a carried state, an initial state times a kernel, nothing
    ELEMENTWISE = 1  # multiplied or added elementwise only: a weight or a fixed value
    WEIGHT = 2  # a matmul's or convolution's operand, a gathered table, a bias


def _from_inputs(graph: Any) -> set[str]:
    """Names of the ops computed from the graph's placeholders (the data)."""
    found: set[str] = set()
    frontier = [op for op in graph.get_operations() if op.type == "Placeholder"]
    while frontier:
        op = frontier.pop()
        if op.name not in found:
            found.add(op.name)
            frontier.extend(c for t in op.outputs for c in t.consumers())
    return found


def _per_example(tensor: Any, consumer: Any, positions: list[int], data: set[str]) -> bool:
    """Does an elementwise `consumer` meet `tensor` with data of exactly its shape (rank >= 2:
    the batch dimension included)? A weight is shared by the examples of a batch, so it
    broadcasts over the batch; a constant as large as the data it meets is a value per
    example: an initial state, a mask, loss weights."""
    shape = tensor.shape
    if shape.rank is None or shape.rank < 2 or not shape.is_fully_defined():
        return False
    others = [t for i, t in enumerate(consumer.inputs) if i not in positions]
    return bool(others) and all(t.op.name in data and t.shape.is_fully_defined()
                                and t.shape.as_list() == shape.as_list() for t in others)


def _use_of(op: Any, library: dict[str, Any], data: set[str]) -> _Use:
    splat = _splat_value(op)
    rank = op.outputs[0].shape.rank
    found = _Use.NONE
    frontier = [op.outputs[0]]
    seen: set[str] = set()
    while frontier:
        tensor = frontier.pop()
        if tensor.name in seen:
            continue
        seen.add(tensor.name)
        for consumer in tensor.consumers():
            if consumer.type in _LOOK_THROUGH or consumer.type in _V1_PASS:
                frontier.extend(consumer.outputs)
                continue
            if consumer.type in ("Merge", "RefMerge"):  # a TF 1.x loop: only what it
                if _v1_invariant(consumer):  # passes on unchanged, not its carried state
                    frontier.append(consumer.outputs[0])
                continue
            positions = [i for i, t in enumerate(consumer.inputs) if t is tensor]
            others = [_sum_of_products(t.op, 0)
                      for i, t in enumerate(consumer.inputs) if i not in positions]
            # a bias is a vector: the constant (reshaped to broadcast, as over a ConvLSTM's
            # feature maps) or the part of it that is added (a GRU's [2, 3u] bias, split)
            view = tensor.shape.rank
            use = _weight_use(consumer.type, positions, min(rank, view if view else rank),
                              others, splat)
            if use is _Use.ELEMENTWISE and _per_example(tensor, consumer, positions, data):
                use = _Use.NONE
            found = max(found, use)
            for f, i in _bodies(consumer.type, consumer.node_def.attr, positions):
                # read inside a loop body, a branch or a called function
                found = max(found, _arg_use(library, f, i, 0, splat))
            if found is _Use.WEIGHT:
                return found
    return found


def _v1_invariant(merge: Any) -> bool:
    """Does a TF 1.x loop `Merge` pass its value on unchanged (what its `NextIteration` feeds
    back is itself, through the loop's Switch and Identity): a loop invariant, as a lowered
    While loop carries a weight?"""
    back = next((t.op for t in merge.inputs
                 if t.op.type in ("NextIteration", "RefNextIteration")), None)
    value = back.inputs[0].op if back is not None and back.inputs else None
    for _ in range(8):
        if value is None or value is merge:
            break
        value = value.inputs[0].op if value.type in _V1_PASS | {"Identity"} and value.inputs \
            else None
    return value is merge


def _splat_value(op: Any) -> float | None:
    """The value every element has (tf.zeros, tf.ones, fill: an initial state, when
    multiplied), or None when elements differ."""
    import numpy as np

    from rnninspect.tf.imports import import_tensorflow

    value = import_tensorflow().make_ndarray(op.get_attr("value"))
    if value.size > 1 and np.all(value == value.flat[0]):
        return float(value.flat[0])
    return None


def _sum_of_products(op: Any, depth: int) -> bool:
    """Is `op` a product with a weight (a matmul, a convolution), or a sum, reshape or cast
    of one?"""
    if op.type in _PRODUCTS:
        return True
    if op.type in _SUMS and depth < 6:
        return any(_sum_of_products(t.op, depth + 1) for t in op.inputs)
    return False


def _weight_use(op: str, positions: list[int], rank: int | None, others: list[bool],
                splat: float | None) -> _Use:
    """How `op` uses its inputs at `positions`: as a weight (a matmul's right operand, or
    its left one unless every element is equal: an initial state times the recurrent
    kernel; a convolution's filter; a gather's table; a fused RNN op's weight operand or
    what a cuDNN parameter buffer is packed from; a bias added to a sum of matmuls), or
    elementwise only (multiplied, added, subtracted, divided)? Zeros in a fused op's weight
    operand are what a program passes for none (no peepholes) as much as a weight never
    trained: no use tells them apart, so they are unproven."""
    uses = weight_operands(op) if op in FUSED_OPS else _WEIGHT_USES.get(op, ())
    if op in CANONICAL_OPS:  # a cuDNN parameter buffer: weights and biases from input 3 on
        uses = tuple(i for i in positions if i >= 3)
    if op.startswith(("MatMul", "BatchMatMul")) and splat is not None:
        uses = (1,)
    if any(i in uses for i in positions):
        return _Use.ELEMENTWISE if op in FUSED_OPS and splat == 0.0 else _Use.WEIGHT
    if op in ("Add", "AddV2") and rank in (1, None) and any(others):
        return _Use.WEIGHT  # x @ W + b
    return _Use.ELEMENTWISE if op in _ELEMENTWISE else _Use.NONE


_ELEMENTWISE = frozenset({"Mul", "Add", "AddV2", "Sub", "RealDiv", "Div", "Maximum",
                          "Minimum", "BiasAdd", "AddN"})
_PRODUCTS = frozenset({"MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3", "Conv2D",
                       "Conv3D", "DepthwiseConv2dNative"})
_SUMS = frozenset({"Add", "AddV2", "BiasAdd", "Reshape", "Cast", "Identity", "Squeeze"})
_LOOPS = ("While", "StatelessWhile")
_BRANCHES = ("If", "StatelessIf")
_CALLS = ("PartitionedCall", "StatefulPartitionedCall")


def _bodies(op: str, attr: Any, positions: list[int]) -> list[tuple[str, int]]:
    """(function, argument) pairs that an input at `positions` of a control-flow or call op
    becomes."""
    if op in _LOOPS:
        return [(attr["body"].func.name, i) for i in positions]
    if op in _BRANCHES:  # input 0 is the condition
        return [(attr[b].func.name, i - 1) for b in ("then_branch", "else_branch")
                for i in positions if i > 0]
    if op in _CALLS:
        return [(attr["f"].func.name, i) for i in positions]
    return []


def _arg_use(library: dict[str, Any], name: str, arg: int, depth: int,
             splat: float | None) -> _Use:
    """Inside function `name` of the graph's library: how is argument `arg` used? A loop
    body's argument is a weight only when the body passes it on unchanged (a loop
    invariant): what it changes is the state the loop carries."""
    fdef = library.get(name)
    if fdef is None or depth > 8 or arg >= len(fdef.signature.input_arg):
        return _Use.NONE
    arg_name = fdef.signature.input_arg[arg].name
    if arg < len(fdef.signature.output_arg) and "body" in name.lower():
        returned = fdef.ret.get(fdef.signature.output_arg[arg].name, "")
        if returned.split(":")[0] != arg_name and not _passes(fdef, returned, arg_name):
            return _Use.NONE  # carried state
    nodes = {node.name: node for node in fdef.node_def}
    found = _Use.NONE
    frontier = [arg_name]
    seen: set[str] = set()
    while frontier:
        ref = frontier.pop()
        for node in fdef.node_def:
            positions = [i for i, inp in enumerate(node.input)
                         if inp == ref or inp.startswith(f"{ref}:")]
            if not positions or node.name in seen:
                continue
            seen.add(node.name)
            if node.op in _LOOK_THROUGH:
                frontier.append(node.name)
                continue
            others = [_node_products(nodes, inp.split(":")[0], 0)
                      for i, inp in enumerate(node.input) if i not in positions]
            found = max(found, _weight_use(node.op, positions, None, others, splat))
            for f, i in _bodies(node.op, node.attr, positions):
                found = max(found, _arg_use(library, f, i, depth + 1, splat))
            if found is _Use.WEIGHT:
                return found
    return found


def _node_products(nodes: dict[str, Any], name: str, depth: int) -> bool:
    """`_sum_of_products` on a function body's NodeDefs."""
    node = nodes.get(name)
    if node is None:
        return False
    if node.op in _PRODUCTS:
        return True
    if node.op in _SUMS and depth < 6:
        return any(_node_products(nodes, i.split(":")[0], depth + 1) for i in node.input)
    return False


def _passes(fdef: Any, returned: str, arg_name: str) -> bool:
    """Does the body return `arg_name` through identities only?"""
    nodes = {node.name: node for node in fdef.node_def}
    name = returned.split(":")[0]
    for _ in range(8):
        node = nodes.get(name)
        if node is None or node.op not in _LOOK_THROUGH or not node.input:
            return name == arg_name
        name = node.input[0].split(":")[0]
    return False
