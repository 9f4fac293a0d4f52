"""Assemble the report page: one HTML string with inline CSS, script, SVGs and data."""

from __future__ import annotations

import json
from html import escape
from importlib import resources
from typing import Any

from rnninspect.model import Inspection
from rnninspect.probe.model import ProbeReport
from rnninspect.probe.trend import Trend
from rnninspect.render import labels as lb
from rnninspect.render import text as tx
from rnninspect.render.report.charts import grads_chart, sharing_strip
from rnninspect.render.report.diagrams import VIEWS, node_map, render_svg
from rnninspect.render.report.heatmap import activations_section, gate_links
from rnninspect.render.report.values import values_through_time
from rnninspect.render.visible import visible

SCHEMA = "rnninspect.report/1"
_CHANGE_TEXT = {
    "removed": "only in A",
    "added": "only in B",
    "reshaped": "reshaped",
    "newly_shared": "shared in B only",
    "newly_unshared": "shared in A only",
}


def asset(name: str) -> str:
    return resources.files("rnninspect.render.report").joinpath(name).read_text("utf-8")


def build_page(
    ins: Inspection,
    *,
    comparison: dict[str, Any] | None = None,
    against: Inspection | None = None,
    grads: dict[str, Any] | None = None,
    history: tuple[Trend, str] | None = None,
    probe: ProbeReport | None = None,
) -> str:
    d = ins.to_dict()
    index = {v.name: k for k, v in enumerate(ins.variables)}
    links = gate_links(probe) if probe is not None else {}
    diagrams = [render_svg(ins, view) for view in VIEWS]
    data = {
        "schema": SCHEMA,
        "inspection": d,
        "views": {dg.view: node_map(ins, dg) for dg in diagrams},
        "role_labels": {v.role.value: v.role.label for v in ins.variables},
        "comparison": comparison,
        "grads": grads,
        "probe_maps": links,
    }
    title = f"{ins.model} ({ins.dialect}) · rnninspect report"
    body = [
        _header(d),
        '<div class="layout"><main>',
        _variables(ins, comparison, side="a", links=links),
        _findings(ins, index),
        _compare(comparison, against) if comparison is not None and against is not None else "",
        _diagrams(diagrams),
        _section("sharing", "Sharing heat-strip",
                 '<p class="muted">One row per variable, one column per time step: a bar where '
                 "the step reads it. Click a row to select it.</p>"
                 f'<div class="scroll">{sharing_strip(ins, index)}</div>'),
    ]
    if grads is not None:
        body.append(_grads(grads, index))
    if history is not None:
        body.append(values_through_time(*history))
    if probe is not None:
        body.append(activations_section(probe, ins, index))
    body.append("</main>" + _aside() + "</div>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="color-scheme" content="light dark"><title>{escape(title)}</title>'
        f"<style>{asset('report.css')}</style></head><body>"
        + "".join(body)
        + f'<script type="application/json" id="report-data">{_json(data)}</script>'
        + f"<script>{asset('report.js')}</script></body></html>\n"
    )


def _json(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _section(sid: str, title: str, inner: str) -> str:
    return f'<section id="{sid}"><h2>{escape(title)}</h2>{inner}</section>'


def _header(d: dict[str, Any]) -> str:
    t = d.get("num_steps")
    facts = [
        ("dialect", d["dialect"]),
        ("T", "dynamic" if t is None else f"{t:,}"),
        ("layers", str(d["layers"])),
        ("unique params", tx.count_text(d["total_params"])),
        ("logical params", tx.count_text(d["logical_params"])),
        ("variables", str(len(d["variables"]))),
    ]
    copies = d.get("copies")
    if copies:
        facts.insert(1, ("copies", ", ".join(visible(str(c.get("name"))) for c in copies)))
    items = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in facts)
    return (
        f'<header><h1>{escape(visible(d["model"]))}</h1><dl class="facts">{items}</dl>'
        '<p class="keys muted"><kbd>/</kbd> filter · <kbd>Esc</kbd> clear · click a variable '
        "anywhere to highlight it everywhere</p></header>"
    )


