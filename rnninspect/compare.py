"""`compare A B`: two inspections side by side, a diff for two versions of one model, and the
seed answer (where each program's input→hidden weights are) when one of them projects its
input before the cell. Pure functions of two `Inspection`s; renderers at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from rnninspect.model import Finding, FindingKind, Inspection, Placement, Role, VariableInfo

SCHEMA = "rnninspect.comparison/1"
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


@dataclass(frozen=True)
class Comparison:
    a: Side
    b: Side
    versions: bool  # same dialect and overlapping names: `changes` is a meaningful diff
    changes: tuple[Change, ...]
    seed_answer: tuple[str, ...]  # plain-language sentences, empty when it does not apply


_PLACES = (Placement.BEFORE, Placement.CELL, Placement.AFTER, Placement.NONE)


def _side(ins: Inspection, label: str) -> Side:
    roles = []
    for role in Role:
        for place in _PLACES:
            vs = [v for v in ins.by_role(role) if _place(v) is place]
            if vs:
                roles.append(RoleSummary(
                    role, place, tuple(v.name for v in vs), tuple(v.shape for v in vs),
                    sum(v.params for v in vs), sum(v.logical_params for v in vs),
                    sum(1 for v in vs if v.shared or v.also_cells)))
    return Side(label, ins.model, ins.dialect, ins.num_steps, ins.layers, ins.total_params,
                ins.logical_params, tuple(roles), ins.findings)


def _place(v: VariableInfo) -> Placement:
    return Placement.CELL if v.cell is not None else v.placement


def looks_like_versions(a: Inspection, b: Inspection) -> bool:
    names_a, names_b = {v.name for v in a.variables}, {v.name for v in b.variables}
    common = names_a & names_b
    return a.dialect == b.dialect and bool(common) and \
        3 * len(common) >= min(len(names_a), len(names_b))


def diff(a: Inspection, b: Inspection) -> tuple[Change, ...]:
    va, vb = {v.name: v for v in a.variables}, {v.name: v for v in b.variables}
    out = [Change(ChangeKind.REMOVED, n, va[n].shape, None, -va[n].params, len(va[n].steps))
           for n in sorted(va.keys() - vb.keys())]
    out += [Change(ChangeKind.ADDED, n, None, vb[n].shape, vb[n].params, 0, len(vb[n].steps))
            for n in sorted(vb.keys() - va.keys())]
    for n in sorted(va.keys() & vb.keys()):
        x, y = va[n], vb[n]
        if x.shape != y.shape:
            out.append(Change(ChangeKind.RESHAPED, n, x.shape, y.shape, y.params - x.params,
                              len(x.steps), len(y.steps)))
        shared_x, shared_y = x.shared or bool(x.also_cells), y.shared or bool(y.also_cells)
        if shared_x != shared_y:
            kind = ChangeKind.NEWLY_SHARED if shared_y else ChangeKind.NEWLY_UNSHARED
            out.append(Change(kind, n, x.shape, y.shape, 0, len(x.steps), len(y.steps)))
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


def _shape(shape: Shape) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


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
            return v, f"rows {a}–{b - 1} of the fused kernel {v.name} {_shape(v.shape)}"
        if v.role is Role.INPUT_TO_HIDDEN:
            return v, f"the cell's input kernel {v.name} {_shape(v.shape)}"
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
            f"{_shape(e.shape)}, gathered by integer ids (a linear map of the one-hot input), "
            f"then {cell_in[1]}, inside the cell at every step. No other matrix is needed.")
    else:
        lines.append(f"{direct.model} ({direct.dialect}): x_t enters the cell directly; its "
                     f"input→hidden weights are {cell_in[1]}, applied at every step.")
    p = _projections(projected)[0]
    into = _cell_input(projected)
    where = f", then {into[1]} multiply its output inside the cell at every step" if into else ""
    lines.append(
        f"{projected.model} ({projected.dialect}): {p.name} {_shape(p.shape)} multiplies the "
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


# --- rendering ------------------------------------------------------------------------------


def _role_cell(r: RoleSummary | None) -> Text:
    if r is None:
        return Text("—", style="dim")
    counts: dict[Shape, int] = {}
    for s in r.shapes:
        counts[s] = counts.get(s, 0) + 1
    shapes = " + ".join(f"{n} × {_shape(s)}" for s, n in counts.items())
    shared = f" · {r.shared}/{len(r.variables)} shared" if r.placement is Placement.CELL else ""
    logical = f" ({r.logical_params:,} logical)" if r.logical_params != r.params else ""
    return Text(f"{shapes}\n{r.params:,} params{logical}{shared}")


def _findings_cell(findings: Sequence[Finding]) -> Text:
    if not findings:
        return Text("none", style="dim")
    return Text("\n".join(f"{f.severity.value}: {f.kind.value} ({f.params:,} params)"
                          for f in findings))


def _totals(s: Side) -> list[tuple[str, str]]:
    return [("steps (T)", "dynamic" if s.num_steps is None else str(s.num_steps)),
            ("layers", str(s.layers)), ("unique params", f"{s.total_params:,}"),
            ("logical params", f"{s.logical_params:,}")]


def comparison_renderable(cmp: Comparison) -> RenderableType:
    table = Table(box=box.SIMPLE_HEAD, title="Side by side", title_justify="left")
    table.add_column("", style="bold", no_wrap=True)
    table.add_column(Text(cmp.a.label), overflow="fold")
    table.add_column(Text(cmp.b.label), overflow="fold")
    for (key, a), (_, b) in zip(_totals(cmp.a), _totals(cmp.b), strict=True):
        table.add_row(key, a, b)
    keys = [(r.role, r.placement) for r in (*cmp.a.roles, *cmp.b.roles)]
    for role, place in sorted(set(keys), key=lambda k: (list(Role).index(k[0]),
                                                        _PLACES.index(k[1]))):
        def pick(side: Side, role: Role = role, place: Placement = place) -> RoleSummary | None:
            return next((r for r in side.roles if (r.role, r.placement) == (role, place)), None)
        table.add_row(f"{role.label} ({place.value})", _role_cell(pick(cmp.a)),
                      _role_cell(pick(cmp.b)))
    table.add_row("findings", _findings_cell(cmp.a.findings), _findings_cell(cmp.b.findings))
    parts: list[RenderableType] = [table]
    if cmp.versions:
        parts.append(changes_table(cmp))
    else:
        parts.append(Text("Not two versions of one model (different dialects or no common "
                          "variable names): no variable-by-variable diff.", style="dim"))
    if cmp.seed_answer:
        parts.append(Panel(Group(*(Text("• " + s) for s in cmp.seed_answer)),
                           title="Where the input→hidden weights are", title_align="left"))
    return Group(*parts)


def changes_table(cmp: Comparison) -> RenderableType:
    if not cmp.changes:
        return Text("Diff: no variable added, removed, reshaped or (un)shared.")
    table = Table(box=box.SIMPLE_HEAD, title=f"Diff {cmp.a.label} → {cmp.b.label}",
                  title_justify="left")
    for name, justify in (("change", "left"), ("variable", "left"), ("before", "left"),
                          ("after", "left"), ("Δ params", "right")):
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for c in cmp.changes:
        before = "" if c.shape_before is None else f"{_shape(c.shape_before)} {c.steps_before} st."
        after = "" if c.shape_after is None else f"{_shape(c.shape_after)} {c.steps_after} st."
        table.add_row(c.kind.value.replace("_", " "), Text(c.name), before, after,
                      f"{c.params_delta:+,}" if c.params_delta else "")
    delta = cmp.b.total_params - cmp.a.total_params
    table.caption = f"unique parameters {cmp.a.total_params:,} → {cmp.b.total_params:,} " \
                    f"({delta:+,}); st. = steps reading it"
    return table


def _side_dict(s: Side) -> dict[str, Any]:
    return {
        "label": s.label, "model": s.model, "dialect": s.dialect, "num_steps": s.num_steps,
        "layers": s.layers, "total_params": s.total_params, "logical_params": s.logical_params,
        "roles": [{"role": r.role.value, "placement": r.placement.value,
                   "variables": list(r.variables), "shapes": [list(x) for x in r.shapes],
                   "params": r.params, "logical_params": r.logical_params, "shared": r.shared}
                  for r in s.roles],
        "findings": [{"kind": f.kind.value, "severity": f.severity.value, "params": f.params,
                      "message": f.message, "variables": list(f.variables)}
                     for f in s.findings],
    }


def comparison_to_dict(cmp: Comparison) -> dict[str, Any]:
    return {
        "schema": SCHEMA, "a": _side_dict(cmp.a), "b": _side_dict(cmp.b),
        "versions": cmp.versions,
        "changes": [{"kind": c.kind.value, "name": c.name,
                     "shape_before": None if c.shape_before is None else list(c.shape_before),
                     "shape_after": None if c.shape_after is None else list(c.shape_after),
                     "params_delta": c.params_delta, "steps_before": c.steps_before,
                     "steps_after": c.steps_after} for c in cmp.changes],
        "seed_answer": list(cmp.seed_answer),
    }
