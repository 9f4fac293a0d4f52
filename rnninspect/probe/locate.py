"""Where a cell's gates and states are, step by step, in a TF graph (duck-typed: no import).

The Inspection says which kernel each cell computes with, its gate layout (column blocks in
the framework's real order) and — through `probe.applications` — the ops that multiply the
kernel at each step *in that cell's own application* (a weight two layers share is read by
both; each layer takes its own reads). From such an op's output the columns are followed
forward through element-wise ops (bias, the other kernel's product, a forget bias, a
peephole) and column splits to the first activation op (sigmoid, tanh, …): that op's output,
restricted to the columns a gate block owns, is taken as the gate. Activations computed
before a split (TF1 GRUCell's r, u) are cut by the same column bookkeeping. States: an
LSTM's c_t is the first sum after its tanh candidate (f·c + i·j), h_t the product its output
gate o feeds (o·tanh(c)); a GRU's h_t is the first sum after its candidate; a gateless
cell's h_t is its activation. Beside them, what each recurrent weight multiplies at each
step (`StateRead`), against which `probe.proof` checks that h_t is the state.
An op type is a hint, not a proof: `probe.proof` decides whether these values are kept.
Covers every cell whose kernel is multiplied at each step by its own op (static unrolls,
Python loops, unrolled twins); a while-loop body's values cannot be fetched per iteration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rnninspect.model import Cell, Inspection, Role, VariableInfo
from rnninspect.probe.applications import CellReads
from rnninspect.probe.proof import LSTM_GATES, RESET_GATE, UPDATE_GATES

ACTIVATIONS = {"Sigmoid": "sigmoid", "Tanh": "tanh", "Relu": "relu", "Relu6": "relu6",
               "Elu": "elu", "Selu": "selu", "Softsign": "softsign", "Softplus": "softplus"}
# ops that keep the columns of their first-dimension-preserving operand
ELEMENTWISE = frozenset({"Add", "AddV2", "BiasAdd", "Mul", "Sub", "RealDiv", "Identity",
                         "Cast", "Maximum", "Minimum", "AddN", "ClipByValue"})
MAX_HOPS = 12  # kernel product -> activation: at most bias, a few sums, a split, a peephole
KERNEL_ROLES = (Role.INPUT_TO_HIDDEN, Role.HIDDEN_TO_HIDDEN, Role.INPUT_HIDDEN_FUSED)
# a gated cell's gates by kind; its other block is the candidate
GATE_NAMES = {"LSTM": LSTM_GATES, "GRU": (*UPDATE_GATES, RESET_GATE)}
CANDIDATE = "h"  # a GRU's candidate (Keras's name; TF1 GRUCell names none), a plain RNN's block


@dataclass(frozen=True)
class GateAt:
    """Columns [start, stop) of `tensor`'s last dimension are `gate`, computed by `activation`."""

    gate: str
    activation: str
    tensor: Any
    start: int
    stop: int


@dataclass(frozen=True)
class StateRead:
    """What a recurrent weight multiplies at a step: `tensor`'s columns [start, stop) are
    the previous state when the cell's h is what it carries (all of it, or a fused kernel's
    hidden rows)."""

    tensor: Any
    start: int
    stop: int


@dataclass
class StepTensors:
    gates: dict[str, GateAt] = field(default_factory=dict)
    h: Any = None
    c: Any = None
    state_reads: list[StateRead] = field(default_factory=list)


@dataclass
class CellTensors:
    cell: Cell
    kernels: tuple[str, ...]
    steps: list[StepTensors]


def cell_kernels(inspection: Inspection, cell: Cell) -> list[VariableInfo]:
    """The cell's gated kernels; its plain kernels when none is gated (a vanilla RNN). A GRU
    whose gate blocks name no candidate (TF1 GRUCell: r, u) computes it with a kernel of its
    own, one block of `units` columns: that kernel too, its block the candidate h."""
    own = [inspection.variable(n) for n in cell.variables]
    gated = [v for v in own if v.gates]
    plain = [v for v in own if v.role in KERNEL_ROLES and not v.gates]
    if gated and cell.kind == "GRU" and CANDIDATE not in cell.gate_order:
        return gated + [v for v in plain if v.shape[-1] == cell.units]
    return gated or plain


