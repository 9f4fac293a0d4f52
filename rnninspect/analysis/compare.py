"""`compare A B`: two inspections side by side, a diff for two versions of one model, and the
seed answer (where each program's input→hidden weights are) when one of them projects its
input before the cell. Pure functions of two `Inspection`s; `render.compare` draws them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from rnninspect.model import Finding, FindingKind, Inspection, Placement, Role, VariableInfo
from rnninspect.shapes import shape_text

Shape = tuple[int | None, ...]


class ChangeKind(str, Enum):
    REMOVED = "removed"
    ADDED = "added"
    RESHAPED = "reshaped"
    NEWLY_SHARED = "newly_shared"
    NEWLY_UNSHARED = "newly_unshared"


@dataclass(frozen=True)
class RoleSummary:
    role: Role
    placement: Placement  # CELL for the weights inside the steps, else BEFORE/AFTER/NONE
    variables: tuple[str, ...]
    shapes: tuple[Shape, ...]
    params: int
    logical_params: int
    shared: int  # how many of the variables are shared (across steps or layers)


@dataclass(frozen=True)
class Side:
    label: str
    model: str
    dialect: str
    num_steps: int | None
    layers: int
    total_params: int
    logical_params: int
    roles: tuple[RoleSummary, ...]
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    name: str
    shape_before: Shape | None
    shape_after: Shape | None
    params_delta: int
    steps_before: int = 0  # steps that read it in A
    steps_after: int = 0
    where: str = ""  # where it sits: "input→hidden, before the cell", "… in layer 0"


@dataclass(frozen=True)
class Comparison:
    a: Side
    b: Side
    versions: bool  # same dialect and overlapping names: `changes` is a meaningful diff
    changes: tuple[Change, ...]
    seed_answer: tuple[str, ...]  # plain-language sentences, empty when it does not apply


PLACES = (Placement.BEFORE, Placement.CELL, Placement.AFTER, Placement.NONE)


def _side(ins: Inspection, label: str) -> Side:
    roles = []
    for role in Role:
        if role is Role.TRAINING_STATE:
            continue
        for place in PLACES:
            vs = [v for v in ins.by_role(role) if _place(v) is place]
            if vs:
                roles.append(RoleSummary(
                    role, place, tuple(v.name for v in vs), tuple(v.shape for v in vs),
                    sum(v.params for v in vs), sum(v.logical_params for v in vs),
                    sum(1 for v in vs if v.reused)))
    return Side(label, ins.model, ins.dialect, ins.num_steps, ins.layers, ins.total_params,
                ins.logical_params, tuple(roles), ins.findings)


def _place(v: VariableInfo) -> Placement:
    return Placement.CELL if v.cell is not None else v.placement


def _model_weights(ins: Inspection) -> list[VariableInfo]:
    """The variables a diff talks about: optimizer slots and counters are no model change."""
    return [v for v in ins.variables if v.role is not Role.TRAINING_STATE]


def looks_like_versions(a: Inspection, b: Inspection) -> bool:
    names_a = {v.name for v in _model_weights(a)}
    names_b = {v.name for v in _model_weights(b)}
    common = names_a & names_b
    return a.dialect == b.dialect and bool(common) and \
        3 * len(common) >= min(len(names_a), len(names_b))


def _where(ins: Inspection, v: VariableInfo) -> tuple[str, str, int, str]:
    """Where a weight sits in the structure: role, place, layer, direction."""
    direction = next((c.direction or "" for c in ins.cells if c.name == v.cell), "")
    return v.role.value, _place(v).value, -1 if v.layer is None else v.layer, direction


def pair_by_structure(
    a: Inspection, b: Inspection
) -> tuple[list[tuple[VariableInfo, VariableInfo]], list[VariableInfo], list[VariableInfo]]:
    """Match A's weights to B's by where they sit (role, before/in/after the cell, layer,
    direction), then by shape, then in dataflow order; a shared name only breaks ties.
    Returns (pairs, only in A, only in B). `tf.Variable` auto-names (Variable_3) shift
    when a weight is added, so names alone would pair the wrong weights."""
    groups: dict[tuple[str, str, int, str], tuple[list[VariableInfo], list[VariableInfo]]] = {}
    for v in _model_weights(a):
        groups.setdefault(_where(a, v), ([], []))[0].append(v)
    for v in _model_weights(b):
        groups.setdefault(_where(b, v), ([], []))[1].append(v)
    pairs: list[tuple[VariableInfo, VariableInfo]] = []
    only_a: list[VariableInfo] = []
    only_b: list[VariableInfo] = []
    for xs, ys in groups.values():
        left, right = list(xs), list(ys)
        for match in (lambda x, y: x.shape == y.shape and x.name == y.name,
                      lambda x, y: x.shape == y.shape,
                      lambda x, y: x.name == y.name,
                      lambda x, y: True):
            for x in list(left):
                y = next((y for y in right if match(x, y)), None)
                if y is not None:
                    pairs.append((x, y))
                    left.remove(x)
                    right.remove(y)
        only_a += left
        only_b += right
    return pairs, only_a, only_b


def describe_place(v: VariableInfo) -> str:
    """'input→hidden, before the cell', 'input+hidden (fused), in layer 0'."""
    place = _place(v)
    where = {Placement.BEFORE: "before the cell", Placement.AFTER: "after the cell",
             Placement.NONE: "outside any cell"}.get(place, f"in layer {v.layer}")
    return f"{v.role.label}, {where}"


def diff(a: Inspection, b: Inspection) -> tuple[Change, ...]:
    pairs, only_a, only_b = pair_by_structure(a, b)
    out = [Change(ChangeKind.REMOVED, v.name, v.shape, None, -v.params, len(v.steps),
                  where=describe_place(v)) for v in only_a]
    out += [Change(ChangeKind.ADDED, v.name, None, v.shape, v.params, 0, len(v.steps),
                   where=describe_place(v)) for v in only_b]
    for x, y in pairs:
        name = y.name if x.name == y.name else f"{x.name} → {y.name}"
        if x.shape != y.shape:
            out.append(Change(ChangeKind.RESHAPED, name, x.shape, y.shape, y.params - x.params,
                              len(x.steps), len(y.steps), describe_place(y)))
        if x.reused != y.reused:
            kind = ChangeKind.NEWLY_SHARED if y.reused else ChangeKind.NEWLY_UNSHARED
            out.append(Change(kind, name, x.shape, y.shape, 0, len(x.steps), len(y.steps),
                              describe_place(y)))
    order = list(ChangeKind)
    return tuple(sorted(out, key=lambda c: (order.index(c.kind), c.name)))


def compare(a: Inspection, b: Inspection) -> Comparison:
    label_a, label_b = f"{a.model} ({a.dialect})", f"{b.model} ({b.dialect})"
    if label_a == label_b:
        label_a, label_b = f"A: {label_a}", f"B: {label_b}"
    versions = looks_like_versions(a, b)
    return Comparison(_side(a, label_a), _side(b, label_b), versions,
                      diff(a, b) if versions else (), seed_answer(a, b))


# --- the seed answer ------------------------------------------------------------------------


def _projections(ins: Inspection) -> list[VariableInfo]:
    return [v for v in ins.by_role(Role.INPUT_TO_HIDDEN) if v.placement is Placement.BEFORE]


def _cell_input(ins: Inspection) -> tuple[VariableInfo, str] | None:
    """The first layer's input→hidden weights inside the cell, and how to name them."""
    first = sorted((c for c in ins.cells if c.layer == 0), key=lambda c: c.name)
    for v in ins.variables:
        if not first or v.cell != first[0].name:
            continue
        if v.role is Role.INPUT_HIDDEN_FUSED and v.row_split is not None:
            a, b = v.row_split.input
            return v, f"rows {a}–{b - 1} of the fused kernel {v.name} {shape_text(v.shape)}"
        if v.role is Role.INPUT_TO_HIDDEN:
            return v, f"the cell's input kernel {v.name} {shape_text(v.shape)}"
    return None


