"""The inputs and outputs of a TF1 graph nobody labelled: placeholders in, terminal ops out."""

from __future__ import annotations

from typing import Any

from rnninspect.analysis.training import SHAPE_ONLY_OPS, model_outputs, training_machinery
from rnninspect.errors import ModelSourceError
from rnninspect.graph import VARIABLE_OPS


def graph_inputs_outputs(graph: Any, model: str) -> tuple[list[str], list[str]]:
    """Inputs: the placeholders the model reads. Outputs: ops whose value nobody consumes,
    with training machinery (gradients, optimizer updates, initializers, savers, summaries)
    told apart by structure (see `rnninspect.analysis.training`)."""
    ops = graph.get_operations()
    types = {op.name: op.type for op in ops}
    inputs_of = {op.name: [t.op.name for t in op.inputs] for op in ops}
    training = training_machinery(types, inputs_of)
    outputs = [name for name in model_outputs(types, inputs_of, training)
               if not _reads_variable(graph.get_operation_by_name(name))]
    outputs = _widest(graph, outputs, _frozen_weights(graph))
    inputs = [op.name for op in ops if op.type == "Placeholder" and op.name not in training]
    if not outputs:
        raise ModelSourceError(
            f"{model}: the graph computes nothing rnninspect can find (every op is an "
            "initializer, saver, gradient or update); build the model's forward pass")
    return inputs, outputs


def _reads_variable(op: Any) -> bool:
    """`Variable/read`: an Identity of a variable, left unconsumed when the model skips it."""
    return op.type == "Identity" and any(t.op.type in VARIABLE_OPS for t in op.inputs)


def _frozen_weights(graph: Any) -> frozenset[str]:
    """A frozen graph (no variables, no captured variable handles: its weights became
    constants): the constants that a use proves weights (`sources.frozen.frozen_weights`);
    else none."""
    if any(op.type in VARIABLE_OPS or (op.outputs and op.outputs[0].dtype.name == "resource")
           for op in graph.get_operations()):
        return frozenset()
    from rnninspect.sources.frozen import frozen_weights

    return frozenset(v.node for v in frozen_weights(graph)[0])


def _widest(graph: Any, terminals: list[str], weights: frozenset[str]) -> list[str]:
    """Drop terminals that do not depend on the inputs (a stray zeros, an unread
    TensorArray) or compute nothing another terminal does not (a while loop's unused final
    state): the model's outputs remain. `weights`: a frozen graph's weight constants, which
    are read as its variables would be (a greedy decoder reads fewer inputs than the
    teacher-forced pass beside it, but weights of its own reads)."""
    ancestry = {name: _ancestors(graph, name) for name in terminals}
    placeholders = {op.name for op in graph.get_operations() if op.type == "Placeholder"}
    fed = [name for name in terminals if ancestry[name] & placeholders]
    terminals = fed or terminals  # constants only (zeros, empty TensorArrays): not outputs
    # Compared on what each is computed from: the inputs and the reads of weights (each op
    # that computes with a weight, so a step is told from another). A terminal made of
    # nothing another one is not made of (a while loop's unused final state, a dropout on a
    # step's output that nothing reads) is no output; one holding steps no other output
    # holds (a backward cell's later steps, dead but computed) stays; copies of a model read
    # their own inputs and stay apart.
    sources = placeholders | _weight_reads(graph, weights)
    made_of = {name: ancestry[name] & sources for name in terminals}
    kept = []
    for i, name in enumerate(terminals):
        covered = any(_covers(made_of, ancestry, (i, name), (j, other))
                      for j, other in enumerate(terminals) if other != name)
        if not covered:
            kept.append(name)
    return kept


def _covers(
    made_of: dict[str, set[str]], ancestry: dict[str, set[str]],
    mine: tuple[int, str], other: tuple[int, str],
) -> bool:
    """Does `other` compute everything `mine` does? Made of no input or weight read that
    `other` is not made of; made of the same, the one that computes more from it is the
    output (a loop's final state beside the output computed from it); the first of equals."""
    (i, name), (j, them) = mine, other
    if not made_of[name] <= made_of[them]:
        return False
    if made_of[name] != made_of[them]:
        return True
    full = ancestry[name]
    return full < ancestry[them] | {them} or (full == ancestry[them] and j < i)


def _weight_reads(graph: Any, weights: frozenset[str]) -> set[str]:
    """Ops that compute with a variable's (or a weight constant's) value, through its read,
    not the read itself."""
    memo: dict[str, bool] = {}

    def is_variable(op: Any) -> bool:  # the variable, or its value through reads/identities
        if op.name not in memo:
            memo[op.name] = op.type in VARIABLE_OPS or op.name in weights or (
                op.type in ("Identity", "ReadVariableOp")
                and any(is_variable(t.op) for t in op.inputs))
        return memo[op.name]

    return {op.name for op in graph.get_operations()
            if not is_variable(op) and any(is_variable(t.op) for t in op.inputs)}


def _ancestors(graph: Any, name: str) -> set[str]:
    """The ops whose value `name` depends on; a shape read is no dependence on a value (a
    zero state sized from the input's batch is fed by no input)."""
    seen: set[str] = set()
    stack = [graph.get_operation_by_name(name)]
    while stack:
        op = stack.pop()
        if op.type in SHAPE_ONLY_OPS:
            continue
        for t in op.inputs:
            if t.op.name not in seen:
                seen.add(t.op.name)
                stack.append(t.op)
    return seen
