"""Inline SVG pictures for the report, built in Python from plain data: the sharing
heat-strip (variables × time steps) and the per-step gradient charts (log scale).

Sizes do not grow with T: a strip row is one rectangle per run of consecutive steps, and a
gradient line keeps at most `MAX_POINTS` points (first and last steps always kept)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

from rnninspect.model import Inspection, VariableInfo
from rnninspect.render import labels as lb
from rnninspect.render.sharing import groups, steps_of, summary_text
from rnninspect.render.visible import visible

STRIP_W = 440  # px for all steps
ROW_H = 16
NAME_W = 250  # px for the names
MAX_POINTS = 400


def runs(steps: Sequence[int]) -> list[tuple[int, int]]:
    """(0, 1, 2, 5) -> [(0, 3), (5, 6)]: half-open runs of consecutive steps."""
    out: list[tuple[int, int]] = []
    for s in steps:
        if out and out[-1][1] == s:
            out[-1] = (out[-1][0], s + 1)
        else:
            out.append((s, s + 1))
    return out


def sharing_strip(ins: Inspection, index: dict[str, int]) -> str:
    """The heat-strip as an SVG: one row per variable, grouped by cell; a filled run where
    a step reads the variable. Each row carries data-var (the variable's index)."""
    total = steps_of(ins)
    parts: list[str] = []
    y = 0
    for title, members in groups(ins):
        parts.append(
            f'<text class="strip-group" x="0" y="{y + 12}">{escape(visible(title))}</text>')
        y += ROW_H + 2
        for v in members:
            parts.append(_strip_row(v, index[v.name], y, total))
            y += ROW_H
        y += 4
    axis = _axis(total, y)
    height = y + 18
    width = NAME_W + STRIP_W + 110
    return (
        f'<svg class="strip" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="sharing matrix: variables by time steps">{"".join(parts)}{axis}</svg>'
    )


def _strip_row(v: VariableInfo, idx: int, y: int, total: int) -> str:
    scope, base = lb.split_name(v.name)
    fill, border = lb.ROLE_COLOURS[v.role]
    cells: list[str] = [
        f'<rect class="strip-bg" x="{NAME_W}" y="{y + 2}" width="{STRIP_W}" height="{ROW_H - 4}"/>'
    ]
    if total and (v.steps or v.dynamic):
        steps = v.steps if v.steps else range(total)
        scale = STRIP_W / total
        for a, b in runs(list(steps)):
            w = max(1.0, (b - a) * scale)
            cells.append(
                f'<rect class="strip-on" x="{NAME_W + a * scale:.1f}" y="{y + 2}" '
                f'width="{w:.1f}" height="{ROW_H - 4}" fill="{border}"/>'
            )
    return (
        f'<g class="strip-row" data-var="{idx}"><title>{escape(visible(v.name))} · '
        f"{escape(v.role.label)} · {escape(summary_text(v, total))}</title>"
        f'<rect class="strip-hit" x="0" y="{y}" width="{NAME_W + STRIP_W + 110}" '
        f'height="{ROW_H}"/>'
        f'<rect x="2" y="{y + 3}" width="10" height="10" fill="{fill}" stroke="{border}"/>'
        f'<text x="16" y="{y + 12}">{escape(visible(_elide(base, scope)))}</text>'
        f"{''.join(cells)}"
        f'<text class="strip-sum" x="{NAME_W + 6 + STRIP_W}" y="{y + 12}">'
        f"{escape(summary_text(v, total))}</text></g>"
    )


def _elide(base: str, scope: str, width: int = 33) -> str:
    text = f"{scope}{base}"
    return text if len(text) <= width else "…" + text[-(width - 1):]


def _axis(total: int, y: int) -> str:
    if not total:
        return f'<text class="strip-axis" x="{NAME_W}" y="{y + 12}">no unrolled steps</text>'
    ticks = sorted({0, total // 2, total - 1})
    scale = STRIP_W / total
    return "".join(
        f'<text class="strip-axis" x="{NAME_W + (t + 0.5) * scale:.1f}" y="{y + 12}" '
        f'text-anchor="middle">t={t}</text>'
        for t in ticks
    )


def grads_chart(entry: dict[str, Any], idx: int) -> str:
    """One weight's per-step contributions ‖∂loss/∂read_t‖ as a log-scale line."""
    steps: list[int] = entry["steps"]
    norms: list[float] = entry["norms"]
    pts = [(s, n) for s, n in zip(steps, norms, strict=True) if n > 0 and math.isfinite(n)]
    w, h, left, bottom = 520, 120, 56, 18
    if not pts:
        return f'<p class="muted">{escape(visible(entry["name"]))}: every step contributes 0</p>'
    if len(pts) > MAX_POINTS:
        stride = math.ceil(len(pts) / MAX_POINTS)
        pts = pts[::stride] + ([pts[-1]] if (len(pts) - 1) % stride else [])
    lo = math.floor(math.log10(min(n for _, n in pts)))
    hi = math.ceil(math.log10(max(n for _, n in pts)))
    hi = hi if hi > lo else lo + 1
    s0, s1 = steps[0], max(steps[-1], steps[0] + 1)

    def xy(s: int, n: float) -> str:
        x = left + (s - s0) / (s1 - s0) * (w - left - 8)
        return f"{x:.1f},{ey(math.log10(n)):.1f}"

    def ey(e: float) -> float:
        return 6 + (hi - e) / (hi - lo) * (h - bottom - 6)

    grid = "".join(
        f'<line class="grid" x1="{left}" x2="{w - 8}" y1="{ey(e):.1f}" y2="{ey(e):.1f}"/>'
        f'<text class="axis" x="{left - 4}" y="{ey(e) + 4:.1f}" text-anchor="end">1e{e}</text>'
        for e in range(lo, hi + 1)
    )
    line = " ".join(xy(s, n) for s, n in pts)
    return (
        f'<figure class="grad" data-var="{idx}"><figcaption>{escape(visible(entry["name"]))} · '
        f'last/first {entry["ratio_last_first"]:.3g}</figcaption>'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" role="img" aria-label="per-step gradient norm, log scale">'
        f"{grid}<polyline class=\"gline\" points=\"{line}\"/>"
        f'<text class="axis" x="{left}" y="{h - 4}">t={s0}</text>'
        f'<text class="axis" x="{w - 8}" y="{h - 4}" text-anchor="end">t={steps[-1]}</text>'
        f"</svg></figure>"
    )
