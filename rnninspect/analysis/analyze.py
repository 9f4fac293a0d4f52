"""Put the passes together: reads, chains, cells, steps, roles, findings -> Inspection."""

from __future__ import annotations

import gc
from dataclasses import replace

from rnninspect.analysis.carried import carried_states
from rnninspect.analysis.copies import CopyPart, find_copies
from rnninspect.analysis.direction import with_directions
from rnninspect.analysis.facts import CellBuild, VarFacts
from rnninspect.analysis.feedback import fed_back_outputs, own_recurrence, place_fed_back
from rnninspect.analysis.findings import find_problems
from rnninspect.analysis.fused import find_fused, fused_findings, place_fused
from rnninspect.analysis.infos import cell_infos, share_gate_layout, variable_infos
from rnninspect.analysis.links import block_links, step_graph
from rnninspect.analysis.liveness import liveness_facts
from rnninspect.analysis.opgraph import OpGraph, build_opgraph
from rnninspect.analysis.placement import (
    group_cells,
    place,
    place_duplicates,
    place_loops,
    place_row_partners,
    sampled_feedback,
)
from rnninspect.analysis.reads import computation_nodes, find_uses, weight_only_reads
from rnninspect.analysis.recurrence import (
    Chain,
    Topology,
    Upstream,
    downstream,
    find_chains,
    reaches,
    upstream,
)
from rnninspect.analysis.single import place_single
from rnninspect.analysis.stacked import one_step_stack
from rnninspect.graph import Traced
from rnninspect.model import (
    CopyInfo,
    Finding,
    FindingKind,
    Inspection,
    Placement,
    Role,
    Severity,
    VariableInfo,
)


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
        inspection = replace(inspection, findings=inspection.findings
                             + _constants_unresolved(traced))
        reads: StepReads = {}
        for f in facts.values():
            for use in f.uses:
                step = f.use_steps.get(use.node)
                if step is None:
                    continue
                read = _addressed(og, use.node, use.operand)
                uses = reads.setdefault(f.var.name, {}).setdefault(step, [])
                if read not in uses:
                    uses.append(read)
        return inspection, reads
    finally:
        if enabled:
            gc.enable()


def _addressed(og: OpGraph, node: str, operand: int) -> tuple[str, int]:
    """Where a read can be addressed in the real graph: the op itself, or — for an op in a
    conditional's branch (static_rnn with sequence_length wraps each step in one) — the
    outermost conditional, with operand -1: "the input through which the weight enters"."""
    cond = og.graph.nodes[node].get("cond")
    if cond is None:
        return og.graph.nodes[node].get("name", node), operand
    while og.graph.nodes[cond].get("cond") is not None:
        cond = og.graph.nodes[cond]["cond"]
    return cond, -1


def _analyze(
    traced: Traced, detail_step: int | None
) -> tuple[Inspection, dict[str, VarFacts], OpGraph]:
    og = build_opgraph(traced.graph)
    computation = computation_nodes(og, list(traced.outputs))
    copies = find_copies(og, computation, traced.outputs, (v.node for v in traced.variables))
    if not copies:
        inspection, facts = _analyze_part(traced, og, computation, detail_step)
        return inspection, facts, og
    parts = [_analyze_part(_restricted(traced, c, og), og, computation_nodes(og, list(c.outputs)),
                           detail_step)
             for c in copies]
    primary = _primary(copies, [p[0] for p in parts])
    inspection, facts = parts[primary]
    copy_steps = [_copy_steps(inspection, part) for part, _ in parts]
    steps_by_copy = {
        v.name: tuple((c.name, steps[v.name])
                      for c, (steps, _) in zip(copies, copy_steps, strict=True))
        for v in inspection.variables
    }
    records = tuple(
        CopyInfo(c.name, num_steps, c.batch_size, c.training, primary=i == primary,
                 dynamic=any(cell.dynamic for cell in part.cells))
        for i, (c, (_, num_steps), (part, _)) in enumerate(
            zip(copies, copy_steps, parts, strict=True))
    )
    inspection = replace(
        inspection,
        variables=tuple(replace(v, steps_by_copy=steps_by_copy[v.name])
                        for v in inspection.variables),
        copies=records,
        op_count=len(computation),
    )
    return inspection, facts, og


