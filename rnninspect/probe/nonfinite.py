"""The first non-finite value of a forward pass, in RNN terms (duck-typed TF graph ops).

Every float tensor of the forward computation that a session can fetch (not inside a
while-loop body) is fetched once; the first op whose output holds an Inf or NaN while its
own inputs hold none is where it started (TensorBoard Debugger V2's "first Inf/NaN op").
"First" means the smallest (step, layer), then graph order. The step and layer of an op are
the latest (step, layer) among the kernel reads it depends on (an op of layer 1 at step 7
depends on layer 1's and layer 0's reads up to step 7, on nothing of step 8); the weight is
the nearest weight upstream (a kernel or embedding before a bias).
"""

from __future__ import annotations

from typing import Any

from rnninspect.model import Inspection, Role
from rnninspect.probe.applications import CellReads
from rnninspect.probe.model import NonFinite

Label = tuple[int, int]  # (step, layer)
MAX_FETCH = 20_000  # tensors fetched to find the first non-finite op (a 400-step 2-layer LM)
MAX_HOPS = 10_000  # a bound on the upstream walk; a graph's depth is far less
BIAS_SLACK = 2  # a bias is added right after its kernel's product: look 2 ops further


def forward_ops(graph: Any, outputs: list[str]) -> list[Any]:
    """The ops the outputs depend on, in graph order."""
    seen: set[str] = set()
    stack = [graph.get_operation_by_name(o) for o in outputs]
    while stack:
        op = stack.pop()
        if op.name in seen:
            continue
        seen.add(op.name)
        stack.extend(t.op for t in op.inputs)
        stack.extend(op.control_inputs)
    return [op for op in graph.get_operations() if op.name in seen]


def _fetchable(op: Any) -> list[Any]:
    if getattr(op, "_control_flow_context", None) is not None:
        return []  # a TF1 while body: one value per iteration, not fetchable
    if op.type in ("Const", "VarHandleOp", "VariableV2", "Placeholder"):
        return []
    return [t for t in op.outputs if t.dtype.is_floating]


def step_labels(ops: list[Any], inspection: Inspection, reads: CellReads) -> dict[str, Label]:
    """op name -> (step, layer) of the latest kernel read it depends on (each read labelled
    with the layer whose application it is)."""
    own: dict[str, Label] = {}
    for cell in inspection.cells:
        for steps in reads.get(cell.name, {}).values():
            for step, uses in steps.items():
                for op_name, _ in uses:
                    label = (step, cell.layer)
                    own[op_name] = max(own.get(op_name, label), label)
    labels: dict[str, Label] = {}
    for op in ops:
        found = [labels[t.op.name] for t in op.inputs if t.op.name in labels]
        if op.name in own:
            found.append(own[op.name])
        if found:
            labels[op.name] = max(found)
    return labels


def nearest_weight(op: Any, weights: dict[str, str], biases: set[str]) -> str | None:
    """The nearest weight upstream of `op` (`weights`: node -> name); a bias only when no
    other weight is within `BIAS_SLACK` ops more (x·W + b: b is one op nearer than W)."""
    frontier, seen = [op], {op.name}
    bias: str | None = None
    last = 0
    for hops in range(MAX_HOPS):
        reached = [weights[t.op.name] for o in frontier for t in o.inputs
                   if t.op.name in weights]
        plain = [w for w in reached if w not in biases]
        if plain:
            return plain[0]
        if reached and bias is None:
            bias, last = reached[0], hops + BIAS_SLACK
        if bias is not None and hops >= last:
            return bias
        following = []
        for o in frontier:
            for t in o.inputs:
                if t.op.name not in seen:
                    seen.add(t.op.name)
                    following.append(t.op)
        frontier = following
        if not frontier:
            break
    return bias


def first_nonfinite(np: Any, session: Any, ops: list[Any], feed: dict[Any, Any],
                    inspection: Inspection, reads: CellReads,
                    weights: dict[str, str], gate_ops: dict[str, str]) -> NonFinite | None:
    """`weights`: variable node -> name; `gate_ops`: activation op name -> gate."""
    tensors = [t for op in ops for t in _fetchable(op)][:MAX_FETCH]
    values = dict(zip([t.name for t in tensors], session.run(tensors, feed), strict=True))
    labels = step_labels(ops, inspection, reads)
    cell_of = {c.layer: c.name for c in inspection.cells}
    biases = {v.name for v in inspection.variables if v.role is Role.BIAS}

    def bad(t: Any) -> bool:
        value = values.get(t.name)
        return value is not None and not bool(np.all(np.isfinite(value)))

    sources = [(labels.get(op.name, (-1, -1)), i, op) for i, op in enumerate(ops)
               if any(bad(t) for t in op.outputs) and not any(bad(t) for t in op.inputs)]
    if not sources:
        return None
    label, _, op = min(sources, key=lambda s: (s[0], s[1]))
    value = next(values[t.name] for t in op.outputs if bad(t))
    flat = np.asarray(value).reshape(-1)
    first = flat[~np.isfinite(flat)][0]
    kind = "nan" if np.isnan(first) else ("inf" if first > 0 else "-inf")
    step, layer = label if label != (-1, -1) else (None, None)
    return NonFinite(op=op.name, op_type=op.type, value=kind, step=step, layer=layer,
                     cell=cell_of.get(layer) if layer is not None else None,
                     gate=gate_ops.get(op.name), weight=nearest_weight(op, weights, biases))