def _marks(comparison: dict[str, Any] | None, side: str) -> dict[str, list[str]]:
    if comparison is None:
        return {}
    skip = "added" if side == "a" else "removed"
    out: dict[str, list[str]] = {}
    for c in comparison["changes"]:
        if c["kind"] != skip:
            out.setdefault(c["name"], []).append(c["kind"])
    return out


def _variables(ins: Inspection, comparison: dict[str, Any] | None, *, side: str,
               links: dict[str, dict[str, str]] | None = None) -> str:
    marks = _marks(comparison, side)
    links = links or {}
    rows = []
    for k, v in enumerate(ins.variables):
        fill, border = lb.ROLE_COLOURS[v.role]
        badges = "".join(
            f' <span class="chg chg-{m}">{escape(_CHANGE_TEXT.get(m, m))}</span>'
            for m in marks.get(v.name, [])
        )
        steps = "every iteration" if v.dynamic and not v.steps else tx.steps_text(v.steps)
        shared = "yes" if v.shared or v.also_cells else "no"
        layer = "" if v.layer is None else str(v.layer)
        rows.append(
            f'<tr data-var="{k}" data-params="{v.params}" data-layer="{layer or -1}" '
            f'data-role="{escape(v.role.value)}" tabindex="0" title="{escape(visible(v.name))}">'
            f'<td class="name">{escape(visible(v.name))}{badges}'
            f"{_gate_links(links.get(v.name))}</td>"
            f'<td><span class="swatch" style="background:{fill};border-color:{border}"></span>'
            f"{escape(v.role.label)}</td><td>{layer}</td>"
            f"<td>{escape(tx.shape_label(v.shape))}</td>"
            f'<td class="num">{tx.count_text(v.params)}</td>'
            f"<td>{escape(steps)}</td><td>{shared}</td></tr>"
        )
    head = "".join(
        f'<th data-sort="{key}" tabindex="0">{label}</th>' if key else f"<th>{label}</th>"
        for key, label in (("name", "name"), ("role", "role"), ("layer", "layer"),
                           ("", "shape"), ("params", "params"), ("", "steps"), ("", "shared"))
    )
    return _section(
        "variables", "Variables",
        '<div class="tools"><input id="filter" type="search" placeholder="filter by text ( / )" '
        'aria-label="filter variables"><span id="count" class="muted"></span></div>'
        f'<table id="vars"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>',
    )


def _gate_links(gates: dict[str, str] | None) -> str:
    """A kernel's gate blocks, each a link to its heat-map (report --probe)."""
    if not gates:
        return ""
    items = " ".join(f'<a href="#{target}" title="heat-map of gate {escape(gate)}">'
                     f"{escape(gate)}</a>" for gate, target in gates.items())
    return f' <span class="gate-links">heat-maps: {items}</span>'


def _findings(ins: Inspection, index: dict[str, int]) -> str:
    if not ins.findings:
        return _section("findings", "Findings", '<p class="muted">No findings.</p>')
    items = []
    for f in ins.findings:
        vars_ = [index[n] for n in f.variables if n in index]
        fix = f'<div class="fix">fix: {escape(visible(f.fix))}</div>' if f.fix else ""
        items.append(
            f'<li class="finding sev-{f.severity.value}" data-vars="{json.dumps(vars_)}" '
            f'tabindex="0"><span class="sev">{escape(f.severity.value)}</span> '
            f'<b>{escape(f.kind.value)}</b> · {escape(visible(f.message))}{fix}</li>'
        )
    return _section("findings", "Findings", f'<ul class="findings">{"".join(items)}</ul>')