def _restricted(traced: Traced, copy: CopyPart, og: OpGraph) -> Traced:
    """The traced model seen through one copy: the inputs its ops read (placeholders are
    no part of any copy) and its own outputs."""
    read = {src for n in copy.nodes for src, _ in og.inputs.get(n, ())}
    return replace(traced, inputs=tuple(n for n in traced.inputs if n in copy.nodes or n in read),
                   outputs=tuple(copy.outputs))


def _copy_steps(
    primary: Inspection, part: Inspection
) -> tuple[dict[str, tuple[int, ...]], int | None]:
    """Each variable's steps in one copy, and the copy's T. A copy that runs the cell once
    (the PTB test model, T=1) has no chain of reads to count; the primary copy tells which
    weights are the cell's, and each read once is step 0."""
    steps = {v.name: part.variable(v.name).steps for v in primary.variables}
    if part.num_steps is not None:
        return steps, part.num_steps
    once = [v.name for v in primary.variables
            if v.cell is not None and part.variable(v.name).reads == 1
            and not part.variable(v.name).dynamic]  # a loop's one read serves every step
    if not once:
        return steps, None
    steps.update(dict.fromkeys(once, (0,)))
    return steps, 1


def _primary(copies: list[CopyPart], parts: list[Inspection]) -> int:
    """The training copy, else the longest; the first of equals."""
    return min(range(len(copies)),
               key=lambda i: (not copies[i].training, -(parts[i].num_steps or 0), i))


def _analyze_part(
    traced: Traced, og: OpGraph, computation: set[str], detail_step: int | None
) -> tuple[Inspection, dict[str, VarFacts]]:
    weight_only = weight_only_reads(og, computation)
    facts = {v.node: VarFacts(v, find_uses(og, v.node, computation, weight_only))
             for v in traced.variables}
    in_loop = {n for n in computation if og.loop(n) is not None}
    topo = Topology.of(og, computation)

    uses_by_var = {node: f.uses for node, f in facts.items()}
    chains = [c for c in find_chains(topo, uses_by_var, in_loop, og)
              if not sampled_feedback(og, topo, c) and not one_step_stack(og, topo, c, facts)]
    fed_back_chains = fed_back_outputs(og, topo, chains, uses_by_var, in_loop)
    fed_back = {c.id for c in fed_back_chains}
    barrier = frozenset(topo.index[n] for c in fed_back_chains for n in c.uses)
    # a chain ordered by the feedback alone (an input matrix read on the prediction) is no
    # recurrence: its reads are placed like any other weight's, by the cell they lie in
    chains = [c for c in chains if c.id not in fed_back
              and (not barrier or own_recurrence(topo, c, barrier))]
    ups = {c.id: upstream(topo, c, barrier) for c in chains}
    cells = group_cells(topo, chains, ups, og, set(facts))
    cell_of_chain = {c.id: cell for cell in cells for c in cell.chains}

    reach = [reaches(topo, c, barrier) for c in chains]
    dup_cells = place_duplicates(og, topo, facts, chains, in_loop, bool(cells))
    cells += dup_cells
    loop_cells = place_loops(og, topo, facts, cells, ups)
    cells += loop_cells
    fused = find_fused(og, computation, {n: f.var.shape for n, f in facts.items()},
                       "j" if traced.dialect == "legacy" else "c")
    fused_cells = place_fused(topo, facts, fused, cells)
    loop_cells += fused_cells  # what lies after a fused op is placed as after a loop
    cells += fused_cells
    if not cells:
        cells += place_single(og, topo, facts, traced.inputs)
    for f in facts.values():
        if f.cell is None:
            place(topo, f, chains, ups, cell_of_chain, reach, in_loop)
        place_row_partners(og, f)
        if f.cell is None and f.uses and not chains and loop_cells:
            idx = [topo.index[u.node] for u in f.uses]
            looped = [c.loop for c in loop_cells if c.loop]
            # a cell whose steps are calls (one-iteration loops): a weight read between two
            # calls is after the one and before the next; it is the output layer
            calls = [lp for c in loop_cells for lp in c.calls]
            if any(lp.before[i] for lp in looped for i in idx):
                f.placement = Placement.BEFORE
            elif any(lp.after[i] for lp in looped + calls for i in idx):
                f.placement = Placement.AFTER
            elif any(lp.before[i] for lp in calls for i in idx):
                f.placement = Placement.BEFORE
        if f.cell is None and f.uses and not chains and dup_cells:
            # No shared weights to count steps with: the per-step copies' clock decides.
            clock = dup_cells[0].clock
            assert clock is not None
            first = min(clock.pos[topo.index[u.node]] for u in f.uses)
            f.placement = Placement.BEFORE if first < 0 else Placement.AFTER

    place_fed_back(og, facts, {n for c in fed_back_chains for n in c.uses})
    place_fed_back(og, facts, {topo.order[i] for c in loop_cells if c.loop
                               for i in c.loop.fed_back}, dynamic=True)
    cells = _claimed(cells, facts, cell_of_chain)
    infos, layouts = variable_infos(og, topo, facts, cell_of_chain, ups, traced.dialect,
                                    carried_states(og, facts))
    infos = share_gate_layout(infos)
    infos = liveness_facts(og, topo, facts, cells, infos, traced.outputs)
    cell_records = with_directions(og, topo, facts, cells, infos,
                                   cell_infos(cells, infos, layouts))
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
        cells=cell_records,
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
    inspection = _with_findings(inspection)
    return replace(inspection, findings=inspection.findings + _applications_unresolved(
        inspection, [c for c in [*cells] if c.separate_inputs])
        + _layers_unresolved(inspection, cells) + _reads_unresolved(inspection, facts, topo)
        + fused_findings(fused, facts, {v.name: v.params for v in inspection.variables})), facts