def gate_order(cell: Cell, steps: list[StepTensors]) -> tuple[str, ...]:
    """The cell's gate order, and after it any block located beyond it (a GRU's own-kernel
    candidate)."""
    extra = dict.fromkeys(g for s in steps for g in s.gates if g not in cell.gate_order)
    return (*cell.gate_order, *extra)


def locate(tf: Any, graph: Any, inspection: Inspection, reads: CellReads) -> list[CellTensors]:
    """Each static cell's gate and state tensors per step, from that cell's own reads (a
    weight shared by two layers is read by each layer's application: each cell takes its
    own), and what its recurrent weights multiply at each step (`StateRead`)."""
    found = []
    for cell in inspection.cells:
        if cell.dynamic or not cell.num_steps:
            continue
        own = reads.get(cell.name, {})
        kernels = cell_kernels(inspection, cell)
        recurrent = [inspection.variable(n) for n in cell.variables
                     if inspection.variable(n).role in (Role.HIDDEN_TO_HIDDEN,
                                                        Role.INPUT_HIDDEN_FUSED)]
        steps = []
        for t in range(cell.num_steps):
            step = StepTensors()
            for var in kernels:
                for op_name, k in own.get(var.name, {}).get(t, []):
                    if k < 0:
                        continue  # inside a conditional: not addressable
                    _gates_from(tf, graph.get_operation_by_name(op_name), k, var, step)
            _states(cell, step)
            step.state_reads = [r for var in recurrent for op_name, k in own.get(var.name, {})
                                .get(t, []) if k >= 0
                                for r in [_state_read(graph.get_operation_by_name(op_name), k,
                                                      var)] if r is not None]
            steps.append(step)
        found.append(CellTensors(cell, tuple(v.name for v in kernels), steps))
    return found


def _state_read(op: Any, k: int, var: VariableInfo) -> StateRead | None:
    """The operand a recurrent kernel multiplies (MatMul's other input), restricted to the
    rows that multiply the previous state."""
    if op.type not in MATMULS or k not in (0, 1) or _transposed(op, 1 - k):
        return None
    data = op.inputs[1 - k]
    if data.shape.rank is None or data.shape[-1] is None:
        return None
    if var.row_split is not None:
        start, stop = var.row_split.hidden
        if stop > int(data.shape[-1]):
            return None
        return StateRead(data, start, stop)
    return StateRead(data, 0, int(data.shape[-1]))


def _gates_from(tf: Any, op: Any, k: int, var: VariableInfo, step: StepTensors) -> None:
    if not op.outputs or op.outputs[0].shape.rank is None or op.outputs[0].shape.rank < 1:
        return
    width = op.outputs[0].shape[-1]
    if width is None:
        return
    offset = _kernel_offset(tf, op.inputs[k])
    blocks = [(g.gate, g.columns) for g in var.gates or ()] or [
        (CANDIDATE, (0, var.shape[-1] or 0))]
    for act, lo, hi in _activations(tf, op.outputs[0], offset, offset + int(width)):
        for gate, (g0, g1) in blocks:
            start, stop = max(lo, g0), min(hi, g1)
            if start < stop and gate not in step.gates:
                step.gates[gate] = GateAt(gate, ACTIVATIONS[act.type], act.outputs[0],
                                          start - lo, stop - lo)


MATMULS = {"MatMul": ("transpose_a", "transpose_b"), "BatchMatMul": ("adj_x", "adj_y"),
           "BatchMatMulV2": ("adj_x", "adj_y"), "BatchMatMulV3": ("adj_x", "adj_y")}


def _transposed(op: Any, operand: int) -> bool:
    try:
        return bool(op.get_attr(MATMULS[op.type][operand]))
    except (ValueError, KeyError):
        return False


def _kernel_offset(tf: Any, tensor: Any) -> int:
    """The first kernel column `tensor` holds: 0, or where a column split of it starts."""
    op = tensor.op
    if op.type in ("Split", "SplitV"):
        pieces = _split_pieces(tf, op)
        if pieces is not None:
            return int(pieces[tensor.value_index][0])
    return 0