def seed_answer(a: Inspection, b: Inspection) -> tuple[str, ...]:
    """Where each program's input→hidden weights are, when exactly one projects before the
    cell and the other feeds the cell from an embedding or directly."""
    if _projections(b) and not _projections(a) and _cell_input(a):
        direct, projected = a, b
    elif _projections(a) and not _projections(b) and _cell_input(b):
        direct, projected = b, a
    else:
        return ()
    cell_in = _cell_input(direct)
    assert cell_in is not None
    lines = []
    embeddings = direct.by_role(Role.EMBEDDING)
    if embeddings:
        e = embeddings[0]
        lines.append(
            f"{direct.model} ({direct.dialect}): its input→hidden weights are {e.name} "
            f"{shape_text(e.shape)}, gathered by integer ids (a linear map of the one-hot input), "
            f"then {cell_in[1]}, inside the cell at every step. No other matrix is needed.")
    else:
        lines.append(f"{direct.model} ({direct.dialect}): x_t enters the cell directly; its "
                     f"input→hidden weights are {cell_in[1]}, applied at every step.")
    p = _projections(projected)[0]
    into = _cell_input(projected)
    where = f", then {into[1]} multiply its output inside the cell at every step" if into else ""
    lines.append(
        f"{projected.model} ({projected.dialect}): {p.name} {shape_text(p.shape)} multiplies the "
        f"input once, outside and before the cell{where} — two input→hidden matrices in a row.")
    lines.append(_what_it_adds(projected, p))
    return tuple(lines)


def _what_it_adds(ins: Inspection, p: VariableInfo) -> str:
    found = [f for f in ins.findings if f.kind is FindingKind.REDUNDANT_PROJECTION
             and f.variables and f.variables[0] == p.name]
    if not found:
        return (f"What {p.name} adds: the analysis found no linear composition with the cell "
                f"(something nonlinear sits between), so it is a nonlinear input layer of "
                f"{p.params:,} parameters.")
    f = found[0]
    kernel = ins.variable(f.variables[1]) if len(f.variables) > 1 else None
    cols = kernel.shape[1] if kernel is not None and len(kernel.shape) == 2 else None
    n_in, n_out = p.shape[0], p.shape[1]
    if cols is None or n_in is None or n_out is None:
        return f"What {p.name} adds: {f.params:,} parameters; {f.message}."
    direct = n_in * cols
    share = 100 * f.params / ins.total_params if ins.total_params else 0.0
    return (
        f"What {p.name} adds: no nonlinearity sits between it and the cell, so it composes "
        f"with those input rows into one [{n_in}, {cols}] matrix of rank ≤ {min(n_in, n_out)}: "
        f"{direct + f.params:,} parameters where {direct:,} express the same functions — "
        f"{f.params:,} extra parameters ({share:.0f}% of the model's {ins.total_params:,}), "
        "and no extra expressive power.")