def _constants_unresolved(traced: Traced) -> tuple[Finding, ...]:
    """Never silently wrong: a frozen graph's float constants that the model only multiplies
    or adds elementwise may be weights (a layer-norm gain, a peephole, an attention vector)
    or fixed values (a mask, an initial state), and so may zeros in a fused op's weight
    operand (no peepholes); no use tells them apart, so they are named, not counted
    (sources/frozen.py, `frozen_weights`)."""
    if not traced.unproven:
        return ()
    names = tuple(sorted(name for name, _ in traced.unproven))
    elements = sum(n for _, n in traced.unproven)
    return (Finding(
        FindingKind.UNRESOLVED, Severity.WARNING,
        f"{len(names)} float constants of the frozen graph ({elements:,} values) are "
        "multiplied or added elementwise only, or are zeros where a fused RNN op takes a "
        "weight: they could be weights (gains, peepholes, attention vectors) or fixed "
        "values; not counted in total_params",
        names, elements,
        "inspect the graph with its variables (a SavedModel, the .meta graph or the code) "
        "to count them"),)


def _reads_unresolved(inspection: Inspection, facts: dict[str, VarFacts], topo: Topology
                      ) -> tuple[Finding, ...]:
    """Never silently wrong: in a static unroll every read of a cell's weight is given a
    step. When the rules gave some reads of a cell weight no step (one layer object applied
    twice over whole sequences, each application a full unroll: its reads are in no single
    order), the steps, layers and roles of the static cells are not proven. A read whose
    value reaches no read of any weight feeds no step, so it is at none by construction (a
    decoder's lookup of the embedding of its last prediction, for a step the unroll does
    not have): it proves nothing either way."""
    static = [f for f in facts.values() if f.cell is not None and f.cell.loop is None
              and not f.cell.calls and f.use_steps]
    reads = {topo.index[u.node] for f in facts.values() for u in f.uses
             if u.node in topo.index}

    def feeds_a_read(node: str) -> bool:
        i = topo.index.get(node)
        return i is None or bool(downstream(topo, [i]) - {i} & reads)

    if not any(u.node not in f.use_steps and feeds_a_read(u.node)
               for f in static for u in f.uses):
        return ()
    names = tuple(sorted(f.var.name for f in static))
    params = sum(v.params for v in inspection.variables if v.name in names)
    return (Finding(
        FindingKind.UNRESOLVED, Severity.INFO,
        "some reads of these cell weights lie at no step the rules can prove (a layer "
        "applied more than once?): their steps, layers and roles are not proven",
        names, params, "nothing to fix if the weights are meant to be shared"),)


