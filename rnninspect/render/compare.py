"""`compare A B` drawn: the side-by-side table, the diff, the seed answer; and its JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from rnninspect.analysis.compare import PLACES, Comparison, RoleSummary, Shape, Side
from rnninspect.model import Finding, Placement, Role
from rnninspect.render.serialize import finding_to_dict
from rnninspect.render.text import shape_text
from rnninspect.render.visible import shown, shown_line

SCHEMA = "rnninspect.comparison/1"



def _role_cell(r: RoleSummary | None) -> Text:
    if r is None:
        return Text("—", style="dim")
    counts: dict[Shape, int] = {}
    for s in r.shapes:
        counts[s] = counts.get(s, 0) + 1
    shapes = " + ".join(f"{n} × {shape_text(s)}" for s, n in counts.items())
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
    table.add_column(Text(shown(cmp.a.label)), overflow="fold")
    table.add_column(Text(shown(cmp.b.label)), overflow="fold")
    for (key, a), (_, b) in zip(_totals(cmp.a), _totals(cmp.b), strict=True):
        table.add_row(key, a, b)
    keys = [(r.role, r.placement) for r in (*cmp.a.roles, *cmp.b.roles)]
    for role, place in sorted(set(keys), key=lambda k: (list(Role).index(k[0]),
                                                        PLACES.index(k[1]))):
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
        parts.append(Panel(Group(*(Text("• " + shown_line(s)) for s in cmp.seed_answer)),
                           title="Where the input→hidden weights are", title_align="left"))
    return Group(*parts)


def changes_table(cmp: Comparison) -> RenderableType:
    if not cmp.changes:
        return Text("Diff: no variable added, removed, reshaped or (un)shared.")
    table = Table(box=box.SIMPLE_HEAD, title=f"Diff {shown(cmp.a.label)} → {shown(cmp.b.label)}",
                  title_justify="left")
    for name, justify in (("change", "left"), ("variable", "left"), ("before", "left"),
                          ("after", "left"), ("Δ params", "right")):
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for c in cmp.changes:
        before = "" if c.shape_before is None else \
            f"{shape_text(c.shape_before)} {c.steps_before} st."
        after = "" if c.shape_after is None else f"{shape_text(c.shape_after)} {c.steps_after} st."
        variable = Text(shown(c.name))
        if c.where:
            variable.append(f"\n{shown_line(c.where)}", style="dim")
        table.add_row(c.kind.value.replace("_", " "), variable, before, after,
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
        "findings": [finding_to_dict(f) for f in s.findings],
    }


def comparison_to_dict(cmp: Comparison) -> dict[str, Any]:
    return {
        "schema": SCHEMA, "a": _side_dict(cmp.a), "b": _side_dict(cmp.b),
        "versions": cmp.versions,
        "changes": [{"kind": c.kind.value, "name": c.name,
                     "shape_before": None if c.shape_before is None else list(c.shape_before),
                     "shape_after": None if c.shape_after is None else list(c.shape_after),
                     "params_delta": c.params_delta, "steps_before": c.steps_before,
                     "steps_after": c.steps_after, "where": c.where} for c in cmp.changes],
        "seed_answer": list(cmp.seed_answer),
    }
