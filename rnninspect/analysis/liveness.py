"""What a weight's reads can and cannot affect, from dataflow alone.

Three facts for the honest findings (the findings themselves read only the Inspection):

* **linear path** — a projection read before the recurrence whose output reaches the input
  rows of a layer-0 cell kernel through no nonlinearity (no Tanh, Relu, Softmax, ...): the
  two matrices compose into one (`redundant_projection`).
* **dead steps** — steps of a statically unrolled cell none of whose weight reads has a model
  output downstream (a static bidirectional RNN that reads `outputs[-1]`: the backward cell
  ran on the last input first, so its later steps reach nothing).
* **dead weight** — a weight every read of which multiplies an operand that is always zero:
  zeros constants (`Fill` of 0, `ZerosLike`, a splat 0 `Const`) seen through shape-only
  rearrangements, or the carried state of a loop that runs at most once and starts at zero
  (a Keras GRU called per step on a one-step sequence without an initial state).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import replace

from rnninspect.analysis.facts import CellBuild, VarFacts
from rnninspect.analysis.loops import one_iteration_loops
from rnninspect.analysis.opgraph import OpGraph, Ref
from rnninspect.analysis.reads import MATMUL_OPS, summed_row_slices
from rnninspect.analysis.recurrence import Topology, downstream
from rnninspect.analysis.training import SHAPE_ONLY_OPS
from rnninspect.model import Placement, Role, VariableInfo

# Ops after which a value is no longer a linear function of its input.
NONLINEAR_OPS = frozenset({
    "Tanh", "Relu", "Relu6", "Sigmoid", "Elu", "Selu", "Gelu", "Softplus", "Softsign",
    "Softmax", "LogSoftmax", "LeakyRelu", "Exp", "Expm1", "Log", "Log1p", "Sin", "Cos",
    "Square", "Sqrt", "Rsqrt", "Reciprocal", "Pow", "Erf", "Erfc", "Abs", "Sign", "Floor",
    "Ceil", "Round", "Maximum", "Minimum", "ClipByValue", "Tan", "Atan", "Asinh",
})
# A value through these stays elementwise the same values, rearranged (input 0 is the data).
_REARRANGE_OPS = frozenset({
    "Identity", "Snapshot", "Cast", "Reshape", "Transpose", "ExpandDims", "Squeeze",
    "StridedSlice", "Slice", "Tile", "BroadcastTo", "Enter", "TensorListGetItem",
    "TensorListFromTensor", "GatherV2", "Gather",
})
_MULTIPLY_OPS = MATMUL_OPS | {"Mul"}
# products: linear in one factor only while the other does not depend on it
_PRODUCT_OPS = _MULTIPLY_OPS | {"RealDiv", "Div", "DivNoNan", "MulNoNan", "Einsum"}
_INPUT_ROLES = (Role.INPUT_HIDDEN_FUSED, Role.INPUT_TO_HIDDEN)


def liveness_facts(
    og: OpGraph,
    topo: Topology,
    facts: dict[str, VarFacts],
    cells: list[CellBuild],
    infos: list[VariableInfo],
    outputs: Sequence[str],
) -> list[VariableInfo]:
    """`infos` with `linear_into`, `dead_steps` and `dead` filled in."""
    uses = {f.var.name: f for f in facts.values()}
    linear = _linear_into(og, topo, uses, infos)
    dead_steps = _dead_steps(topo, uses, cells, infos, outputs)
    zeros = Zeros(og)
    return [
        replace(i, linear_into=linear.get(i.name), dead_steps=dead_steps.get(i.name, ()),
                dead=zeros.dead(uses[i.name]) if i.name in uses else False)
        for i in infos
    ]


def _linear_into(
    og: OpGraph, topo: Topology, uses: dict[str, VarFacts], infos: list[VariableInfo]
) -> dict[str, str]:
    """Projection name -> the layer-0 input kernel whose every read its output reaches
    linearly."""
    kernels = {u.node: i.name for i in infos if i.layer == 0 and i.role in _INPUT_ROLES
               for u in uses[i.name].uses if i.name in uses}
    # a kernel read as two summed row slices is one read on concat([x, h]): reached when
    # either slice's read is (`reads.summed_row_slices`)
    partner = {u: p.node for i in infos if i.name in uses and len(i.shape) == 2
               for u, p in summed_row_slices(og, uses[i.name].uses).items()}
    out: dict[str, str] = {}
    for i in infos:
        if not (i.role is Role.INPUT_TO_HIDDEN and i.placement is Placement.BEFORE
                and len(i.shape) == 2 and i.name in uses):
            continue
        start = [topo.index[u.node] for u in uses[i.name].uses if u.node in topo.index]
        reached = _reach_linearly(og, topo, start, {topo.index[n] for n in kernels
                                                    if n in topo.index})
        # Redundant only where the projection feeds *every* read of the kernel: rows that
        # also multiply other inputs (an image step before the word steps, sharing one
        # LSTM) are not a composition of two matrices.
        names = {k for k in {kernels[topo.order[j]] for j in reached}
                 if all(topo.index.get(n) in reached or topo.index.get(partner.get(n, n)) in reached
                        for n, name in kernels.items() if name == k)}
        first = next((k.name for k in infos if k.name in names), None)  # in variable order
        if first is not None:
            out[i.name] = first
    return out


def _reach_linearly(og: OpGraph, topo: Topology, start: list[int], targets: set[int]
                    ) -> set[int]:
    """Targets downstream of `start` along paths through no nonlinear or shape-only op, and
    through no product of two values that both depend on `start` (x * sigmoid(x), gelu)."""
    tainted = downstream(topo, start)
    seen, found = set(start), set()
    queue = deque(start)
    while queue:
        i = queue.popleft()
        for s in topo.succs[i]:
            if s in seen:
                continue
            if s in targets:
                seen.add(s)
                found.add(s)
                continue
            op = og.op(topo.order[s])
            if op in NONLINEAR_OPS or op in SHAPE_ONLY_OPS:
                continue
            if op in _PRODUCT_OPS and sum(p in tainted for p in topo.preds[s]) > 1:
                continue
            seen.add(s)
            queue.append(s)
    return found


def _dead_steps(
    topo: Topology,
    uses: dict[str, VarFacts],
    cells: list[CellBuild],
    infos: list[VariableInfo],
    outputs: Sequence[str],
) -> dict[str, tuple[int, ...]]:
    """Variable -> its steps at which no read of its cell reaches the model's output: the
    output layer's reads where there is one (dangling per-step results are not outputs),
    else the traced outputs."""
    after = [u.node for i in infos if i.placement is Placement.AFTER and i.name in uses
             for u in uses[i.name].uses]
    targets = {topo.index[n] for n in (after or outputs) if n in topo.index}
    if not targets:
        return {}
    live = [False] * len(topo.order)
    for i in range(len(topo.order) - 1, -1, -1):
        live[i] = i in targets or any(live[s] for s in topo.succs[i])
    out: dict[str, tuple[int, ...]] = {}
    for cell in cells:
        if cell.loop is not None or not cell.chains:
            continue
        reads: dict[int, bool] = {}  # step -> any read of the cell's weights live
        for node, step in cell_reads(uses, cell).items():
            if node in topo.index:
                reads[step] = reads.get(step, False) or live[topo.index[node]]
        dead = {step for step, ok in reads.items() if not ok}
        if not dead or len(dead) == len(reads):
            continue  # all steps dead: the cell is unused, not half-used
        for name, f in uses.items():
            if f.cell is not cell and cell not in f.other_cells:
                continue
            steps = tuple(sorted(dead & f.steps))
            if steps:
                out[name] = steps
    return out


def cell_reads(facts: Mapping[str, VarFacts], cell: CellBuild) -> dict[str, int]:
    """Every op that reads one of the cell's weights at a step -> that step."""
    return {node: step for f in facts.values() for node, step in f.use_steps.items()
            if f.use_cells.get(node) is cell}


