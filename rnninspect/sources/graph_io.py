"""The inputs and outputs of a TF1 graph nobody labelled: placeholders in, terminal ops out."""

from __future__ import annotations

from typing import Any

from rnninspect.errors import ModelSourceError
from rnninspect.graph import VARIABLE_OPS

# Ops that set or save state; with everything that only feeds them, they are initialization.
_ASSIGN_OPS = frozenset({
    "Assign", "AssignVariableOp", "AssignAdd", "AssignSub", "AssignAddVariableOp",
    "AssignSubVariableOp", "VarIsInitializedOp", "IsVariableInitialized", "NoOp",
})
# Never the model's output: sources and bare variable reads.
_NOT_OUTPUTS = frozenset({
    "Const", "Placeholder", "PlaceholderWithDefault", "VarHandleOp", "VariableV2", "Variable",
    "ReadVariableOp",
})
# Scopes whose ops are training or bookkeeping, not the model: dropped as consumers.
_DROPPED_SCOPES = ("gradients", "save", "report_uninitialized", "Adam", "GradientDescent",
                   "Momentum", "RMSProp", "Adagrad", "beta1_power", "beta2_power")


def graph_inputs_outputs(graph: Any, model: str) -> tuple[list[str], list[str]]:
    """Inputs: the placeholders. Outputs: ops no model op consumes (initializers, savers,
    gradients and optimizer updates left out)."""
    ops = [op for op in graph.get_operations() if not _dropped(op)]
    kept = {op.name for op in ops}
    consumers: dict[str, set[str]] = {op.name: set() for op in ops}
    for op in ops:
        for t in op.inputs:
            if t.op.name in kept:
                consumers[t.op.name].add(op.name)
        for c in op.control_inputs:
            if c.name in kept:
                consumers[c.name].add(op.name)
    init = _initialization(ops, consumers)
    outputs = [
        op.name for op in ops
        if op.name not in init and not (consumers[op.name] - init)
        and op.type not in _NOT_OUTPUTS and not _reads_variable(op)
    ]
    outputs = _widest(graph, outputs)
    inputs = [op.name for op in ops if op.type == "Placeholder" and op.name not in init]
    if not outputs:
        raise ModelSourceError(
            f"{model}: the graph computes nothing rnninspect can find (no op outside "
            f"initializers and savers is left unconsumed); build the model's forward pass")
    return inputs, outputs


def _dropped(op: Any) -> bool:
    top = op.name.split("/")[0]
    return top in _DROPPED_SCOPES or top.startswith(("gradients_", "save_"))


def _initialization(ops: list[Any], consumers: dict[str, set[str]]) -> set[str]:
    init = {op.name for op in ops
            if op.type in _ASSIGN_OPS or op.type.startswith(("Apply", "ResourceApply"))}
    changed = True
    while changed:
        changed = False
        for op in reversed(ops):
            users = consumers[op.name]
            if op.name not in init and users and users <= init:
                init.add(op.name)
                changed = True
    return init


def _reads_variable(op: Any) -> bool:
    """`Variable/read`: an Identity of a variable, left unconsumed when the model skips it."""
    return op.type == "Identity" and any(t.op.type in VARIABLE_OPS for t in op.inputs)


def _widest(graph: Any, terminals: list[str]) -> list[str]:
    """Drop terminals that do not depend on the inputs (a stray zeros, an unread
    TensorArray) or compute nothing another terminal does not (a while loop's unused final
    state): the model's outputs remain."""
    ancestry = {name: _ancestors(graph, name) for name in terminals}
    placeholders = {op.name for op in graph.get_operations() if op.type == "Placeholder"}
    fed = [name for name in terminals if ancestry[name] & placeholders]
    terminals = fed or terminals  # constants only (zeros, empty TensorArrays): not outputs
    kept = []
    for i, name in enumerate(terminals):
        mine = ancestry[name]
        covered = any(
            mine <= ancestry[other] | {other} and (mine != ancestry[other] or j < i)
            for j, other in enumerate(terminals) if other != name
        )
        if not covered:
            kept.append(name)
    return kept


def _ancestors(graph: Any, name: str) -> set[str]:
    seen: set[str] = set()
    stack = [graph.get_operation_by_name(name)]
    while stack:
        op = stack.pop()
        for t in op.inputs:
            if t.op.name not in seen:
                seen.add(t.op.name)
                stack.append(t.op)
    return seen
