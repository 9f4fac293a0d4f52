"""Fused RNN ops: one op runs a whole recurrence (or one step) with a documented weight layout.

`CudnnRNN`/`V2`/`V3` (tf_keras `CuDNNLSTM`/`CuDNNGRU`, Keras' cuDNN path), `BlockLSTM`/`V2`,
`LSTMBlockCell` and `GRUBlockCell` multiply no matmul the other rules could read: their
weights are operands. The rule reads each weight operand by its argument position, lays it
out as TensorFlow's op docs define (`slot_layout`), and follows it back through the ops that
pack it (identities, casts, reshapes, concats, slices, transposes, splits,
`CudnnRNNCanonicalToParams`) to the variables, keeping track of which flat elements of the
operand each variable fills. A variable's role is the kind of slot it fills: input weights
input->hidden, recurrent weights and peepholes hidden->hidden, biases bias, both rows of a
`concat([x, h])` kernel fused (with its row split). Guarantee: a role is given only where
every element a variable reaches lies in slots of one kind (or, for a fused kernel, the
variable *is* the whole input-then-recurrent block); a slot no variable reaches, a variable
whose slots mix kinds, layers or directions, a packing whose sizes are not known, and an op
attribute the layout does not cover are `unresolved`, naming the weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rnninspect.analysis.facts import CellBuild, VarFacts
from rnninspect.analysis.loops import Loop
from rnninspect.analysis.opgraph import OpGraph, Ref
from rnninspect.analysis.reads import CONCAT_OPS
from rnninspect.analysis.recurrence import Topology, Upstream, downstream, upstream_of
from rnninspect.model import Finding, FindingKind, Placement, Role, RowSplit, Severity

SEQUENCE_OPS = frozenset({"CudnnRNN", "CudnnRNNV2", "CudnnRNNV3", "BlockLSTM", "BlockLSTMV2"})
STEP_OPS = frozenset({"LSTMBlockCell", "GRUBlockCell"})
FUSED_OPS = SEQUENCE_OPS | STEP_OPS

# Ops whose output holds its data input's elements in the same flat order.
_SAME_ORDER = frozenset({"Identity", "ReadVariableOp", "Cast", "Reshape", "Squeeze",
                         "ExpandDims", "Enter", "StopGradient", "PreventGradient",
                         "CheckNumerics", "CheckNumericsV2", "EnsureShape", "Snapshot",
                         "Print"})
# Ops whose output holds some of their data input's elements, in another order.
_REORDER = frozenset({"Transpose", "StridedSlice", "Slice", "Split", "SplitV", "Unpack",
                      "GatherV2", "ConjugateTranspose"})
CANONICAL_OPS = frozenset({"CudnnRNNCanonicalToParams", "CudnnRNNCanonicalToParamsV2"})
_GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}
_KIND = {"lstm": "LSTM", "gru": "GRU", "rnn_tanh": "RNN", "rnn_relu": "RNN"}
# kinds of slot
INPUT, RECURRENT, BIAS, PEEPHOLE = "input", "recurrent", "bias", "peephole"


@dataclass(frozen=True)
class Slot:
    """Flat elements [start, stop) of one weight operand, of one kind, in one group (the
    layer * directions + direction of a cuDNN stack; 0 elsewhere)."""

    operand: int
    start: int
    stop: int
    kind: str
    group: int


@dataclass
class VarSlots:
    """What one variable fills in one fused op."""

    ranges: list[tuple[int, int, int, bool]] = field(default_factory=list)  # operand, lo, hi, exact
    kinds: set[str] = field(default_factory=set)
    groups: set[int] = field(default_factory=set)


@dataclass
class FusedOp:
    node: str
    op: str
    kind: str  # LSTM / GRU / RNN
    gate_order: tuple[str, ...]
    layers: int
    directions: int
    variables: dict[str, VarSlots]  # variable node -> what it fills
    roles: dict[str, tuple[Role, RowSplit | None]]  # variable node -> proven role
    problems: list[str]  # why some of its weights are unresolved

    @property
    def sequence(self) -> bool:
        return self.op in SEQUENCE_OPS


def find_fused(og: OpGraph, computation: set[str], shapes: dict[str, tuple[int | None, ...]],
               candidate: str) -> list[FusedOp]:
    """Every fused RNN op of the computation with the variables its weight operands are
    made of. `shapes`: each variable node's shape; `candidate`: the name of an LSTM's
    candidate gate in this dialect."""
    found = []
    for node in og.graph:
        if node in computation and og.op(node) in FUSED_OPS:
            found.append(_fused(og, node, shapes, candidate))
    return found


def slot_layout(og: OpGraph, node: str, candidate: str
                ) -> tuple[list[Slot], str, tuple[str, ...], int, int] | str:
    """The op's weight slots as its docs define them, its cell kind, gate order, layers and
    directions; or why they cannot be laid out."""
    op, spec, ins = og.op(node), og.specs[node], og.inputs.get(node, [])
    if op.startswith("CudnnRNN"):
        mode = spec.str_attr("rnn_mode") or "lstm"
        input_mode = spec.str_attr("input_mode") or "linear_input"
        if mode not in _GATES or input_mode != "linear_input" or spec.int_attr("num_proj"):
            return (f"{op} with rnn_mode={mode}, input_mode={input_mode}, num_proj="
                    f"{spec.int_attr('num_proj')} has a weight layout the rule does not read")
        dirs = 2 if spec.str_attr("direction") == "bidirectional" else 1
        x, h = og.shape(ins[0]), og.shape(ins[1])
        if not x or not h or len(h) != 3 or None in (x[-1], h[0], h[-1]) or int(h[0] or 0) % dirs:
            return f"{op}: the input or state size is not known statically"
        size, units, layers = int(x[-1] or 0), int(h[-1] or 0), int(h[0] or 0) // dirs
        gates = _GATES[mode]
        # CudnnRNNCanonicalToParams' order: every layer's and direction's input matrices,
        # then its recurrent ones, one per gate; then the biases in the same order
        slots, at = [], 0
        for group in range(layers * dirs):
            width = size if group < dirs else units * dirs
            for kind, each in ((INPUT, units * width), (RECURRENT, units * units)):
                slots.append(Slot(3, at, at + gates * each, kind, group))
                at += gates * each
        for group in range(layers * dirs):
            slots.append(Slot(3, at, at + 2 * gates * units, BIAS, group))
            at += 2 * gates * units
        # the slots run i, f, c, o (GRU r, z, h), but the columns of the variables packed
        # into them are whatever the packing made them: no gate order is claimed
        return slots, _KIND[mode], (), layers, dirs
    x = og.shape(ins[1 if op.startswith("BlockLSTM") else 0])
    units_ref = ins[1] if op in ("LSTMBlockCell", "GRUBlockCell") else ins[2]
    u = og.shape(units_ref)
    if not x or not u or x[-1] is None or u[-1] is None:
        return f"{op}: the input or state size is not known statically"
    size, units = int(x[-1]), int(u[-1])
    fused = (size + units)
    if op == "GRUBlockCell":  # x_h_prev @ w_ru -> r, u; concat([x, r * h]) @ w_c -> c
        return ([Slot(2, 0, size * 2 * units, INPUT, 0),
                 Slot(2, size * 2 * units, fused * 2 * units, RECURRENT, 0),
                 Slot(3, 0, size * units, INPUT, 0),
                 Slot(3, size * units, fused * units, RECURRENT, 0),
                 Slot(4, 0, 2 * units, BIAS, 0), Slot(5, 0, units, BIAS, 0)],
                "GRU", ("r", "u"), 1, 1)
    w = 4 if op.startswith("BlockLSTM") else 3  # seq_len_max comes first in BlockLSTM
    slots = [Slot(w, 0, size * 4 * units, INPUT, 0),
             Slot(w, size * 4 * units, fused * 4 * units, RECURRENT, 0),
             Slot(w + 4, 0, 4 * units, BIAS, 0)]
    if spec.int_attr("use_peephole"):  # wci, wcf, wco; ignored without use_peephole
        slots += [Slot(w + k, 0, units, PEEPHOLE, 0) for k in (1, 2, 3)]
    order = ("i", "f", candidate, "o") if op == "BlockLSTMV2" else ("i", candidate, "f", "o")
    return slots, "LSTM", order, 1, 1


def _fused(og: OpGraph, node: str, shapes: dict[str, tuple[int | None, ...]],
           candidate: str) -> FusedOp:
    var_nodes = set(shapes)
    layout = slot_layout(og, node, candidate)
    ins = og.inputs.get(node, [])
    if isinstance(layout, str):  # the operands' variables are named, no role is given
        found: dict[str, VarSlots] = {}
        for operand in weight_operands(og.op(node)):
            if operand < len(ins):
                for var, _, _, _ in _packed(og, ins[operand], 0, 0, True, var_nodes):
                    found.setdefault(var, VarSlots())
        return FusedOp(node, og.op(node), "RNN", (), 1, 1, found, {}, [layout])
    slots, kind, order, layers, dirs = layout
    found = {}
    problems = []
    reached: set[Slot] = set()
    for operand in sorted({s.operand for s in slots}):
        mine = [s for s in slots if s.operand == operand]
        total = max(s.stop for s in mine)
        if operand >= len(ins):
            continue
        for var, lo, hi, exact in _packed(og, ins[operand], 0, total, True, var_nodes):
            slots_hit = [s for s in mine if s.start < hi and lo < s.stop]
            entry = found.setdefault(var, VarSlots())
            entry.ranges.append((operand, lo, hi, exact))
            entry.kinds.update(s.kind for s in slots_hit)
            entry.groups.update(s.group for s in slots_hit)
            reached.update(slots_hit)
    missing = [s for s in slots if s not in reached]
    if missing:
        problems.append(f"{len(missing)} weight slot(s) of {og.op(node)} "
                        f"({', '.join(sorted({s.kind for s in missing}))}) are reached by no "
                        "variable through the ops that pack them")
    roles = {}
    for var, entry in found.items():
        role = _role(shapes[var], entry, slots)
        if role is None:
            problems.append(f"a variable fills {og.op(node)} slots of several kinds, layers or "
                            "directions, or a part of a kernel the rule cannot place")
        else:
            roles[var] = role
    return FusedOp(node, og.op(node), kind, order, layers, dirs, found, roles, problems)


def weight_operands(op: str) -> tuple[int, ...]:
    """The argument positions of a fused op (`FUSED_OPS`) that are its weights."""
    if op.startswith("CudnnRNN"):
        return (3,)
    if op == "GRUBlockCell":
        return (2, 3, 4, 5)
    w = 4 if op.startswith("BlockLSTM") else 3
    return tuple(range(w, w + 5))


def _role(shape: tuple[int | None, ...], entry: VarSlots, slots: list[Slot]
          ) -> tuple[Role, RowSplit | None] | None:
    """The role the slots prove, or None. A variable filling input and recurrent slots is
    a fused kernel only when it is exactly one operand's input-then-recurrent block, laid
    out row by row (its rows split where the recurrent slot starts)."""
    if len(entry.groups) != 1:
        return None
    single = {INPUT: Role.INPUT_TO_HIDDEN, RECURRENT: Role.HIDDEN_TO_HIDDEN,
              PEEPHOLE: Role.HIDDEN_TO_HIDDEN, BIAS: Role.BIAS}
    if len(entry.kinds) == 1:
        return single[next(iter(entry.kinds))], None
    if entry.kinds != {INPUT, RECURRENT} or len(entry.ranges) != 1:
        return None
    operand, lo, hi, exact = entry.ranges[0]
    block = [s for s in slots if s.operand == operand and s.kind in (INPUT, RECURRENT)]
    if not exact or len(shape) != 2 or None in shape or len(block) != 2:
        return None
    rows, cols = int(shape[0] or 0), int(shape[1] or 0)
    first, second = sorted(block, key=lambda s: s.start)
    if (lo, hi) != (first.start, second.stop) or first.kind != INPUT or cols == 0 \
            or (first.stop - lo) % cols:
        return None
    split = (first.stop - lo) // cols
    return Role.INPUT_HIDDEN_FUSED, RowSplit(input=(0, split), hidden=(split, rows))


def _packed(og: OpGraph, ref: Ref, lo: int, hi: int, exact: bool, var_nodes: set[str]
            ) -> list[tuple[str, int, int, bool]]:
    """The variables `ref`'s value is made of, each with the operand elements [lo, hi) its
    elements land in; `exact` while element k of the value lands at lo + k."""
    node = ref[0]
    if node in var_nodes:
        return [(node, lo, hi, exact)]
    op, ins = og.op(node), og.inputs.get(node, [])
    if op in _SAME_ORDER and ins:
        return _packed(og, ins[0], lo, hi, exact, var_nodes)
    if op in _REORDER and ins:
        return _packed(og, ins[1 if op == "Split" else 0], lo, hi, False, var_nodes)
    if op in CONCAT_OPS or op == "Pack" or op in CANONICAL_OPS:
        parts = ins[3:] if op in CANONICAL_OPS else ins[:-1] if op in CONCAT_OPS else ins
        sizes = [_size(og, p) for p in parts]
        # parts lie one after another in flat order when the concat's axis is the first
        # non-unit one (the canonical form concatenates flattened weights, then biases)
        laid_end_to_end = op in CANONICAL_OPS or _leading_axis(og, node, ins)
        if exact and laid_end_to_end and None not in sizes:
            out, at = [], lo
            for part, size in zip(parts, sizes, strict=True):
                out += _packed(og, part, at, at + int(size or 0), True, var_nodes)
                at += int(size or 0)
            return out
        return [v for p in parts for v in _packed(og, p, lo, hi, False, var_nodes)]
    return []  # a constant, or an op the rule does not look through: reaches no variable


def _size(og: OpGraph, ref: Ref) -> int | None:
    shape = og.shape(ref)
    if shape is None or None in shape:
        return None
    total = 1
    for d in shape:
        total *= int(d or 0)
    return total


def _leading_axis(og: OpGraph, node: str, ins: list[Ref]) -> bool:
    """Does the concat (or stack) join along an axis with only unit dims before it?"""
    axis = og.specs[node].int_attr("axis") if og.op(node) == "Pack" else \
        og.graph.nodes[ins[-1][0]].get("value")
    shape = og.shape((node, 0))
    if axis is None or shape is None:
        return False
    k = int(axis) % len(shape) if shape else 0
    return all(d == 1 for d in shape[:k])


def place_fused(topo: Topology, facts: dict[str, VarFacts], ops: list[FusedOp],
                cells: list[CellBuild]) -> list[CellBuild]:
    """Cells of the fused ops, their weights placed in them. A whole-sequence op is a rolled
    recurrence, one cell per layer and direction it runs (`dynamic`: its weights serve every
    step); one-step ops reading the same weights are one cell whose steps are the calls,
    in dataflow order. Each cell's `loop`/`calls` (the op, what lies before and after it)
    places the layers around it: a weight read after is the output layer's."""
    new: list[CellBuild] = []
    taken = {c.name for c in cells}
    made: list[tuple[CellBuild, Loop]] = [(c, c.loop) for c in cells if c.loop is not None]
    runs: dict[frozenset[str], list[FusedOp]] = {}
    for op in sorted(ops, key=lambda o: topo.index[o.node]):
        if not op.sequence:
            runs.setdefault(frozenset(op.variables) or frozenset({op.node}), []).append(op)
            continue
        at = _at(topo, op.node)
        base = max((c.layer + 1 for c, lp in made if lp.after[topo.index[op.node]]), default=0)
        group_cells = []
        for group in range(op.layers * op.directions):
            cell = CellBuild([], layer=base + group // op.directions, loop=at, kind=op.kind,
                             gate_order=op.gate_order)
            if op.directions == 2:
                cell.direction = ("forward", "backward")[group % 2]
            group_cells.append(cell)
            made.append((cell, at))
        new += group_cells
        _assign(facts, op, group_cells, dynamic=True)
    for run in runs.values():
        calls = [_at(topo, op.node) for op in run]
        layer = max((c.layer + 1 for c, lp in made if lp.after[topo.index[run[0].node]]),
                    default=0)
        cell = CellBuild([], layer=layer, num_steps=len(run), calls=calls, kind=run[0].kind,
                         gate_order=run[0].gate_order)
        if any(not prev.after[topo.index[nxt.node]]
               for nxt, prev in zip(run[1:], calls, strict=False)):
            for op in run:  # the calls are in no single order: no step is proven
                op.problems.append("the one-step op is applied in no single order: its "
                                   "steps are not proven")
        new.append(cell)
        for step, op in enumerate(run):
            _assign(facts, op, [cell], step=step)
    for cell in sorted(new, key=lambda c: c.layer):
        name, k = f"cell{cell.layer}", 0
        while name in taken:
            name, k = f"cell{cell.layer}_{k}", k + 1
        cell.name = name
        taken.add(name)
    return new


