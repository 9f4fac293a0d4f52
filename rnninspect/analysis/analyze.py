"""Put the passes together: reads, chains, cells, steps, roles, findings -> Inspection."""

from __future__ import annotations

import gc
from collections import Counter
from dataclasses import dataclass, field, replace

from rnninspect.analysis.duplicates import find_duplicates, input_slice_steps
from rnninspect.analysis.findings import find_problems
from rnninspect.analysis.links import block_links, step_graph
from rnninspect.analysis.loops import Loop, find_loops, loop_layers
from rnninspect.analysis.opgraph import OpGraph, build_opgraph
from rnninspect.analysis.reads import GATHER_OPS, MATMUL_OPS, Use, computation_nodes, find_uses
from rnninspect.analysis.recurrence import (
    Chain,
    Topology,
    Upstream,
    find_chains,
    nearest_chain,
    reaches,
    same_cell,
    upstream,
)
from rnninspect.analysis.roles import base_role, fused_split, gate_blocks, multiplies_state
from rnninspect.model import Cell, GateBlock, Inspection, Placement, Role, RowSplit, VariableInfo
from rnninspect.trace import Traced, TracedVariable


@dataclass
class CellBuild:
    chains: list[Chain]
    clock: Upstream | None = None  # step clock when the cell has no chains (per-step copies)
    num_steps: int = 0
    loop: Loop | None = None  # a while loop: every iteration reads the cell's weights
    layer: int = 0
    name: str = ""
    variables: list[str] = field(default_factory=list)
    kind: str = "RNN"
    gate_order: tuple[str, ...] = ()


@dataclass
class VarFacts:
    var: TracedVariable
    uses: list[Use]
    steps: set[int] = field(default_factory=set)
    cell: CellBuild | None = None
    placement: Placement = Placement.NONE
    dynamic: bool = False
    step_uses: dict[int, Use] = field(default_factory=dict)
    duplicated: bool = False
    other_cells: list[CellBuild] = field(default_factory=list)  # layers sharing its cell
    also_roles: list[Role] = field(default_factory=list)
    use_cells: dict[str, CellBuild] = field(default_factory=dict)  # read op -> its cell
    use_steps: dict[str, int] = field(default_factory=dict)  # read op -> its time step


def analyze(traced: Traced, *, detail_step: int | None = None) -> Inspection:
    return analyze_with_reads(traced, detail_step=detail_step)[0]


# variable name -> step -> (op that computes with it, input position of the variable)
StepReads = dict[str, dict[int, list[tuple[str, int]]]]


def analyze_with_reads(
    traced: Traced, *, detail_step: int | None = None
) -> tuple[Inspection, StepReads]:
    """The Inspection, plus for every variable the ops that compute with it at each step
    (and where it enters them) — what per-step gradients are taken through."""
    # The passes allocate one small object per op and free none of them until the end;
    # the cyclic garbage collector would rescan them all again and again (3x slower at
    # 20k ops), so it pauses for the duration.
    enabled = gc.isenabled()
    gc.disable()
    try:
        inspection, facts, og = _analyze(traced, detail_step)
        reads: StepReads = {}
        for f in facts.values():
            for use in f.uses:
                step = f.use_steps.get(use.node)
                if step is None:
                    continue
                reads.setdefault(f.var.name, {}).setdefault(step, []).append(
                    (og.graph.nodes[use.node].get("name", use.node), use.operand))
        return inspection, reads
    finally:
        if enabled:
            gc.enable()


