"""Each time step's part of a shared weight's gradient, as ops added to a TF graph.

In an unrolled graph every step computes with a shared weight through its own ops, so the
gradient flowing into those ops, carried back to the weight with the ops' other inputs held
fixed, *is* the step's contribution: the parts add up to the weight's gradient. Used by the
built-in models, Keras models and TF1 graphs alike.
"""

from __future__ import annotations

from typing import Any

from rnninspect.analysis.reads import PASS_THROUGH

StepNorms = tuple[list[tuple[str, int]], list[Any], list[Any], dict[str, Any], dict[str, Any]]


def gradients_in_graph(tf: Any, loss: Any, graph: Any,
                       reads: dict[str, dict[int, list[tuple[str, int]]]],
                       nodes: dict[str, str] | None = None) -> StepNorms:
    """‖step t's contribution to ∂loss/∂W‖ for every shared W, whether the step's ops reach
    the loss at all (1.0, else 0.0: no path from them to the loss), per W the norm of the sum
    of its parts, and per W the norm of the part from its reads outside the steps (a
    regulariser's l2_loss): the parts and that part add up to ∂loss/∂W. `nodes` maps a
    variable's name to its node where they differ.

    A step's contribution flows through the ops that compute with W at that step: with
    y = op(..., W, ...) and dy = ∂loss/∂y, it is ∂y/∂W·dy with the op's *other* inputs held
    fixed (they depend on W through earlier steps, which are counted there). This holds
    whether each step has its own read of W or all steps share one (static_rnn's cache).
    Each part is carried back through what lies between W's read and the op (a split into
    gates, a transpose, a cast), so parts are W-shaped and add up to ∂loss/∂W.
    """
    nodes = nodes or {}
    labels: list[tuple[str, int]] = []
    groups: list[list[tuple[Any, int, str]]] = []
    for name, by_step in sorted(reads.items()):
        if len(by_step) < 2:
            continue
        var_node = nodes.get(name, name)
        for step in sorted(by_step):
            labels.append((name, step))
            group = []
            for op_name, k in by_step[step]:
                op = graph.get_operation_by_name(op_name)
                group.append((op, k if k >= 0 else entry_of(op, var_node), var_node))
            groups.append(group)
    stepped = {op.name for group in groups for op, _, _ in group}
    feeding = _upstream([op for group in groups for op, _, _ in group])
    outside: list[tuple[str, list[tuple[Any, int, str]]]] = []
    for name in sorted({n for n, _ in labels}):
        var_node = nodes.get(name, name)
        uses = outside_uses(graph, var_node, stepped | feeding)
        if uses:
            outside.append((name, [(op, k, var_node) for op, k in uses]))
    named = [*zip(labels, groups, strict=True),
             *(((name, OUTSIDE), group) for name, group in outside)]
    groups = [group for _, group in named]
    ops = [op for group in groups for op, _, _ in group]
    ys = [_differentiable(op) for op in ops]
    flat = tf.gradients(loss, [y for outs in ys for y in outs]) if ops else []
    upstream: list[list[Any]] = []
    for outs in ys:
        upstream.append(flat[:len(outs)])
        flat = flat[len(outs):]
    norms: list[Any] = []
    arriving: list[Any] = []
    sums: dict[str, list[Any]] = {}
    outside_norms: dict[str, Any] = {}
    i = 0
    for (name, step), group in named:
        parts, dys = [], []
        for op, k, var_node in group:
            outs, op_dys = ys[i], upstream[i]
            i += 1
            if all(dy is None for dy in op_dys):
                continue
            dys += [dy for dy in op_dys if dy is not None]
            grad = _local_gradient(tf, op, k, outs, op_dys)
            if grad is None:
                continue
            root = read_of(op.inputs[k], var_node)
            if root is not None and root is not op.inputs[k]:
                grad = tf.gradients(op.inputs[k], root, grad_ys=grad)[0]
            if grad is not None:
                parts.append(tf.convert_to_tensor(grad))
        sums.setdefault(name, []).extend(parts)
        if step == OUTSIDE:
            if parts:
                outside_norms[name] = tf.norm(tf.add_n(parts))
            continue
        norms.append(tf.norm(tf.add_n(parts)) if parts else tf.constant(0.0))
        # structural: a gradient arrives at all (an exact zero through c_-1 = 0 still counts)
        arriving.append(tf.constant(1.0 if dys else 0.0))
    summed = {name: tf.norm(tf.add_n(parts)) for name, parts in sums.items() if parts}
    return labels, norms, arriving, summed, outside_norms


