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


Line = tuple[str, str, Sequence[float | None]]  # legend label, CSS class, one value per x


def line_chart(xs: Sequence[int], lines: Sequence[Line], *, caption: str,
               percent: bool = False, reference: float | None = None,
               marks: Sequence[int] = ()) -> str:
    """A small linear chart of a few series over training steps `xs` (probe snapshots):
    None breaks a line; `reference` is a dashed level (a growth factor of 1); `marks` are
    steps drawn as faint verticals (epoch ends). Points are dotted when few."""
    w, h, left, right, top, bottom = 300, 118, 44, 10, 8, 18
    known = [v for _, _, values in lines for v in values if v is not None]
    if not xs or not known:
        return f'<figure class="trend"><figcaption>{escape(caption)}</figcaption>' \
               '<p class="muted">no values</p></figure>'
    if percent:
        low, high = 0.0, 1.0
    else:
        span = [*known, *([reference] if reference is not None else [])]
        low = min(span) if reference is not None else min(0.0, *span)
        high = max(span)
        pad = (high - low) * 0.08 or abs(high) * 0.08 or 1.0
        low, high = (0.0 if low == 0.0 else low - pad), high + pad
    x0, x1 = xs[0], max(xs[-1], xs[0] + 1)

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (w - left - right) if len(xs) > 1 else \
            (left + w - right) / 2

    def py(y: float) -> float:
        return top + (high - y) / (high - low) * (h - top - bottom)

    def label(y: float) -> str:
        return f"{y:.0%}" if percent else f"{y:.3g}"

    grid = "".join(
        f'<line class="grid" x1="{left}" x2="{w - right}" y1="{py(y):.1f}" y2="{py(y):.1f}"/>'
        f'<text class="axis" x="{left - 4}" y="{py(y) + 3:.1f}" text-anchor="end">'
        f"{label(y)}</text>" for y in (low, (low + high) / 2, high))
    grid += "".join(f'<line class="epoch-end" x1="{px(m):.1f}" x2="{px(m):.1f}" y1="{top}" '
                    f'y2="{h - bottom}"/>' for m in marks if x0 <= m <= x1)
    if reference is not None:
        grid += (f'<line class="reference" x1="{left}" x2="{w - right}" '
                 f'y1="{py(reference):.1f}" y2="{py(reference):.1f}"/>')
    drawn = []
    stride = max(1, math.ceil(len(xs) / MAX_POINTS))
    for name, css, values in lines:
        points = [(x, v) for k, (x, v) in enumerate(zip(xs, values, strict=True))
                  if k % stride == 0 or k == len(xs) - 1]
        for run in _segments(points):
            drawn.append(f'<polyline class="tline {css}" points="'
                         + " ".join(f"{px(x):.1f},{py(v):.1f}" for x, v in run) + '"/>')
        if len(points) <= 30:
            drawn += [f'<circle class="tdot {css}" cx="{px(x):.1f}" cy="{py(v):.1f}" r="2">'
                      f"<title>{escape(name)} at step {x}: {label(v)}</title></circle>"
                      for x, v in points if v is not None]
    legend = "".join(f'<span class="key {css}"></span>{escape(name)} ' for name, css, _ in lines)
    return (
        f'<figure class="trend"><figcaption>{escape(caption)} <span class="legend">'
        f"{legend}</span></figcaption>"
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" role="img" aria-label="{escape(caption)} by training step">'
        f"{grid}{''.join(drawn)}"
        f'<text class="axis" x="{left}" y="{h - 4}">step {xs[0]}</text>'
        f'<text class="axis" x="{w - right}" y="{h - 4}" text-anchor="end">step {xs[-1]}</text>'
        "</svg></figure>"
    )


def _segments(points: list[tuple[int, float | None]]) -> list[list[tuple[int, float]]]:
    """Runs of known values (None breaks a line)."""
    out: list[list[tuple[int, float]]] = [[]]
    for x, v in points:
        if v is None:
            out.append([])
        else:
            out[-1].append((x, v))
    return [run for run in out if run]