def _analyze(
    traced: Traced, detail_step: int | None
) -> tuple[Inspection, dict[str, VarFacts], OpGraph]:
    og = build_opgraph(traced.graph)
    computation = computation_nodes(og, traced.outputs)
    facts = {v.node: VarFacts(v, find_uses(og, v.node, computation)) for v in traced.variables}
    in_loop = {n for n in computation if og.loop(n) is not None}
    topo = Topology.of(og, computation)

    uses_by_var = {node: f.uses for node, f in facts.items()}
    chains = find_chains(topo, uses_by_var, in_loop)
    ups = {c.id: upstream(topo, c) for c in chains}
    cells = _group_cells(topo, chains, ups)
    cell_of_chain = {c.id: cell for cell in cells for c in cell.chains}

    reach = [reaches(topo, c) for c in chains]
    dup_cells = _place_duplicates(og, topo, facts, chains, in_loop, bool(cells))
    cells += dup_cells
    loop_cells = _place_loops(og, topo, facts, len(cells))
    cells += loop_cells
    for f in facts.values():
        if f.cell is None:
            _place(topo, f, chains, ups, cell_of_chain, reach, in_loop)
        if f.cell is None and f.uses and not chains and loop_cells:
            idx = [topo.index[u.node] for u in f.uses]
            if any(c.loop.before[i] for c in loop_cells if c.loop for i in idx):
                f.placement = Placement.BEFORE
            elif any(c.loop.after[i] for c in loop_cells if c.loop for i in idx):
                f.placement = Placement.AFTER
        if f.cell is None and f.uses and not chains and dup_cells:
            # No shared weights to count steps with: the per-step copies' clock decides.
            clock = dup_cells[0].clock
            assert clock is not None
            first = min(clock.pos[topo.index[u.node]] for u in f.uses)
            f.placement = Placement.BEFORE if first < 0 else Placement.AFTER

    infos = _share_gate_layout(
        _variable_infos(og, topo, facts, cell_of_chain, ups, traced.dialect))
    cell_infos = _cell_infos(cells, infos)
    num_steps = max((c.num_steps for c in cells if c.loop is None), default=None)
    trainable = [i for i in infos if i.trainable]
    detail = _detail_step(detail_step, num_steps)
    inspection = Inspection(
        model=traced.model,
        dialect=traced.dialect,
        config=traced.config,
        num_steps=num_steps,
        total_params=sum(i.params for i in trainable),
        logical_params=sum(i.logical_params for i in trainable),
        variables=tuple(infos),
        cells=cell_infos,
        findings=(),
        links=block_links(og, topo, facts, cell_of_chain, traced,
                          _inside_cells(topo, chains, ups, reach, cell_of_chain)),
        inputs=tuple(traced.inputs),
        outputs=tuple(traced.outputs),
        op_count=len(computation),
        step_graph=(
            step_graph(og, topo, facts, chains, ups, detail, _gate_names(facts, infos))
            if detail is not None
            else None
        ),
    )
    return _with_findings(inspection), facts, og


def _place_duplicates(
    og: OpGraph,
    topo: Topology,
    facts: dict[str, VarFacts],
    chains: list[Chain],
    in_loop: set[str],
    have_cells: bool,
) -> list[CellBuild]:
    """Per-step copies of one weight: give them their step and a cell per layer."""
    slice_step = input_slice_steps(og, topo)
    if slice_step is None:
        return []
    chained = {c.var for c in chains}
    candidates = {
        node: f.uses for node, f in facts.items()
        if node not in chained and f.uses and not any(u.node in in_loop for u in f.uses)
    }
    shapes = {node: f.var.shape for node, f in facts.items()}
    dups = find_duplicates(og, topo, candidates, shapes, slice_step)
    if not dups:
        return []
    clock = Upstream(slice_step, [0] * len(slice_step))
    total = len({d.step for d in dups})
    cells: dict[int, CellBuild] = {}
    for d in dups:
        cell = cells.setdefault(d.layer, CellBuild([], clock=clock, layer=d.layer,
                                                   num_steps=total))
        f = facts[d.var]
        f.cell, f.placement = cell, Placement.CELL
        f.steps, f.step_uses = {d.step}, {d.step: d.use}
        f.use_steps = {d.use.node: d.step}
        f.duplicated = True
    for layer, cell in cells.items():
        cell.name = f"cell{layer}" if not have_cells else f"copies{layer}"
    return [cells[k] for k in sorted(cells)]


def _place_loops(
    og: OpGraph, topo: Topology, facts: dict[str, VarFacts], first_index: int
) -> list[CellBuild]:
    """One cell per while loop whose body reads weights."""
    loops = find_loops(og, topo, {node: f.uses for node, f in facts.items()})
    if not loops:
        return []
    layers = loop_layers(loops)
    cells = [CellBuild([], clock=loop.clock, layer=layer, loop=loop)
             for loop, layer in zip(loops, layers, strict=True)]
    by_loop = {loop.node: cell for loop, cell in zip(loops, cells, strict=True)}
    per_layer = Counter(layers)
    seen: Counter[int] = Counter()
    for cell in sorted(cells, key=lambda c: (c.layer, min(c.loop.uses) if c.loop else 0)):
        suffix = f"_{seen[cell.layer]}" if per_layer[cell.layer] > 1 else ""
        cell.name = f"loop{cell.layer}{suffix}" if first_index else f"cell{cell.layer}{suffix}"
        seen[cell.layer] += 1
    for f in facts.values():
        loops_read = {og.loop(u.node) for u in f.uses} - {None}
        if loops_read:
            f.dynamic, f.placement = True, Placement.CELL
            f.cell = by_loop[sorted(str(loop) for loop in loops_read)[0]]
            f.step_uses = {1: next(u for u in f.uses if og.loop(u.node) is not None)}
    return sorted(cells, key=lambda c: (c.layer, c.name))


