"""`report --probe`: heat-maps of one probe batch's gate activations (step × unit, per gate,
per layer), each an inline PNG (one pixel per step and unit, at most 128 × 128: the probe
bins beyond that), linked from the kernels' gate blocks.

A PNG keeps the page small where SVG rectangles would not (128 × 128 cells are 16,384
rectangles); it is written here with zlib (no imaging library). Colours: a sigmoid gate on a
sequential scale from 0 to 1, a tanh (or any zero-centred) gate on a diverging scale from −1
to 1, anything else (relu) from its minimum to its maximum; non-finite values grey.
"""

from __future__ import annotations

import base64
import math
import re
import struct
import zlib
from collections.abc import Sequence
from html import escape

from rnninspect.model import Inspection
from rnninspect.probe.findings import gate_label
from rnninspect.probe.model import CellProbe, GateMap, ProbeReport
from rnninspect.render.visible import visible

Colour = tuple[int, int, int]
SEQUENTIAL = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))
DIVERGING = ((33, 102, 172), (247, 247, 247), (178, 24, 43))
NONFINITE: Colour = (128, 128, 128)
SIGMOIDS = ("sigmoid", "hard_sigmoid")
ZERO_CENTRED = ("tanh", "softsign")


def png(rows: Sequence[Sequence[Colour]]) -> bytes:
    """An 8-bit RGB PNG of `rows` (top to bottom)."""
    height, width = len(rows), len(rows[0])
    raw = b"".join(b"\x00" + bytes(c for pixel in row for c in pixel) for row in rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def scale(activation: str, values: Sequence[float]) -> tuple[float, float, tuple[Colour, ...]]:
    """(low, high, colour anchors) for a gate computed by `activation`."""
    if activation in SIGMOIDS:
        return 0.0, 1.0, SEQUENTIAL
    if activation in ZERO_CENTRED:
        return -1.0, 1.0, DIVERGING
    finite = [v for v in values if math.isfinite(v)] or [0.0]
    return min(finite), max(max(finite), min(finite) + 1e-9), SEQUENTIAL


def colour(value: float, low: float, high: float, anchors: Sequence[Colour]) -> Colour:
    if not math.isfinite(value):
        return NONFINITE
    x = min(max((value - low) / (high - low), 0.0), 1.0) * (len(anchors) - 1)
    k = min(int(x), len(anchors) - 2)
    a, b, f = anchors[k], anchors[k + 1], x - k
    return (round(a[0] + (b[0] - a[0]) * f), round(a[1] + (b[1] - a[1]) * f),
            round(a[2] + (b[2] - a[2]) * f))


def anchor(cell: str, gate: str) -> str:
    """The page id of a cell's gate heat-map (model text reduced to safe characters)."""
    return "map-" + re.sub(r"[^A-Za-z0-9_-]", "_", f"{cell}-{gate}")


def gate_links(report: ProbeReport) -> dict[str, dict[str, str]]:
    """kernel variable name -> gate -> the id of its heat-map."""
    links: dict[str, dict[str, str]] = {}
    for cell in report.cells:
        for kernel in cell.kernels:
            links[kernel] = {m.gate: anchor(cell.cell, m.gate) for m in cell.maps}
    return links


def activations_section(report: ProbeReport, ins: Inspection, index: dict[str, int]) -> str:
    binned = _binned_note(report)
    intro = (
        '<p class="muted">Each gate\'s activation at each time step (→) and unit (↓), the mean '
        f"over the probe batch's {report.batch or '?'} rows; the gate links of a kernel (in "
        "the variables table and in the selection's matrix picture) lead here.</p>"
        f'<p class="muted">Batch and weights: {escape(visible("; ".join(report.notes[:2])))}.'
        "</p>")
    if binned:
        intro += f'<p class="warn">{escape(binned)}</p>'
    layers = "".join(_cell(c, ins, index) for c in report.cells if c.maps)
    findings = "".join(f"<li>{escape(f.kind.value)}: {escape(visible(f.message))}</li>"
                       for f in report.findings)
    said = (f'<h3>Probe findings</h3><ul class="muted">{findings}</ul>' if findings else
            '<p class="muted">The probe found no saturated gate, exploding or vanishing state, '
            "dead unit or non-finite value.</p>")
    return (f'<section id="activations"><h2>Activations of one probe batch</h2>{intro}'
            f"{layers}{said}</section>")


def _binned_note(report: ProbeReport) -> str:
    notes = []
    for cell in report.cells:
        for m in cell.maps[:1]:
            steps, units = m.step_bins[-1][1], m.unit_bins[-1][1]
            if len(m.unit_bins) < units:
                notes.append(f"layer {cell.layer}: {units} units shown as {len(m.unit_bins)} "
                             f"rows, each the mean of {_sizes(m.unit_bins)} adjacent units")
            if len(m.step_bins) < steps:
                notes.append(f"layer {cell.layer}: {steps} steps shown as {len(m.step_bins)} "
                             f"columns, each the mean of {_sizes(m.step_bins)} adjacent steps")
    return "Downsampled: " + "; ".join(notes) + "." if notes else ""


def _sizes(bins: Sequence[tuple[int, int]]) -> str:
    sizes = sorted({b - a for a, b in bins})
    return str(sizes[0]) if len(sizes) == 1 else f"{sizes[0]}–{sizes[-1]}"


def _cell(cell: CellProbe, ins: Inspection, index: dict[str, int]) -> str:
    units = f", {cell.units} units" if cell.units else ""
    figures = "".join(_figure(cell, m, ins, index) for m in cell.maps)
    return (f"<h3>layer {cell.layer} · {escape(visible(cell.cell))} ({escape(cell.kind)}"
            f"{units})</h3><div class=\"heatmaps\">{figures}</div>")


def _figure(cell: CellProbe, m: GateMap, ins: Inspection, index: dict[str, int]) -> str:
    flat = [v for row in m.values for v in row]
    low, high, anchors = scale(m.activation, flat)
    # rows of the picture are units, columns steps
    rows = [[colour(m.values[s][u], low, high, anchors) for s in range(len(m.step_bins))]
            for u in range(len(m.unit_bins))]
    data = base64.b64encode(png(rows)).decode("ascii")
    kernel = cell.kernels[0] if cell.kernels else ""
    columns = _columns(ins, kernel, m.gate)
    steps, units = m.step_bins[-1][1], m.unit_bins[-1][1]
    gradient = ",".join(f"rgb{c}" for c in anchors)
    nonfinite = sum(1 for v in flat if not math.isfinite(v))
    warn = (f'<div class="warn">{nonfinite} non-finite cells (grey)</div>' if nonfinite else "")
    return (
        f'<figure class="heatmap" id="{anchor(cell.cell, m.gate)}" '
        f'data-var="{index.get(kernel, -1)}"><figcaption><b>{escape(m.gate)}</b> '
        f"{escape(gate_label(cell.kind, m.gate))} ({escape(m.activation)})"
        f"{escape(columns)}</figcaption>"
        f'<img alt="heat-map of gate {escape(m.gate)} of layer {cell.layer}: steps across, units '
        f'down" width="280" height="170" src="data:image/png;base64,{data}">'
        f'<div class="hm-axes"><span>step 0 → {steps - 1}</span><span>units 0–{units - 1} ↓'
        f'</span></div><div class="hm-scale"><span>{low:.3g}</span><span class="hm-bar" '
        f'style="background:linear-gradient(90deg,{gradient})"></span><span>{high:.3g}</span>'
        f"</div>{warn}</figure>")


def _columns(ins: Inspection, kernel: str, gate: str) -> str:
    """' · columns a–b of KERNEL' where the Inspection knows the gate's block."""
    found = next((v for v in ins.variables if v.name == kernel), None)
    block = next((g for g in ((found.gates or ()) if found else ()) if g.gate == gate), None)
    if found is None or block is None:
        return ""
    return f" · columns {block.columns[0]}–{block.columns[1] - 1} of {visible(kernel)}"
