"""The report's probe sections: "Values through time" (a run's snapshots, `probe.trend`)
as small linear charts, per layer: each gate's left/right-saturated shares, ‖h‖ and ‖c‖ at
the last step, and their growth per step, over training steps."""

from __future__ import annotations

from html import escape

from rnninspect.probe.findings import gate_label
from rnninspect.probe.trend import LayerTrend, Trend
from rnninspect.render.report.charts import line_chart
from rnninspect.render.visible import visible


def values_through_time(found: Trend, source: str) -> str:
    ends = [s for s, end in zip(found.steps, found.end_of_epoch, strict=True) if end]
    epochs = max(found.epochs, default=0)
    intro = (
        f'<p class="muted">{len(found.steps)} probe snapshots in {escape(visible(source))} '
        f"(<code>train --probe-every</code>, <code>ProbeCallback</code>), steps "
        f"{found.steps[0]}–{found.steps[-1]} over {epochs} epoch{'s' if epochs != 1 else ''}, "
        "each on the same fixed batch. Saturation: the share of a gate's values below 0.1 "
        "(left) and above 0.9 (right; tanh: below −0.9 and above 0.9), averaged over the "
        "batch's time steps. Dotted verticals: epoch ends.</p>")
    layers = "".join(_layer(layer, found, ends) for layer in found.layers)
    flagged = [(s, kinds) for s, kinds in zip(found.steps, found.findings, strict=True) if kinds]
    said = "".join(f"<li>step {s}: {escape(', '.join(dict.fromkeys(kinds)))}</li>"
                   for s, kinds in flagged)
    findings = (f'<h3>Findings by snapshot</h3><ul class="muted">{said}</ul>' if flagged else
                '<p class="muted">No snapshot has a finding.</p>')
    return (f'<section id="values"><h2>Values through time</h2>{intro}{layers}{findings}'
            "</section>")


def _layer(layer: LayerTrend, found: Trend, ends: list[int]) -> str:
    units = f", {layer.units} units" if layer.units else ""
    charts = [
        line_chart(found.steps, [("< lo", "tl-low", g.low), ("> hi", "tl-high", g.high)],
                   caption=f"{g.gate} {gate_label(layer.kind, g.gate)} ({g.activation})",
                   percent=True, marks=ends)
        for g in layer.gates]
    states = [("‖h_T‖", "tl-h", layer.h_last)]
    growth = [("h", "tl-h", layer.h_growth)]
    if any(v is not None for v in layer.c_last):
        states.append(("‖c_T‖", "tl-c", layer.c_last))
        growth.append(("c", "tl-c", layer.c_growth))
    charts.append(line_chart(found.steps, states, caption="state norms at the last step",
                             marks=ends))
    charts.append(line_chart(found.steps, growth, caption="growth of ‖state‖ per step",
                             reference=1.0, marks=ends))
    return (f"<h3>layer {layer.layer} · {escape(visible(layer.cell))} "
            f"({escape(layer.kind)}{units})</h3><div class=\"trends\">{''.join(charts)}</div>")