def _gate_names(
    facts: dict[str, VarFacts], infos: list[VariableInfo]
) -> dict[str, tuple[str, ...]]:
    by_name = {i.name: i for i in infos}
    return {
        node: tuple(g.gate for g in by_name[f.var.name].gates or ())
        for node, f in facts.items()
        if by_name[f.var.name].gates
    }


def _inside_cells(
    topo: Topology,
    chains: list[Chain],
    ups: dict[str, Upstream],
    reach: list[list[bool]],
    cell_of_chain: dict[str, CellBuild],
) -> dict[int, str]:
    """Ops strictly inside a cell's recurrence: after one of its chain reads, before another."""
    inside: dict[int, str] = {}
    for chain, reached in zip(chains, reach, strict=True):
        name = cell_of_chain[chain.id].name
        pos = ups[chain.id].pos
        for i in range(len(topo.order)):
            if pos[i] >= 0 and reached[i]:
                inside.setdefault(i, name)
    return inside


def _with_findings(inspection: Inspection) -> Inspection:
    return replace(inspection, findings=find_problems(inspection))


def _detail_step(requested: int | None, num_steps: int | None) -> int | None:
    if num_steps is None:
        return None
    if requested is None:
        return min(1, num_steps - 1)
    return requested


def _group_cells(topo: Topology, chains: list[Chain], ups: dict[str, Upstream]) -> list[CellBuild]:
    """Union interleaved chains into cells, then order cells into layers by dependency."""
    groups: list[list[Chain]] = []
    for chain in chains:
        for group in groups:
            if any(same_cell(ups, topo, chain, other) for other in group):
                group.append(chain)
                break
        else:
            groups.append([chain])
    cells = [CellBuild(g, num_steps=max(c.length for c in g)) for g in groups]

    def first_read(cell: CellBuild) -> int:
        return min(topo.index[c.uses[0]] for c in cell.chains)

    def feeds(a: CellBuild, b: CellBuild) -> bool:
        # b's last read depends on a (its first read may see only the initial state).
        last = max(topo.index[c.uses[-1]] for c in b.chains)
        return any(ups[c.id].pos[last] >= 0 for c in a.chains)

    for cell in sorted(cells, key=first_read):
        cell.layer = max((o.layer + 1 for o in cells if o is not cell and feeds(o, cell)),
                         default=0)
    cells.sort(key=lambda c: (c.layer, first_read(c)))
    per_layer: Counter[int] = Counter()
    for cell in cells:
        per_layer[cell.layer] += 1
    seen: Counter[int] = Counter()
    for cell in cells:
        suffix = f"_{seen[cell.layer]}" if per_layer[cell.layer] > 1 else ""
        cell.name = f"cell{cell.layer}{suffix}"
        seen[cell.layer] += 1
    return cells


def _place(
    topo: Topology,
    f: VarFacts,
    chains: list[Chain],
    ups: dict[str, Upstream],
    cell_of_chain: dict[str, CellBuild],
    reach: list[list[bool]],
    in_loop: set[str],
) -> None:
    """Decide which steps read the variable, its cell, and where it sits."""
    if not f.uses:
        return
    own = [c for c in chains if c.var == f.var.node]
    if own:
        f.cell = cell_of_chain[own[0].id]
        f.other_cells = [cell_of_chain[c.id] for c in own[1:]]
        by_node = {u.node: u for u in f.uses}
        for chain in own:
            for t, node in enumerate(chain.uses):
                f.steps.add(t)
                f.step_uses.setdefault(t, by_node[node])
                f.use_cells[node] = cell_of_chain[chain.id]
                f.use_steps[node] = t
        f.placement = Placement.CELL
        return
    gathers = [u for u in f.uses if u.op in GATHER_OPS and u.operand == 0]
    if gathers and len(gathers) < len(f.uses):
        # An embedding also used as a matrix elsewhere (tied output weights): its reads are
        # outside the steps; the output use is reported as a second role.
        f.placement = Placement.BEFORE
        others = [topo.index[u.node] for u in f.uses if u not in gathers]
        if any(ups[c.id].pos[i] >= 0 for c in chains for i in others):
            f.also_roles = [Role.HIDDEN_TO_OUTPUT]
        return
    if len(f.uses) >= 2:
        votes: Counter[str] = Counter()
        for use in f.uses:
            near = nearest_chain(topo, use.node, chains, ups)
            if near is None:
                continue
            var, step, _ = near
            votes[var] += 1
            f.use_cells[use.node] = cell_of_chain[var]
            f.use_steps[use.node] = step
            f.steps.add(step)
            f.step_uses.setdefault(step, use)
        if votes:
            ranked = sorted(votes, key=lambda cid: cell_of_chain[cid].layer)
            f.cell = cell_of_chain[ranked[0]]
            f.other_cells = [cell_of_chain[c] for c in ranked[1:]
                             if cell_of_chain[c] is not f.cell]
            f.placement = Placement.CELL
            return
    # Read once (or not next to any chain): outside the steps.
    idx = [topo.index[u.node] for u in f.uses]
    if any(r[i] for r in reach for i in idx):
        f.placement = Placement.BEFORE
    elif any(ups[c.id].pos[i] >= 0 for c in chains for i in idx):
        f.placement = Placement.AFTER