def _diagrams(diagrams: list[Any]) -> str:
    parts = []
    for dg in diagrams:
        inner = (
            dg.svg
            if dg.svg
            else f'<p class="warn">Not drawn: {escape(dg.too_large)}.</p>' if dg.too_large
            else '<p class="warn">Graphviz\'s <code>dot</code> is missing, so this diagram is '
            "shown as DOT text (run scripts/ensure-dot.sh).</p>"
            f"<pre>{escape(dg.source)}</pre>"
        )
        parts.append(
            f'<div class="diagram-bar"><h3>{escape(dg.view)}</h3><button type="button" '
            f'class="zoom" aria-pressed="false">actual size</button></div>'
            f'<div class="diagram scroll fit" data-view="{dg.view}">'
            f"{inner}</div>"
        )
    return _section("diagrams", "Diagrams", "".join(parts))


def _grads(grads: dict[str, Any], index: dict[str, int]) -> str:
    charts = "".join(grads_chart(e, index.get(e["name"], -1)) for e in grads["variables"])
    note = (
        f'<p class="muted">‖∂loss/∂(read at step t)‖ per step, log scale; loss '
        f'{grads["loss"]:.4f} on one synthetic batch. The contributions add up to the '
        "weight's gradient.</p>"
    )
    if grads.get("dynamic"):
        note += (
            '<p class="warn">Read inside a while loop (no per-step split): '
            f'{escape(visible(", ".join(grads["dynamic"])))}</p>'
        )
    body = f'{note}<div class="grads">{charts}</div>'
    return _section("grads", "Per-step gradient contributions", body)


def _compare(cmp: dict[str, Any], against: Inspection) -> str:
    a, b = cmp["a"], cmp["b"]
    rows = "".join(
        f"<tr><th>{escape(k.replace('_', ' '))}</th><td>{escape(_fmt(a[k]))}</td>"
        f"<td>{escape(_fmt(b[k]))}</td></tr>"
        for k in ("model", "dialect", "num_steps", "layers", "total_params", "logical_params")
    )
    changes = "".join(
        f'<li class="change" data-name="{escape(visible(c["name"]))}">'
        f'<span class="chg chg-{c["kind"]}">{escape(_CHANGE_TEXT[c["kind"]])}</span> '
        f'{escape(visible(c["name"]))} {escape(_shape(c["shape_before"]))} → '
        f'{escape(_shape(c["shape_after"]))} ({c["params_delta"]:+,} params)</li>'
        for c in cmp["changes"]
    ) or '<li class="muted">No variable-level diff (not versions of one model).</li>'
    answer = "".join(f"<p>{escape(s)}</p>" for s in cmp["seed_answer"])
    b_rows = "".join(
        f'<tr title="{escape(visible(v.name))}"><td class="name">{escape(visible(v.name))}'
        + "".join(f' <span class="chg chg-{m}">{escape(_CHANGE_TEXT[m])}</span>'
                  for m in _marks(cmp, "b").get(v.name, []))
        + f"</td><td>{escape(v.role.label)}</td><td>{escape(tx.shape_label(v.shape))}</td>"
        f'<td class="num">{tx.count_text(v.params)}</td></tr>'
        for v in against.variables
    )
    return _section(
        "compare", "Compared with B",
        f'<table class="cmp"><tr><th></th><th>A: {escape(a["label"])}</th>'
        f'<th>B: {escape(b["label"])}</th></tr>{rows}</table>{answer}'
        f'<h3>Diff A → B ({len(cmp["changes"])} changes)</h3>'
        f'<ul class="changes scroll">{changes}</ul>'
        f'<h3>B\'s variables</h3><div class="scroll bvars-box"><table class="bvars">'
        f"<tbody>{b_rows}</tbody></table></div>",
    )


def _fmt(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _shape(shape: list[int | None] | None) -> str:
    return "—" if shape is None else tx.shape_label(shape)


def _aside() -> str:
    return (
        '<aside id="detail" aria-live="polite"><h2>Selection</h2>'
        '<div id="detail-body" class="muted">Click a variable in the table, a diagram, '
        "the heat-strip or a finding.</div></aside>"
    )
