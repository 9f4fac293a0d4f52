"""Training machinery told apart from the model by structure, never by name.

An op is *training machinery* when it writes state (variable updates, optimizer steps,
savers, summaries, initializers) or when every op that consumes its value is training
machinery: a gradient subgraph, a clipping norm, an initializer's random numbers. Reading
only a tensor's *shape* does not consume its value, which is how a loss stays a model
output although `tf.gradients` starts from `ones(shape(loss))`.

*Observers* — summaries, prints, asserts, savers — read a value to report or keep it and
give nothing back to the computation. Reading a value into an observer is no consumption,
exactly as reading its shape is not: a loss that is logged (``tf.summary.scalar``), printed
or asserted on is still the model's output, and adding or removing an observer changes
neither the outputs nor what is training machinery (the observer itself is machinery: it
is never an output). Observers that pass their input through (``tf.Print``,
``check_numerics``) are ordinary ops: their output is the value.

The model's outputs are the ops whose value nobody consumes, less training machinery and
less anything computed from another output (the leftovers of a gradient computation all
descend from the loss they differentiate).

One hint from names remains, for what structure alone cannot tell: a gradient function
also computes gradients nobody asked for (with respect to a dropout mask, a constant
divisor), which reach no update and look like outputs. TensorFlow builds every gradient
op inside a ``gradients`` (TF1) or ``gradient_tape`` (TF2) name scope, so ops there are
training machinery too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

# Ops that write state: optimizer updates, assignments, savers, summaries, grouping no-ops.
_WRITE_OPS = frozenset({
    "Assign", "AssignAdd", "AssignSub", "AssignVariableOp", "AssignAddVariableOp",
    "AssignSubVariableOp", "VarIsInitializedOp", "IsVariableInitialized", "NoOp",
    "SaveV2", "Save", "SaveSlices", "RestoreV2", "Restore", "RestoreSlice",
    "MergeV2Checkpoints", "MergeSummary", "WriteSummary", "WriteScalarSummary",
    "WriteHistogramSummary", "WriteImageSummary", "WriteAudioSummary", "FlushSummaryWriter",
    "CountUpTo", "ResourceCountUpTo", "StatefulPartitionedCall_Init",
})
_WRITE_PREFIXES = ("Apply", "ResourceApply", "SparseApply", "ResourceSparseApply",
                   "ScatterUpdate", "ScatterAdd", "ScatterSub", "ScatterMul", "ScatterDiv",
                   "ResourceScatter", "ScatterNd", "ResourceScatterNd")
_WRITE_SUFFIXES = ("Summary", "SummaryV2")
# Observers: ops that read a value only to report or save it and output nothing the
# computation uses (a summary's serialized string goes only to a writer or a merge).
OBSERVER_OPS = frozenset({
    "ScalarSummary", "HistogramSummary", "ImageSummary", "AudioSummary", "AudioSummaryV2",
    "TensorSummary", "TensorSummaryV2", "MergeSummary", "WriteSummary", "WriteScalarSummary",
    "WriteHistogramSummary", "WriteImageSummary", "WriteAudioSummary", "WriteRawProtoSummary",
    "WriteGraphSummary", "StringFormat", "PrintV2", "Assert", "SaveV2", "Save", "SaveSlices",
})
# Observers that pass their input through: an observer where nobody reads their output
# (`add_check_numerics_ops` checks every op), the value itself where somebody does.
PASS_THROUGH_OBSERVERS = frozenset({"CheckNumerics", "CheckNumericsV2", "Print"})
# Ops that read a tensor's metadata, not its value.
SHAPE_ONLY_OPS = frozenset({"Shape", "ShapeN", "Size", "Rank"})
# Ops that produce no value worth calling an output.
_NOT_OUTPUT_OPS = frozenset({
    "Const", "Placeholder", "PlaceholderWithDefault", "VarHandleOp", "VariableV2",
    "Variable", "ReadVariableOp", "NoOp", "Assert", "HostConst", *PASS_THROUGH_OBSERVERS,
})


def writes_state(op: str) -> bool:
    """Does an op of this type write state (an update, a save, a summary)?"""
    return op in _WRITE_OPS or op.startswith(_WRITE_PREFIXES) or op.endswith(_WRITE_SUFFIXES)


def value_consumers(
    ops: Mapping[str, str], inputs: Mapping[str, Sequence[str]]
) -> dict[str, set[str]]:
    """node -> the nodes that consume its value (shape-only readers and observers left
    out)."""
    consumers: dict[str, set[str]] = {n: set() for n in ops}
    used = {src for sources in inputs.values() for src in sources}
    for node, sources in inputs.items():
        op = ops.get(node)
        if op in SHAPE_ONLY_OPS or op in OBSERVER_OPS or (
                op in PASS_THROUGH_OBSERVERS and node not in used):
            continue
        for src in sources:
            if src in consumers:
                consumers[src].add(node)
    return consumers


def in_gradient_scope(name: str) -> bool:
    """Is this op name inside a scope TensorFlow builds gradients in?"""
    return any(part == "gradient_tape" or part == "gradients" or part.startswith("gradients_")
               for part in name.split("/")[:-1])


def training_machinery(
    ops: Mapping[str, str],
    inputs: Mapping[str, Sequence[str]],
    names: Mapping[str, str] | None = None,
) -> set[str]:
    """Nodes that write state, or whose value only ever flows into such nodes.

    `ops`: node -> op type, best in topological order; `inputs`: node -> the nodes it reads
    (data inputs only); `names`: node -> op name where it differs from the node id."""
    consumers = value_consumers(ops, inputs)
    names = names or {}
    training = {n for n, op in ops.items()
                if writes_state(op) or in_gradient_scope(names.get(n, n))}
    order = list(reversed(list(ops)))
    changed = True
    while changed:  # one pass in topological order; more only if the order is not
        changed = False
        for node in order:
            if node not in training and consumers[node] and consumers[node] <= training:
                training.add(node)
                changed = True
    return training


def model_outputs(
    ops: Mapping[str, str],
    inputs: Mapping[str, Sequence[str]],
    training: set[str],
    *,
    exclude: Iterable[str] = (),
) -> list[str]:
    """Ops whose value nobody consumes, that are no training machinery and do not descend
    from another such op, in graph order."""
    consumers = value_consumers(ops, inputs)
    excluded = set(exclude)
    candidates = [
        n for n, op in ops.items()
        if n not in training and n not in excluded and op not in _NOT_OUTPUT_OPS
        and not consumers[n]
    ]
    derived = _descendants(ops, inputs, candidates)
    return [n for n in candidates if n not in derived]


def _descendants(
    ops: Mapping[str, str], inputs: Mapping[str, Sequence[str]], roots: Iterable[str]
) -> set[str]:
    """Nodes strictly downstream of `roots` (through any data edge, shape reads included)."""
    succs: dict[str, list[str]] = {n: [] for n in ops}
    for node, sources in inputs.items():
        for src in sources:
            if src in succs:
                succs[src].append(node)
    seen: set[str] = set()
    stack = [s for r in roots for s in succs.get(r, ())]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(succs[node])
    return seen