def _layers_unresolved(inspection: Inspection, cells: list[CellBuild]) -> tuple[Finding, ...]:
    """Never silently wrong: per-step copies at the last step of a stack whose layer no
    earlier step proves (`duplicates._assign_layers`)."""
    names = tuple(sorted(n for c in cells for n in c.unproven))
    if not names:
        return ()
    params = sum(v.params for v in inspection.variables if v.name in names)
    return (Finding(
        FindingKind.UNRESOLVED, Severity.INFO,
        f"{len(names)} weights re-created at the last step of a stack: which layer each "
        "belongs to is not proven (no earlier step with the same reads to match)",
        names, params, "share one cell per layer across steps; then the layers are proven"),)


def _applications_unresolved(
    inspection: Inspection, applied: list[CellBuild]
) -> tuple[Finding, ...]:
    """Never silently wrong: one cell applied to sequences of separate model inputs (twin
    towers) is reported as one cell, but copies of an encoder are as good a reading."""
    out = []
    for cell in applied:
        names = tuple(v.name for v in inspection.variables
                      if (v.cell == cell.name or cell.name in v.also_cells)
                      and v.role is not Role.CARRIED_STATE)  # the weights in question
        if not names:
            continue
        params = sum(v.params for v in inspection.variables if v.name in names)
        out.append(Finding(
            FindingKind.UNRESOLVED, Severity.INFO,
            f"{cell.name} is applied to separate inputs ({', '.join(cell.separate_inputs)}) "
            "with no data path between the applications: shown as one cell; whether they "
            "are two copies of one encoder (twin towers) is not decided",
            names, params,
            "nothing to fix if the weights are meant to be shared; the table counts them once"))
    return tuple(out)


def _claimed(
    cells: list[CellBuild], facts: dict[str, VarFacts], cell_of_chain: dict[str, CellBuild]
) -> list[CellBuild]:
    """Cells that hold a variable. A static cell whose every weight a while loop claimed
    first (a cell run over a warm-up sequence, then called step by step) is that loop's
    cell, not another one: its chains are the loop cell's from here on (`cell_of_chain` is
    updated in place), and so is what was placed in it (an embedding looked up on each
    step's prediction: `facts` updated in place)."""
    owner = {f.var.node: f.cell for f in facts.values()}
    chained = {c.var for cell in cells for c in cell.chains}
    # cells that some chain weight is placed in (tied layers: in `other_cells` too)
    weighed = {id(c) for f in facts.values() if f.var.node in chained
               for c in [f.cell, *f.other_cells] if c is not None}
    for cell in cells:
        claimer = next((owner[c.var] for c in cell.chains if owner.get(c.var)), None)
        if not cell.chains or id(cell) in weighed or claimer is None:
            continue
        for f in facts.values():
            if f.cell is cell:
                f.cell = claimer
            f.other_cells = [claimer if c is cell else c for c in f.other_cells]
    held = {id(c) for f in facts.values() for c in [f.cell, *f.other_cells] if c is not None}
    for chain_id, cell in list(cell_of_chain.items()):
        if id(cell) not in held:
            claimed = next((owner[c.var] for c in cell.chains if owner.get(c.var)), None)
            if claimed is not None:
                cell_of_chain[chain_id] = claimed
    return [c for c in cells if id(c) in held or not c.chains]


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


