"""A run's probe snapshots read back: the trend (pure), `probe RUN --history` in the terminal
(80 and 160 columns) and as JSON, and `report RUN`'s "Values through time" section; a
broken snapshot or a directory without any is one line, exit 2."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.helpers import make_console, run_cli


def snapshot(step: int, epoch: int, shares: list[tuple[float, float]], h: float,
             layers: int = 2) -> dict[str, Any]:
    """A snapshot document: gate f of every layer has the (low, high) share of `shares`
    at each step, gate i none."""
    def gates(low: float, high: float) -> list[dict[str, Any]]:
        return [{"gate": "i", "activation": "sigmoid", "mean": 0.5, "low": 0.0, "high": 0.0},
                {"gate": "f", "activation": "sigmoid", "mean": 0.9, "low": low, "high": high}]

    cells = [{"cell": f"cell{k}", "layer": k, "kind": "LSTM", "units": 4,
              "gate_order": ["i", "f"], "kernels": [], "dead_units": [], "h_growth": 1.5,
              "c_growth": None,
              "steps": [{"step": t, "h_norm": h * (t + 1), "c_norm": None,
                         "gates": gates(low, high)} for t, (low, high) in enumerate(shares)]}
             for k in range(layers)]
    return {"schema": "rnninspect.probe/1", "model": "m", "cells": cells, "step": step,
            "epoch": epoch, "end_of_epoch": False, "findings": []}


def test_the_trend_averages_each_gates_shares_over_the_steps() -> None:
    from rnninspect.probe.trend import trend

    found = trend([snapshot(10, 1, [(0.2, 0.0), (0.4, 0.5)], 1.0),
                   snapshot(20, 2, [(0.0, 1.0), (0.0, 0.6)], 2.0, layers=1)])
    assert found.steps == (10, 20) and found.epochs == (1, 2)
    assert [layer.layer for layer in found.layers] == [0, 1]
    forget = found.layers[0].gates[1]
    assert forget.gate == "f"
    assert forget.low == pytest.approx((0.3, 0.0)) and forget.high == pytest.approx((0.25, 0.8))
    assert found.layers[0].h_last == pytest.approx((2.0, 4.0))  # the last step's ‖h‖
    assert found.layers[1].h_last == (2.0, None)  # the second snapshot has no layer 1
    assert found.layers[0].c_last == (None, None)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("history")
    rng = np.random.default_rng(0)
    for name, n in (("train", 2000), ("valid", 300), ("test", 300)):
        words = np.cumsum(rng.choice([1, 1, 1, 2], n)) % 30
        (where / f"ptb.{name}.txt").write_text(" ".join(f"w{w}" for w in words) + "\n")
    code, _, err = run_cli(["train", "ptb", "--config", "small", "--hidden", "16",
                            "--num-steps", "5", "--batch", "4", "--max-steps", "10",
                            "--epochs", "2", "--device", "cpu", "--log-every", "1000",
                            "--data", str(where), "--checkpoint", str(where / "run"),
                            "--probe-every", "4"])
    assert code == 0, err
    return where / "run"


@pytest.mark.parametrize("width", [80, 160])
def test_history_in_the_terminal(run: Path, width: int) -> None:
    from rnninspect.cli import main

    console, buffer = make_console(width)
    errors, said = make_console(width)
    assert main(["probe", str(run), "--history"], console=console, err_console=errors) == 0, \
        said.getvalue()
    out = buffer.getvalue()
    assert max(len(line) for line in out.splitlines()) <= width
    steps = [4, 8, 10, 12, 16, 20]  # every 4 steps of 20, and the epoch ends 10, 20
    for layer in ("layer 0 · cell0 (LSTM, 16 units)", "layer 1 · cell1 (LSTM, 16 units)"):
        assert layer in out
    rows = [line.split() for line in out.splitlines() if re.match(r"\s+\d+\s+\d·?\s", line)]
    assert [int(r[0]) for r in rows] == steps * 2
    assert [r[1] for r in rows[:6]] == ["1", "1", "1·", "2", "2", "2·"]


def test_history_as_json_equals_the_snapshots(run: Path) -> None:
    code, out, err = run_cli(["probe", str(run), "--history", "--format", "json"])
    assert code == 0, err
    history = json.loads(out)
    assert history["schema"] == "rnninspect.probe-history/1"
    last = json.loads(sorted((run / "probe").glob("*.json"))[-1].read_text())
    assert history["steps"][-1] == last["step"] == 20
    layer = history["layers"][1]
    assert layer["h_last"][-1] == pytest.approx(last["cells"][1]["steps"][-1]["h_norm"])
    i_high = [g["high"] for s in last["cells"][1]["steps"] for g in s["gates"] if g["gate"] == "i"]
    assert layer["gates"][0]["high"][-1] == pytest.approx(sum(i_high) / len(i_high))


def test_report_of_the_run_charts_the_snapshots(run: Path, tmp_path: Path) -> None:
    code, _, err = run_cli(["report", str(run), "-o", str(tmp_path / "run.html")])
    assert code == 0, err
    page = (tmp_path / "run.html").read_text()
    section = re.search(r'<section id="values">.*?</section>', page, re.S)
    assert section is not None
    # per layer: one chart per gate (i, f, c, o), the state norms and their growth
    assert section.group(0).count('<figure class="trend">') == 2 * (4 + 2)
    assert "6 probe snapshots" in section.group(0)
    assert 'class="epoch-end"' in section.group(0)
    assert "http" not in section.group(0).replace('xmlns="http://www.w3.org/2000/svg"', "")
    # a run without snapshots has no such section
    (tmp_path / "bare").mkdir()
    for name in ("model.keras", "checkpoint.npz"):
        (tmp_path / "bare" / name).write_bytes((run / name).read_bytes())
    code, _, err = run_cli(["report", str(tmp_path / "bare"), "-o", str(tmp_path / "b.html")])
    assert code == 0, err
    assert 'id="values"' not in (tmp_path / "b.html").read_text()


def test_bad_histories_are_one_line(run: Path, tmp_path: Path) -> None:
    def one_line(argv: list[str]) -> str:
        code, out, err = run_cli(argv)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
        return err

    assert "holds no probe snapshots" in one_line(["probe", str(tmp_path), "--history"])
    assert "is not a directory" in one_line(["probe", "ptb", "--history"])
    assert "--data does not apply" in one_line(["probe", str(run), "--history", "--data", "x"])
    broken = tmp_path / "broken"
    (broken / "probe").mkdir(parents=True)
    (broken / "probe" / "step-000001.json").write_text("{")
    assert "not a probe snapshot" in one_line(["probe", str(broken), "--history"])
    (broken / "probe" / "step-000001.json").write_text('{"schema": "other"}')
    assert "not a probe snapshot" in one_line(["probe", str(broken), "--history"])