class Zeros:
    """Which tensors are always zero (memoized over the op graph)."""

    def __init__(self, og: OpGraph) -> None:
        self.og = og
        self.memo: dict[Ref, bool] = {}
        self._once: set[str] | None = None

    def dead(self, f: VarFacts) -> bool:
        if not f.uses or not all(u.op in _MULTIPLY_OPS for u in f.uses):
            return False
        for u in f.uses:
            operands = [r for k, r in enumerate(self.og.inputs.get(u.node, ())) if k != u.operand]
            if not any(self.zero(r) for r in operands[:2]):
                return False
        return True

    def zero(self, ref: Ref, depth: int = 0) -> bool:
        if ref in self.memo:
            return self.memo[ref]
        self.memo[ref] = False  # cycles and deep chains: not proven
        result = depth < 64 and self._zero(ref, depth + 1)
        self.memo[ref] = result
        return result

    def _zero(self, ref: Ref, depth: int) -> bool:
        node = ref[0]
        if node not in self.og.graph:
            return False
        op, ins = self.og.op(node), self.og.inputs.get(node, [])
        if op in ("Const", "HostConst"):
            return bool(self.og.graph.nodes[node].get("value") == 0.0)
        if op in ("ZerosLike", "Zeros"):
            return True
        if op == "Fill":
            return len(ins) == 2 and self.zero(ins[1], depth)
        if op in _REARRANGE_OPS:
            return bool(ins) and self.zero(ins[0], depth)
        if op == "Mul":
            return any(self.zero(r, depth) for r in ins)
        if op in ("ConcatV2", "Pack"):
            data = ins[:-1] if op == "ConcatV2" else ins
            return bool(data) and all(self.zero(r, depth) for r in data)
        if op == "LoopState":
            loop = self.og.loop(node)
            return loop in self.once and bool(ins) and self.zero(ins[0], depth)
        return False

    @property
    def once(self) -> set[str]:
        """Loops that run at most once (`loops.one_iteration_loops`)."""
        if self._once is None:
            self._once = one_iteration_loops(self.og)
        return self._once