def _at(topo: Topology, node: str) -> Loop:
    """The op as a loop of one read: its clock says nothing (roles come from the slots),
    `before` and `after` what lies upstream and downstream of it."""
    n, i = len(topo.order), topo.index[node]
    down, up = downstream(topo, [i]) - {i}, upstream_of(topo, i)
    return Loop(node, Upstream([-1] * n, [0] * n), [k in down for k in range(n)],
                [k in up for k in range(n)], [i])


def _assign(facts: dict[str, VarFacts], op: FusedOp, group_cells: list[CellBuild],
            *, dynamic: bool = False, step: int | None = None) -> None:
    for var, entry in op.variables.items():
        f = facts.get(var)
        if f is None:
            continue
        # a variable filling several layers of one op fills them with different elements
        # (an opaque buffer): it is not shared by them, and its role is unresolved
        owner = group_cells[min(entry.groups, default=0)]
        if f.cell is None:
            f.cell = owner
        elif owner is not f.cell and owner not in f.other_cells:
            f.other_cells.append(owner)  # one layer's weights run by two ops
        f.placement, f.dynamic = Placement.CELL, f.dynamic or dynamic
        if step is not None:
            f.steps.add(step)
            f.use_steps.update({u.node: step for u in f.uses if u.node == op.node})
        if var in op.roles:
            f.proven = op.roles[var]


def fused_findings(ops: list[FusedOp], facts: dict[str, VarFacts],
                   params: dict[str, int]) -> tuple[Finding, ...]:
    """Never silently wrong: one `unresolved` finding per fused op the rule could not read
    whole, naming the op's weights (`params`: variable name -> parameters)."""
    out = []
    for op in ops:
        if not op.problems:
            continue
        names = tuple(sorted(facts[v].var.name for v in op.variables if v in facts))
        out.append(Finding(
            FindingKind.UNRESOLVED, Severity.WARNING,
            f"{op.op} op {op.node}: " + "; ".join(dict.fromkeys(op.problems))
            + ": the roles of its weights are not proven",
            names, sum(params.get(n, 0) for n in names),
            "pack the weights with concat/reshape/slice of variables, as the op's docs lay out"))
    return tuple(out)
