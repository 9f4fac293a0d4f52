"""`report MODEL --probe`: one heat-map (step × unit, inline PNG) per gate and layer, whose
pixels are the gate's mean over the batch; each kernel's gate blocks link to them; more than
128 steps or units are binned and the page says so; a model with no recurrence is one line."""

from __future__ import annotations

import base64
import json
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.helpers import run_cli

SMALL = {"dialect": "keras", "hidden": 8, "vocab": 50, "num_steps": 6}


def pixels(src: str) -> Any:
    """The RGB array [height, width, 3] of a data:image/png;base64 URI (8-bit RGB, no
    filters: as the report writes it)."""
    data = base64.b64decode(src.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat = data[data.index(b"IDAT") + 4:data.index(b"IEND") - 8]
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, 1 + 3 * width)
    assert not raw[:, 0].any()  # filter type 0 on every row
    return raw[:, 1:].reshape(height, width, 3)


@pytest.fixture(scope="module")
def page() -> tuple[str, Any, Any]:
    from rnninspect import inspect
    from rnninspect.probe.run import probe
    from rnninspect.render.report import report_html
    from rnninspect.sources import LoadOptions

    ins = inspect("ptb", **SMALL)
    report = probe("ptb", LoadOptions(dialect="keras", hidden=8, vocab=50, num_steps=6))
    return report_html(ins, probe=report), ins, report


def test_one_heat_map_per_gate_and_layer_of_the_batch_mean(page: tuple[str, Any, Any]) -> None:
    from rnninspect.render.report.heatmap import colour, scale

    html, _, report = page
    figures = re.findall(r'<figure class="heatmap" id="([^"]+)".*?src="([^"]+)"', html, re.S)
    assert [f[0] for f in figures] == [f"map-cell{k}-{g}" for k in (0, 1) for g in "ifco"]
    for (_, src), gate_map in zip(figures, [m for c in report.cells for m in c.maps],
                                  strict=True):
        image = pixels(src)
        assert image.shape == (8, 6, 3)  # units down, steps across
        low, high, anchors = scale(gate_map.activation, [])
        for step in (0, 5):
            for unit in (0, 7):
                want = colour(gate_map.values[step][unit], low, high, anchors)
                assert tuple(image[unit, step]) == want
    assert "Downsampled" not in html


def test_the_kernels_gate_blocks_link_to_their_heat_maps(page: tuple[str, Any, Any]) -> None:
    html, ins, report = page
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', html, re.S).group(1))
    kernels = [k for c in report.cells for k in c.kernels]
    assert kernels and set(data["probe_maps"]) == set(kernels)
    for name in kernels:
        gates = [g.gate for g in ins.variable(name).gates]
        assert list(data["probe_maps"][name]) == gates
        row = re.search(rf'<td class="name">{re.escape(name)}.*?</td>', html, re.S).group(0)
        targets = re.findall(r'href="#([^"]+)"', row)
        assert targets == list(data["probe_maps"][name].values())
        assert all(f'id="{t}"' in html for t in targets)


def test_without_probe_nothing_changes() -> None:
    from rnninspect import inspect
    from rnninspect.render.report import report_html

    html = report_html(inspect("ptb", **SMALL))
    assert 'id="activations"' not in html and "heat-maps:" not in html
    assert '"probe_maps":{}' in html


def test_more_than_128_steps_or_units_are_binned() -> None:
    from rnninspect.probe.stats import CellArrays, cell_probe

    rng = np.random.default_rng(0)
    steps, units = 300, 5
    values = [rng.random((2, units)) for _ in range(steps)]
    cell = cell_probe(CellArrays(
        cell="cell0", layer=0, kind="RNN", units=units, gate_order=("h",), kernels=(),
        gates=tuple({"h": ("tanh", v)} for v in values), h=tuple(values),
        c=(None,) * steps))
    (found,) = cell.maps
    assert len(found.step_bins) == 128 and found.step_bins[-1] == (298, 300)
    assert found.unit_bins == tuple((u, u + 1) for u in range(units))
    a, b = found.step_bins[10]
    want = np.mean([values[t][:, 3].mean() for t in range(a, b)])
    assert found.values[10][3] == pytest.approx(want)


def test_report_probe_through_the_cli(tmp_path: Path) -> None:
    code, _, err = run_cli(["report", "ptb", "--dialect", "keras", "--hidden", "200",
                            "--vocab", "50", "--num-steps", "3", "--probe",
                            "-o", str(tmp_path / "p.html")])
    assert code == 0, err
    html = (tmp_path / "p.html").read_text()
    assert "200 units shown as 128 rows, each the mean of 1–2 adjacent units" in html
    srcs = re.findall(r'<figure class="heatmap".*?src="([^"]+)"', html, re.S)
    assert len(srcs) == 8 and pixels(srcs[0]).shape == (128, 3, 3)
    (tmp_path / "dense.py").write_text(
        "import keras\n\ndef build():\n"
        "    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n")
    code, out, err = run_cli(["report", f"{tmp_path / 'dense.py'}:build", "--probe",
                              "-o", str(tmp_path / "d.html")])
    assert code == 2 and out == "" and "no recurrence" in err, err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "d.html").exists()
