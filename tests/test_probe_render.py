"""The probe's pure parts, without TensorFlow: strips, findings rules, the JSON document."""

from __future__ import annotations

import json
import math

from rnninspect.probe.document import probe_to_dict
from rnninspect.probe.findings import with_findings
from rnninspect.probe.model import CellProbe, GateStep, ProbeReport, StepValues
from rnninspect.render.probe import probe_renderable, strip
from tests.helpers import make_console


def cell(h_norms: list[float], forget: list[float], growth: float | None) -> CellProbe:
    steps = tuple(StepValues(t, (GateStep("f", "sigmoid", 0.5, 0.0, share),), h, None)
                  for t, (h, share) in enumerate(zip(h_norms, forget, strict=True)))
    return CellProbe("cell0", 0, "LSTM", 4, ("f",), steps, (), ("k",), growth, None)


def report(c: CellProbe) -> ProbeReport:
    return with_findings(ProbeReport("m", "keras", "rnninspect.inspection/1", len(c.steps), 2,
                                     (c,), None))


def test_strip_marks_zero_full_and_nonfinite() -> None:
    assert strip([0.0, 1.0, math.nan, None]) == "·█! "
    assert strip([0.5] * 50).count("…10…") == 1


def test_a_decaying_state_vanishes_and_a_late_saturation_is_dated() -> None:
    found = report(cell([1.0, 0.1, 0.01, 0.001, 0.0001, 1e-5],
                        [0.0, 0.0, 0.95, 0.97, 0.99, 1.0], 0.1))
    kinds = {(f.kind.value, f.step) for f in found.findings}
    assert kinds == {("vanishing_state", 5), ("saturated_gate", 2)}


def test_a_saturation_for_less_than_half_the_steps_is_no_finding() -> None:
    found = report(cell([1.0] * 6, [0.0, 0.0, 0.0, 0.0, 0.95, 1.0], 1.0))
    assert found.findings == ()


def test_a_fast_growth_is_a_trend_only_over_four_steps_or_more() -> None:
    """T = 4 (two steps in the second half) is the transient from the zero state; T = 8 is a
    trend. Small states: only the growth factor can make them explode."""
    short = report(cell([0.01 * 2.0**t for t in range(4)], [0.0] * 4, 2.0))
    assert short.findings == ()
    long = report(cell([0.01 * 2.0**t for t in range(8)], [0.0] * 8, 2.0))
    assert [(f.kind.value, f.step) for f in long.findings] == [("exploding_state", 7)]


def test_json_has_no_nan_and_names_its_inspection() -> None:
    r = report(cell([1.0, math.nan, 1.0], [0.0, 0.0, 0.0], None))
    doc = probe_to_dict(r)
    text = json.dumps(doc, allow_nan=False)
    assert json.loads(text)["cells"][0]["steps"][1]["h_norm"] is None
    assert doc["schema"] == "rnninspect.probe/1"
    assert doc["inspection"] == {"model": "m", "schema": "rnninspect.inspection/1"}


def test_the_view_names_layer_gate_and_findings() -> None:
    console, buffer = make_console(100)
    console.print(probe_renderable(report(cell([1.0] * 4, [1.0] * 4, 1.0))))
    out = buffer.getvalue()
    assert "layer 0 · cell0 (LSTM, 4 units)" in out
    assert "f forget gate (sigmoid)" in out and "████" in out
    assert "saturated_gate" in out and "fix:" in out
