"""Which cell, layer and steps each variable belongs to: chains, per-step copies, loops."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

from rnninspect.analysis.duplicates import find_duplicates, input_slice_steps, state_clocks
from rnninspect.analysis.facts import CellBuild, VarFacts
from rnninspect.analysis.feedback import fed_back_in_loop
from rnninspect.analysis.loops import (
    Loop,
    find_loops,
    loop_layers,
    outputs_in_loop,
    per_step_runs,
    split_layers,
)
from rnninspect.analysis.opgraph import OpGraph
from rnninspect.analysis.reads import GATHER_OPS, Use, adds_onto, summed_row_slices
from rnninspect.analysis.recurrence import (
    Chain,
    Topology,
    Upstream,
    nearest_chain,
    same_cell,
    upstream_of,
)
from rnninspect.model import Placement, Role


def place_duplicates(
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
        if d.unproven:
            cell.unproven.append(f.var.name)
    for layer, cell in cells.items():
        cell.name = f"cell{layer}" if not have_cells else f"copies{layer}"
        reads: dict[int, list[int]] = {}
        for d in dups:
            if d.layer == layer:
                reads.setdefault(d.step, []).append(topo.index[d.use.node])
        cell.state_clocks = state_clocks(og, topo, reads)
    return [cells[k] for k in sorted(cells)]


def place_loops(
    og: OpGraph,
    topo: Topology,
    facts: dict[str, VarFacts],
    cells: list[CellBuild],
    ups: dict[str, Upstream],
) -> list[CellBuild]:
    """One cell per while loop whose body reads weights; a layer called once per step
    (a run of one-iteration loops, see `per_step_runs`) is one cell whose steps are the
    calls: the cell of the static recurrence around it when its calls fall on that cell's
    steps (an attention decoder), else a cell of its own."""
    loops = find_loops(og, topo, {node: f.uses for node, f in facts.items()})
    if not loops:
        return []
    reads = {loop.node: frozenset(node for node, f in facts.items()
                                  if any(og.loop(u.node) == loop.node for u in f.uses))
             for loop in loops}
    runs = per_step_runs(og, loops, reads)
    stepped = {loop.node for run in runs for loop in run}
    uses = {node: f.uses for node, f in facts.items()}
    plain = [layer for loop in loops if loop.node not in stepped
             for layer in split_layers(og, topo, loop,
                                       fed_back_in_loop(og, topo, loop.node, uses)
                                       | outputs_in_loop(og, topo, loop.node, uses))]
    layers = loop_layers(topo, plain)
    new, by_read = [], {}
    for group in _applications(topo, facts, plain):
        first = plain[group[0]]
        cell = CellBuild([], clock=first.clock, layer=max(layers[k] for k in group), loop=first)
        if len(group) > 1:
            cell.separate_inputs = separate_inputs(
                og, topo, [plain[k].uses for k in group], set(facts))
        new.append(cell)
        by_read.update({topo.order[i]: cell for k in group for i in plain[k].uses})
    by_loop = {cell.loop.node: cell for cell in new if cell.loop}
    for run in runs:
        host, steps = _host_cell(topo, run, cells, ups)
        if host is None:
            layer = max((c.layer + 1 for c in new if c.loop
                         and any(c.loop.after[i] for i in run[0].uses)), default=0)
            host = CellBuild([], layer=layer, num_steps=len(run), name="", calls=run)
            new.append(host)
        else:  # the calls' cell sits above the loops that feed its first step
            _stack_above(host, [c for c in new if c.loop], run[0], cells)
        by_loop.update(dict.fromkeys((loop.node for loop in run), host))
        _place_run(og, facts, run, steps, host, reads[run[0].node])
    prefix = "loop" if cells else "cell"
    per_layer = Counter(c.layer for c in new)
    seen: Counter[int] = Counter()
    for cell in sorted(new, key=lambda c: (c.layer, min(c.loop.uses) if c.loop else 0)):
        suffix = f"_{seen[cell.layer]}" if per_layer[cell.layer] > 1 else ""
        kind = prefix if cell.loop or not cells else "steps"
        cell.name = f"{kind}{cell.layer}{suffix}"
        seen[cell.layer] += 1
    fed_back = {topo.order[i] for layer in plain for i in layer.fed_back}
    for f in facts.values():
        loops_read = {og.loop(u.node) for u in f.uses} - {None}
        if fed_back and loops_read and all(u.node in fed_back or adds_onto(og, u, fed_back)
                                           for u in f.uses if og.loop(u.node) is not None):
            # a fed-back output layer: placed after the recurrence (analyze), whatever it
            # reads after the loop (the decoder's emitted outputs, projected again)
            continue
        if loops_read and f.cell is None:
            f.dynamic, f.placement = True, Placement.CELL
            looped = sorted((u for u in f.uses if og.loop(u.node) is not None),
                            key=lambda u: (str(og.loop(u.node)), topo.index[u.node]))
            owners = list({id(c): c for c in (
                by_read.get(u.node) or by_loop[str(og.loop(u.node))] for u in looped)}.values())
            f.cell = owners[0]
            # one layer object run by several loops (tied stacked layers)
            f.other_cells = owners[1:]
            # its role is read where its cell reads it, against that cell's clock: a tied
            # layer's other application reads another layer's state
            f.step_uses = {1: looped[0]}
    return sorted(new, key=lambda c: (c.layer, c.name))


def _applications(
    topo: Topology, facts: dict[str, VarFacts], loops: list[Loop]
) -> list[list[int]]:
    """Loops (or loop layers) grouped into one cell each: those that read the same weights
    with no data path between them are one layer applied to several independent sequences
    (``TimeDistributed(LSTM)``, one encoder applied to the two inputs of twin towers); one
    that runs on another's output is a layer stacked on it (the same weights there are
    shared across layers). Indices into `loops`, in order."""
    var_of = {topo.index[u.node]: node for node, f in facts.items() for u in f.uses
              if u.node in topo.index}
    weights = [frozenset(var_of[i] for i in loop.uses if i in var_of) for loop in loops]

    def independent(a: Loop, b: Loop) -> bool:
        return not any(a.after[i] for i in b.uses) and not any(b.after[i] for i in a.uses)

    groups: list[list[int]] = []
    for k, loop in enumerate(loops):
        for group in groups:
            if weights[group[0]] == weights[k] and all(
                    independent(loops[j], loop) for j in group):
                group.append(k)
                break
        else:
            groups.append([k])
    return groups


def _stack_above(
    host: CellBuild, loop_cells: list[CellBuild], first: Loop, cells: list[CellBuild]
) -> None:
    """Raise a static cell hosting per-step calls above the while loops its first call
    depends on (an attention decoder reads the encoder's loop), renaming it to match."""
    layer = max((c.layer + 1 for c in loop_cells if c.loop
                 and any(c.loop.after[i] for i in first.uses)), default=host.layer)
    if layer <= host.layer:
        return
    old = f"cell{host.layer}"
    host.layer = layer
    if host.name == old and all(c.name != f"cell{layer}" for c in cells):
        host.name = f"cell{layer}"


def _host_cell(
    topo: Topology, run: list[Loop], cells: list[CellBuild], ups: dict[str, Upstream]
) -> tuple[CellBuild | None, list[int]]:
    """The chain cell whose steps the calls of `run` fall on (call k after that cell's
    step-k reads, on distinct rising steps), and those steps; else (None, 0..n-1). A call's
    step is the latest step any of its reads depends on: which read comes first in the
    graph's order is no property of the program (a recurrent kernel that only multiplies
    the layer's zero state depends on no step)."""
    for cell in cells:
        if not cell.chains:
            continue
        steps = [max(ups[c.id].pos[i] for c in cell.chains for i in loop.uses)
                 for loop in run]
        if steps[0] >= 0 and all(a < b for a, b in pairwise(steps)):
            return cell, steps
    return None, list(range(len(run)))


def _place_run(
    og: OpGraph,
    facts: dict[str, VarFacts],
    run: list[Loop],
    steps: list[int],
    cell: CellBuild,
    variables: frozenset[str],
) -> None:
    step_of = {loop.node: step for loop, step in zip(run, steps, strict=True)}
    role_loop = run[1] if len(run) > 1 else run[0]  # the second call: its state is real
    for node in sorted(variables):
        f = facts[node]
        f.cell, f.placement, f.dynamic = cell, Placement.CELL, False
        for use in f.uses:
            step = step_of.get(str(og.loop(use.node)))
            if step is None:
                continue
            f.steps.add(step)
            f.step_uses.setdefault(step, use)
            f.use_cells[use.node], f.use_steps[use.node] = cell, step
        own = next((u for u in f.uses if og.loop(u.node) == role_loop.node), None)
        if own is not None:
            f.own_state = (own, role_loop.clock)


def group_cells(
    topo: Topology, chains: list[Chain], ups: dict[str, Upstream], og: OpGraph | None = None,
    variables: set[str] | None = None,
) -> list[CellBuild]:
    """Union interleaved chains into cells, then order cells into layers by dependency."""
    groups: list[list[Chain]] = []
    for chain in chains:
        for group in groups:
            if any(same_cell(ups, topo, chain, other) for other in group):
                group.append(chain)
                break
        else:
            groups.append([chain])
    groups, applied = _merge_applications(topo, groups, ups)
    cells = [CellBuild(g, num_steps=max(c.length for c in g)) for g in groups]
    for cell, firsts in zip(cells, applied, strict=True):
        if len(firsts) > 1 and og is not None:
            cell.separate_inputs = separate_inputs(og, topo, [[i] for i in firsts],
                                                   variables or set())

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


def separate_inputs(
    og: OpGraph, topo: Topology, applications: list[list[int]], variables: set[str]
) -> tuple[str, ...]:
    """The model inputs behind each application's reads, when every application has
    inputs of its own (twin towers): () when they share one (TimeDistributed's rows).
    Captured variables are placeholders of a function too: `variables` are no inputs."""
    behind = []
    for reads in applications:
        found = {topo.order[j] for i in reads for j in upstream_of(topo, i)
                 if og.op(topo.order[j]) in ("Placeholder", "_Arg")
                 and topo.order[j] not in variables}
        behind.append(found)
    if any(not b for b in behind) or any(
            a & b for k, a in enumerate(behind) for b in behind[k + 1:]):
        return ()
    return tuple(sorted(set().union(*behind)))


def _merge_applications(
    topo: Topology, groups: list[list[Chain]], ups: dict[str, Upstream]
) -> tuple[list[list[Chain]], list[list[int]]]:
    """Cells that run the same weights on independent sequences are one cell applied twice
    (twin towers, an unrolled ``TimeDistributed``): same variables, and no read of one is
    downstream of a read of the other. Stacked layers always depend on each other."""
    merged: list[list[Chain]] = []
    firsts: list[list[int]] = []  # each merged cell: the last read of every application
    for group in groups:
        own = {c.var for c in group}
        for target, starts in zip(merged, firsts, strict=True):
            if {c.var for c in target} == own and not any(
                    ups[a.id].pos[topo.index[u]] >= 0 or ups[b.id].pos[topo.index[v]] >= 0
                    for a in target for b in group for u in b.uses for v in a.uses):
                target.extend(group)
                starts.append(max(topo.index[c.uses[-1]] for c in group))
                break
        else:
            merged.append(list(group))
            firsts.append([max(topo.index[c.uses[-1]] for c in group)])
    return merged, firsts


def place_row_partners(og: OpGraph, f: VarFacts) -> None:
    """A kernel read as two summed row slices (`reads.summed_row_slices`) is one read on
    `concat([x, h])`: the read a chain went through gives its partner its step and cell."""
    for node, partner in summed_row_slices(og, f.uses).items():
        if node in f.use_steps and partner.node not in f.use_steps:
            f.use_steps[partner.node] = f.use_steps[node]
            if node in f.use_cells:
                f.use_cells[partner.node] = f.use_cells[node]


def place(
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
        f.other_cells = list({id(cell_of_chain[c.id]): cell_of_chain[c.id] for c in own[1:]
                              if cell_of_chain[c.id] is not f.cell}.values())
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

        def assign(use: Use, near: tuple[str, int, int]) -> None:
            var, step, _ = near
            votes[var] += 1
            f.use_cells[use.node] = cell_of_chain[var]
            f.use_steps[use.node] = step
            f.steps.add(step)
            f.step_uses.setdefault(step, use)

        # 1. Reads inside a recurrence (after a chain's read, before a later one): those
        #    chains decide the cell; the nearest of their reads, the step (a read of the
        #    previous state belongs to the step that consumes it); deep inside a step with
        #    no read near, the step it follows.
        def cell_chains(some: list[Chain]) -> list[Chain]:
            cells = {id(cell_of_chain[c.id]) for c in some}
            return [c for c in chains if id(cell_of_chain[c.id]) in cells]

        outside = []
        for use in f.uses:
            owners = cell_chains(_inside_chains(topo, use.node, chains, ups, reach))
            near = (nearest_chain(topo, use.node, owners, ups)
                    or _after_nearest(topo, use.node, owners, ups)) if owners else None
            if near is None:
                outside.append(use)
            else:
                assign(use, near)
        # 2. The others: the last step's read of a cell found above (after its chain's last
        #    read, before none) is that cell's; with no such cell, the nearest chain read.
        found = list(votes)
        for use in outside:
            i = topo.index[use.node]
            after = [c for c in chains if c.id in found and ups[c.id].pos[i] >= 0]
            owner = min(after, key=lambda c: ups[c.id].hops[i]) if after else None
            near = (nearest_chain(topo, use.node, cell_chains([owner]), ups)
                    or _after_nearest(topo, use.node, cell_chains([owner]), ups)
                    ) if owner is not None else (
                nearest_chain(topo, use.node, chains, ups))
            if near is not None:
                assign(use, near)
        idx = [topo.index[u.node] for u in f.uses]
        if votes and not any(r[i] for r in reach for i in idx):
            # Read at every step but feeding no later step: an output layer per step,
            # outside the cell like one applied to all outputs at once.
            f.placement = Placement.AFTER
            f.steps, f.step_uses, f.use_cells, f.use_steps = set(), {}, {}, {}
            return
        if votes:
            ranked = sorted(votes, key=lambda cid: cell_of_chain[cid].layer)
            f.cell = cell_of_chain[ranked[0]]
            f.other_cells = list({id(cell_of_chain[c]): cell_of_chain[c] for c in ranked[1:]
                                  if cell_of_chain[c] is not f.cell}.values())
            f.placement = Placement.CELL
            return
    # Read once (or not next to any chain): outside the steps.
    idx = [topo.index[u.node] for u in f.uses]
    if any(r[i] for r in reach for i in idx):
        f.placement = Placement.BEFORE
    elif any(ups[c.id].pos[i] >= 0 for c in chains for i in idx):
        f.placement = Placement.AFTER




def _after_nearest(
    topo: Topology, node: str, chains: list[Chain], ups: dict[str, Upstream]
) -> tuple[str, int, int] | None:
    """(chain, step, hops) of the nearest chain read upstream of this op, however many ops
    away: deep inside a step (a peephole on the new cell state), the step it follows."""
    i = topo.index[node]
    after = [(ups[c.id].hops[i], -ups[c.id].pos[i], c.id) for c in chains if ups[c.id].pos[i] >= 0]
    if not after:
        return None
    hops, step, chain = min(after)
    return chain, -step, hops


def _inside_chains(
    topo: Topology, node: str, chains: list[Chain], ups: dict[str, Upstream],
    reach: list[list[bool]],
) -> list[Chain]:
    """The chains whose recurrence this op lies inside (after a read, before a later one)."""
    i = topo.index[node]
    return [c for k, c in enumerate(chains) if ups[c.id].pos[i] >= 0 and reach[k][i]]


SAMPLING_OPS = frozenset({"ArgMax", "Multinomial", "RandomCategorical",
                          "StatelessMultinomial"})


def sampled_feedback(og: OpGraph, topo: Topology, chain: Chain) -> bool:
    """Each read reaches the next only through a sampled token (argmax, multinomial): the
    weight is an output layer whose prediction is fed back as the next input (greedy
    decoding), not a state of the recurrence."""
    if not any(og.op(n) in SAMPLING_OPS for n in topo.order):
        return False
    for a, b in pairwise(chain.uses):
        start, goal = topo.index[a], topo.index[b]
        seen, stack = {start}, [start]
        while stack:
            for s in topo.succs[stack.pop()]:
                if s not in seen and s <= goal and og.op(topo.order[s]) not in SAMPLING_OPS:
                    seen.add(s)
                    stack.append(s)
        if goal in seen:
            return False
    return True