def _variable_infos(
    og: OpGraph,
    topo: Topology,
    facts: dict[str, VarFacts],
    cell_of_chain: dict[str, CellBuild],
    ups: dict[str, Upstream],
    dialect: str,
) -> list[VariableInfo]:
    infos = []
    candidate = "j" if dialect == "legacy" else "c"
    for f in facts.values():
        v = f.var
        params = _params(v.shape)
        role = base_role(og, f.uses, v.shape, f.placement)
        row_split: RowSplit | None = None
        gates: tuple[GateBlock, ...] | None = None
        if f.cell is not None and f.step_uses and role is Role.OTHER and len(v.shape) == 1:
            # A peephole: a diagonal weight multiplying the previous cell state elementwise.
            peep_ups = [ups[c.id] for c in f.cell.chains]
            if f.cell.clock is not None:
                peep_ups = [f.cell.clock]
            step = 1 if 1 in f.step_uses else min(f.step_uses)
            use = f.step_uses[step]
            if use.op == "Mul" and multiplies_state(og, topo, use, step, peep_ups):
                role = Role.HIDDEN_TO_HIDDEN
        if f.cell is not None and f.step_uses and role is not Role.BIAS:
            state_ups = [ups[c.id] for c in f.cell.chains]
            if f.cell.clock is not None:
                state_ups = [f.cell.clock]
            step = 1 if 1 in f.step_uses else min(f.step_uses)
            use = f.step_uses[step]
            if use.op in MATMUL_OPS:
                row_split = fused_split(og, topo, use, step, state_ups, v.shape[0])
                if row_split is not None:
                    role = Role.INPUT_HIDDEN_FUSED
                elif multiplies_state(og, topo, use, step, state_ups):
                    role = Role.HIDDEN_TO_HIDDEN
                columns = v.shape[-1] if v.shape else None
                gates, kind = gate_blocks(og, topo, use, columns, step, state_ups, candidate)
                if kind:
                    for cell in (f.cell, *f.other_cells):
                        cell.kind = kind
                        cell.gate_order = tuple(g.gate for g in gates or ())
        if f.cell is not None:
            f.cell.variables.append(v.name)
        for other in f.other_cells:
            other.variables.append(v.name)
        steps = tuple(sorted(f.steps))
        infos.append(
            VariableInfo(
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
                shared=f.dynamic or len(steps) > 1 or len(f.uses) > 1,
                also_cells=tuple(c.name for c in f.other_cells),
                also_roles=tuple(f.also_roles),
                reads=len(f.uses),
                row_split=row_split,
                gates=gates,
            )
        )
    return infos


def _share_gate_layout(infos: list[VariableInfo]) -> list[VariableInfo]:
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


def _cell_infos(cells: list[CellBuild], infos: list[VariableInfo]) -> tuple[Cell, ...]:
    out = []
    for cell in cells:
        members = [i for i in infos if i.cell == cell.name or cell.name in i.also_cells]
        units = None
        for i in members:
            if i.gates:
                units = i.gates[0].columns[1] - i.gates[0].columns[0]
                break
        state = ("c", "h") if cell.kind == "LSTM" else ("h",)
        out.append(
            Cell(
                name=cell.name,
                layer=cell.layer,
                kind=cell.kind,
                units=units,
                gate_order=cell.gate_order,
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
