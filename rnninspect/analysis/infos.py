"""Facts -> the frozen VariableInfo and Cell records: roles, row splits, gates."""

from __future__ import annotations

from dataclasses import dataclass, replace

from rnninspect.analysis.facts import CellBuild, VarFacts
from rnninspect.analysis.opgraph import OpGraph
from rnninspect.analysis.reads import (
    CONV_OPS,
    MATMUL_OPS,
    Use,
    starts_at_first_row,
    summed_row_slices,
)
from rnninspect.analysis.recurrence import (
    Topology,
    Upstream,
    constants,
)
from rnninspect.analysis.roles import (
    base_role,
    carried_value,
    concat_of_input_and_state,
    fused_split,
    gate_blocks,
    multiplies_state,
)
from rnninspect.model import Cell, GateBlock, Role, RowSplit, VariableInfo


@dataclass(frozen=True)
class CellLayout:
    kind: str  # "LSTM", "GRU", "RNN"
    gate_order: tuple[str, ...]


def weight_products(og: OpGraph, topo: Topology, use: Use, const: list[bool]) -> list[Use]:
    """The elementwise products a vector weight's read makes with data: the read itself when
    it is one (`p * c`), else the products that a value computed from the weight and
    constants alone makes (`sigmoid(alpha)`, `1 - sigmoid(alpha)`: a leaky unit's time
    constant, a reparametrized gain), each as a read of the weight."""
    if use.op == "Mul":
        return [use]
    derived = {use.node}
    products, stack = [], [use.node]
    while stack:
        node = stack.pop()
        for succ in og.graph.successors(node):
            i = topo.index.get(succ)
            if i is None or succ in derived:
                continue
            ins = [src for src, _ in og.inputs.get(succ, [])]
            made = [k for k, src in enumerate(ins) if src in derived]
            rest = [src for src in ins if src not in derived]
            if all(topo.index.get(src) is not None and const[topo.index[src]] for src in rest):
                derived.add(succ)
                stack.append(succ)
            elif og.op(succ) == "Mul" and len(ins) == 2 and len(made) == 1:
                products.append(Use(succ, "Mul", made[0], False))
    return products


def variable_infos(
    og: OpGraph,
    topo: Topology,
    facts: dict[str, VarFacts],
    cell_of_chain: dict[str, CellBuild],
    ups: dict[str, Upstream],
    dialect: str,
    carried: frozenset[str] | set[str] = frozenset(),
) -> tuple[list[VariableInfo], dict[str, CellLayout]]:
    """The variable records, and per cell name the kind and gate order its kernels showed
    (the `CellBuild`s are left as they are). `carried`: the variables that hold a stateful
    RNN's state (`carried.carried_states`)."""
    infos = []
    layouts: dict[str, CellLayout] = {}
    candidate = "j" if dialect == "legacy" else "c"
    initial = constants(og, topo)  # the state before the first step is computed from these
    for f in facts.values():
        v = f.var
        params = _params(v.shape)
        # a kernel read as two summed row slices is read once (on concat([x, h]))
        read_count = len(f.uses) - len(summed_row_slices(og, f.uses)) // 2
        role = base_role(og, f.uses, v.shape, f.placement)
        if not f.uses and not v.trainable:
            # Nothing in the model reads it: an optimizer slot, step counter or learning
            # rate (only training machinery touches it).
            role = Role.TRAINING_STATE
        row_split: RowSplit | None = None
        gates: tuple[GateBlock, ...] | None = None
        steps = tuple(sorted(f.steps))
        if f.var.node in carried:
            # the state before the first step (a loop's initial value): read once per call
            # and no matrix, whatever it multiplies there
            info = _info(f, Role.CARRIED_STATE, params, steps[:1], None, None, read_count)
            infos.append(replace(info, dynamic=False, shared=False))
            continue
        if f.cell is not None and f.step_uses and role is Role.OTHER and len(v.shape) == 1:
            # A peephole: a diagonal weight multiplying the previous cell state elementwise.
            peep_ups = [ups[c.id] for c in f.cell.chains]
            if f.cell.clock is not None:
                peep_ups = f.cell.state_clocks or [f.cell.clock]
            # at any step: the new c an output peephole multiplies at the last step is
            # received by no next step, at every other step it is (T = 2 has one other)
            reads = sorted(f.step_uses.items())
            carry_ups = peep_ups  # what the cell carries is read on the cell's own clocks
            if f.own_state is not None:
                reads, peep_ups = [(1, f.own_state[0])], [f.own_state[1]]
            if any(carried_value(og, topo, product, carry_ups, initial)
                   and multiplies_state(og, topo, product, step, peep_ups, current=True)
                   for step, use in reads
                   for product in weight_products(og, topo, use, initial)):
                role = Role.HIDDEN_TO_HIDDEN
        if f.cell is not None and f.step_uses and role is not Role.BIAS:
            state_ups = [ups[c.id] for c in f.cell.chains]
            if f.cell.clock is not None:
                state_ups = f.cell.state_clocks or [f.cell.clock]
            step = 1 if 1 in f.step_uses else min(f.step_uses)
            use = f.step_uses[step]
            if f.own_state is not None:
                use, state_ups, step = f.own_state[0], [f.own_state[1]], 1
            if use.op in MATMUL_OPS:
                rows = v.shape[-2] if use.op in CONV_OPS else v.shape[0]  # a filter's in-channels
                row_split = fused_split(og, topo, use, step, state_ups, rows)
                if row_split is not None or concat_of_input_and_state(og, topo, use, step,
                                                                      state_ups):
                    role = Role.INPUT_HIDDEN_FUSED  # its row split when the widths are known
                elif (pair := _row_slice_pair(og, topo, f.uses, use, step, state_ups, rows)):
                    role, row_split = Role.INPUT_HIDDEN_FUSED, pair[0]
                elif multiplies_state(og, topo, use, step, state_ups):
                    role = Role.HIDDEN_TO_HIDDEN
                columns = v.shape[-1] if v.shape else None
                gates, kind = gate_blocks(og, topo, use, columns, step, state_ups, candidate)
                if kind:
                    for cell in (f.cell, *f.other_cells):
                        layouts[cell.name] = CellLayout(kind, tuple(g.gate for g in gates or ()))
        if f.proven is not None:  # a fused op's slot (`fused.py`)
            role, row_split = f.proven
        infos.append(_info(f, role, params, steps, row_split, gates, read_count))
    return infos, layouts