def _activations(tf: Any, start: Any, lo: int, hi: int) -> list[tuple[Any, int, int]]:
    """(activation op, lo, hi): the first activations reached from `start`, whose columns
    are kernel columns [lo, hi)."""
    found: list[tuple[Any, int, int]] = []
    frontier, seen = [(start, lo, hi, 0)], set()
    while frontier:
        tensor, a, b, hops = frontier.pop()
        if hops > MAX_HOPS:
            continue
        for consumer in tensor.consumers():
            key = (consumer.name, a, b)
            if key in seen:
                continue
            seen.add(key)
            if consumer.type in ACTIVATIONS:
                if _same_width(consumer.outputs[0], b - a):
                    found.append((consumer, a, b))
            elif consumer.type in ELEMENTWISE:
                out = consumer.outputs[0]
                if _same_width(out, b - a):
                    frontier.append((out, a, b, hops + 1))
            elif consumer.type in ("Split", "SplitV") and tensor is _split_value(consumer):
                pieces = _split_pieces(tf, consumer)
                if pieces is None:
                    continue
                for out, (p0, p1) in zip(consumer.outputs, pieces, strict=True):
                    frontier.append((out, a + p0, a + p1, hops + 1))
    return sorted(found, key=lambda f: (f[1], f[0].name))


def _same_width(tensor: Any, width: int) -> bool:
    rank = tensor.shape.rank
    return bool(rank) and tensor.shape[-1] == width


def _split_value(op: Any) -> Any:
    return op.inputs[1] if op.type == "Split" else op.inputs[0]


def _split_pieces(tf: Any, op: Any) -> list[tuple[int, int]] | None:
    """Column ranges of a split's outputs, relative to its input; None unless it splits the
    last axis."""
    value = _split_value(op)
    axis_t = op.inputs[0] if op.type == "Split" else op.inputs[2]
    axis = tf.get_static_value(axis_t)
    rank = value.shape.rank
    if axis is None or rank is None or int(axis) not in (-1, rank - 1):
        return None
    widths = [t.shape[-1] for t in op.outputs]
    if any(w is None for w in widths):
        return None
    pieces, at = [], 0
    for w in widths:
        pieces.append((at, at + int(w)))
        at += int(w)
    return pieces


def _states(cell: Cell, step: StepTensors) -> None:
    """The state tensors from the gates, by the gates' names (the Inspection's): the block
    that is none of a gated cell's gates is its candidate, whatever its activation."""
    gates = step.gates
    named = GATE_NAMES.get(cell.kind, ())
    whole = [g for name, g in gates.items() if name not in named and _whole(g)]
    if cell.kind == "LSTM":  # c_t after the candidate, h_t = o · act(c_t)
        if len(whole) == 1:
            step.c = _first_sum(whole[0].tensor)
        if "o" in gates and _whole(gates["o"]):
            step.h = _product_of(gates["o"].tensor)
    elif cell.kind == "GRU":  # h_t = z·h + (1 − z)·candidate
        if len(whole) == 1:
            step.h = _first_sum(whole[0].tensor)
    elif len(gates) == 1:  # a gateless cell: h_t is its activation
        only = next(iter(gates.values()))
        step.h = only.tensor if _whole(only) else None


def _whole(gate: GateAt) -> bool:
    return gate.start == 0 and gate.tensor.shape[-1] == gate.stop


def _first_sum(tensor: Any) -> Any:
    frontier = [(tensor, 0)]
    while frontier:
        current, hops = frontier.pop(0)
        for consumer in current.consumers():
            if consumer.type in ("Add", "AddV2", "AddN"):
                return consumer.outputs[0]
            if consumer.type in ("Mul", "Sub", "Identity") and hops < 3:
                frontier.append((consumer.outputs[0], hops + 1))
    return None


def _product_of(tensor: Any) -> Any:
    for consumer in tensor.consumers():
        if consumer.type == "Mul":
            return consumer.outputs[0]
    return None
