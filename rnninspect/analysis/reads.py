"""Which ops consume each variable's value, found from the variable's own node (identity)."""

from __future__ import annotations

from dataclasses import dataclass

from rnninspect.analysis.opgraph import OpGraph

# Ops that turn a variable (handle or ref) into its value.
READ_OPS = frozenset({"ReadVariableOp", "Identity", "Enter"})
# Ops that consume a variable's handle directly and compute with it.
HANDLE_USE_OPS = frozenset({"ResourceGather", "ResourceGatherNd"})
# Ops we look through between a read and its real consumer.
PASS_THROUGH = frozenset({"Identity", "Cast", "Enter", "ReadVariableOp", "Transpose", "Unpack",
                          "Split", "Squeeze"})
MATMUL_OPS = frozenset({"MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3"})
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


def find_uses(og: OpGraph, var_node: str, computation: set[str]) -> list[Use]:
    """The ops inside `computation` that consume `var_node`'s value (through reads/casts)."""
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
            if op in PASS_THROUGH or (node == var_node and op in READ_OPS):
                seen.add(consumer)
                frontier.append((consumer, transposed or op == "Transpose"))
                continue
            ports = og.graph.edges[node, consumer]["ports"]
            uses.append(Use(consumer, op, ports[0][1], transposed))
            seen.add(consumer)
    return sorted(uses, key=lambda u: u.node)


def computation_nodes(og: OpGraph, outputs: list[str]) -> set[str]:
    """Everything the outputs depend on (initializers and assignments are left out)."""
    nodes = {out for out in outputs if out in og.graph}
    stack = list(nodes)
    while stack:
        node = stack.pop()
        for src, _ in og.inputs.get(node, ()):
            if src not in nodes and src in og.graph:
                nodes.add(src)
                stack.append(src)
    return nodes