def _row_slice_pair(og: OpGraph, topo: Topology, uses: list[Use], use: Use, step: int,
                    state_ups: list[Upstream], rows: int | None
                    ) -> tuple[RowSplit | None] | None:
    """A kernel read as two disjoint row slices whose products are added (`x @ W[:k] +
    h @ W[k:]`, `reads.summed_row_slices`), one multiplying the previous state and one not:
    one fused kernel on `concat([x, h])`, its row split (None where the graph does not say
    where the slices begin). None when the read has no such partner."""
    partner = summed_row_slices(og, uses).get(use.node)
    if partner is None or rows is None:
        return None
    by_state = {multiplies_state(og, topo, u, step, state_ups): u for u in (use, partner)}
    if len(by_state) != 2:
        return None
    state, data = by_state[True], by_state[False]
    top = starts_at_first_row(og, data)
    if top is None or top == starts_at_first_row(og, state):
        return (None,)
    data_rows = rows - _slice_rows(og, state)
    if top:
        return (RowSplit(input=(0, data_rows), hidden=(data_rows, rows)),)
    return (RowSplit(input=(rows - data_rows, rows), hidden=(0, rows - data_rows)),)


def _slice_rows(og: OpGraph, use: Use) -> int:
    shape = og.shape(og.inputs[use.node][use.operand])
    return int(shape[0]) if shape and shape[0] is not None else 0


def _info(f: VarFacts, role: Role, params: int, steps: tuple[int, ...],
          row_split: RowSplit | None, gates: tuple[GateBlock, ...] | None, reads: int
          ) -> VariableInfo:
    v = f.var
    return VariableInfo(
        name=v.name,
        shape=v.shape,
        dtype=v.dtype,
        params=params,
        trainable=v.trainable,
        role=role,
        placement=f.placement,
        cell=f.cell.name if f.cell else None,
        layer=f.cell.layer if f.cell else None,
        steps=steps,
        dynamic=f.dynamic,
        shared=f.dynamic or len(steps) > 1 or reads > 1,
        also_cells=tuple(c.name for c in f.other_cells),
        also_roles=tuple(f.also_roles),
        reads=reads,
        row_split=row_split,
        gates=gates,
    )


def share_gate_layout(infos: list[VariableInfo]) -> list[VariableInfo]:
    """A cell's matrices share one column layout: give the gates found on one kernel to its
    siblings whose gate split we could not follow (Keras GRU slices h @ U by hand)."""
    layout: dict[tuple[str | None, int | None], tuple[GateBlock, ...] | None] = {
        (i.cell, i.shape[-1]): i.gates for i in infos if i.gates and i.cell}
    return [
        replace(i, gates=layout[(i.cell, i.shape[-1])])
        if not i.gates and len(i.shape) == 2 and (i.cell, i.shape[-1]) in layout
        and i.role in (Role.HIDDEN_TO_HIDDEN, Role.INPUT_TO_HIDDEN, Role.INPUT_HIDDEN_FUSED)
        else i
        for i in infos
    ]


def cell_infos(cells: list[CellBuild], infos: list[VariableInfo],
               layouts: dict[str, CellLayout]) -> tuple[Cell, ...]:
    out = []
    for cell in cells:
        layout = layouts.get(cell.name, CellLayout(cell.kind, cell.gate_order))
        members = [i for i in infos if i.cell == cell.name or cell.name in i.also_cells]
        units = None
        for i in members:
            if i.gates:
                units = i.gates[0].columns[1] - i.gates[0].columns[0]
                break
        state = ("c", "h") if layout.kind == "LSTM" else ("h",)
        out.append(
            Cell(
                name=cell.name,
                layer=cell.layer,
                kind=layout.kind,
                units=units,
                gate_order=layout.gate_order,
                state=state,
                variables=tuple(sorted(i.name for i in members)),
                num_steps=None if cell.loop else cell.num_steps,
                dynamic=cell.loop is not None,
            )
        )
    return tuple(out)


def _params(shape: tuple[int | None, ...]) -> int:
    total = 1
    for d in shape:
        total *= d or 0
    return total