OUTSIDE = -1  # the pseudo-step of a weight's reads outside the steps


def _upstream(ops: list[Any]) -> set[str]:
    """Every op that the given ops depend on: what feeds a step (a gate's slice of the
    kernel) is part of that step, never a use outside it."""
    seen: set[str] = set()
    stack = list(ops)
    while stack:
        for t in stack.pop().inputs:
            if t.op.name not in seen:
                seen.add(t.op.name)
                stack.append(t.op)
    return seen


def outside_uses(graph: Any, var_node: str, stepped: set[str]) -> list[tuple[Any, int]]:
    """The ops that compute with the weight's value but are no step's and feed none
    (`stepped`: the step ops and all they depend on) — a regulariser's l2_loss, another
    head: (op, input). Followed from the variable through reads and the
    ops that only carry its value; gradient ops and rnninspect's own are left out, and so
    are uses that do not reach the loss (their gradient is None: updates, savers, other
    copies)."""
    from rnninspect.analysis.training import in_gradient_scope

    frontier = list(graph.get_operation_by_name(var_node).outputs)
    seen: set[str] = set()
    uses: list[tuple[Any, int]] = []
    while frontier:
        tensor = frontier.pop()
        for op in tensor.consumers():
            if op.name in seen or op.name in stepped or in_gradient_scope(op.name) \
                    or op.name.split("/")[0].startswith("rnninspect_"):
                continue
            seen.add(op.name)
            if op.type in _THROUGH or op.type == "ReadVariableOp":
                frontier.extend(op.outputs)
            elif _differentiable(op):
                k = next(j for j, t in enumerate(op.inputs) if t is tensor)
                uses.append((op, k))
    return uses


def _differentiable(op: Any) -> list[Any]:
    """The outputs a gradient can flow back through (a conditional also has int and
    resource outputs)."""
    return [t for t in op.outputs if t.dtype.is_floating or t.dtype.is_complex]


def _local_gradient(tf: Any, op: Any, k: int, outs: list[Any], dys: list[Any]) -> Any:
    """∂y/∂(input k)·dy with the op's other inputs held fixed: the op's own registered
    gradient function for a one-output op (tf.gradients would search the whole graph
    downstream of the input for every op — seconds on a long unroll); tf.gradients over
    the outputs that receive a gradient otherwise (a conditional around a whole step)."""
    from tensorflow.python.framework import ops as tf_ops

    try:
        grad_fn = tf_ops.get_gradient_function(op)
    except LookupError:
        grad_fn = None
    if grad_fn is not None and len(op.outputs) == 1 and dys[0] is not None:
        with op.graph.as_default(), tf.name_scope("rnninspect_step_grads"):
            grads = grad_fn(op, dys[0])
        grads = list(grads) if isinstance(grads, (list, tuple)) else [grads]
        if k < len(grads):
            return grads[k]
    others = [t for j, t in enumerate(op.inputs) if j != k]
    pairs = [(y, dy) for y, dy in zip(outs, dys, strict=True) if dy is not None]
    return tf.gradients([y for y, _ in pairs], op.inputs[k], grad_ys=[dy for _, dy in pairs],
                        stop_gradients=others)[0]


def entry_of(op: Any, var_node: str) -> int:
    """The input through which the weight enters `op` (a conditional receives it as one of
    its branches' arguments); -1 when none does."""
    for k, tensor in enumerate(op.inputs):
        if read_of(tensor, var_node) is not None:
            return k
    return -1


# What carries a weight's value from its read to the op computing with it: every op the
# analysis looks through to find that op (a bias split per gate and reshaped to broadcast,
# as ConvLSTM's), so each part can be carried back to the weight's own shape.
_THROUGH = PASS_THROUGH | {"SplitV"}


def read_of(tensor: Any, var_node: str) -> Any:
    """The W-valued tensor `tensor` comes from: the variable's read (or the constant
    itself), walking back through splits, transposes and casts; None when the walk does not
    end at `var_node` (an op of a function body whose name collides with an outer op)."""
    current = tensor
    for _ in range(32):
        op = current.op
        if op.name == var_node:
            return current
        if not op.inputs or op.type not in _THROUGH:
            return None
        source = op.inputs[1] if op.type == "Split" else op.inputs[0]
        if source.op.name == var_node:
            return current  # the read's value
        current = source
    return None
