"""benchmarks/train_throughput.py: its workers still run against the trainer's code (a moved
function broke them once, silently), and `--record` keeps one row per CPU kind."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "train_throughput.py"


def bench_module():
    spec = importlib.util.spec_from_file_location("train_throughput", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_trainer_worker_measures_a_rate() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), KERAS_BACKEND="tensorflow")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--worker", "ours", "small", "--steps", "1",
         "--warmup", "1", "--repeats", "1"],
        capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    rates = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(rates) == 1 and rates[0] > 0


def test_record_replaces_only_the_same_cpu_kind(tmp_path: Path) -> None:
    bench = bench_module()
    path = tmp_path / "benchmarks.json"
    path.write_text(json.dumps({"show_speed": [], "train_throughput": [
        {"cpu": "A", "backend": "tensorflow", "precision": "fp32", "config": "small",
         "ours": 1},
        {"cpu": "B", "backend": "tensorflow", "precision": "fp32", "config": "small",
         "ours": 2}]}))
    meta = {"cpu": "A", "cpus": 2, "backend": "tensorflow", "precision": "fp32",
            "date": "2026-12-07", "windows": "1×3×10 steps", "load": [0.1, 0.2]}
    bench.record(path, meta, {"small": {"ours": [10.0, 30.0, 20.0], "torch": "failed"}})
    rows = json.loads(path.read_text())["train_throughput"]
    assert [(r["cpu"], r["ours"]) for r in rows] == [("B", 2), ("A", 20)]
    assert rows[1]["torch"] is None
    assert json.loads(path.read_text())["show_speed"] == []  # the rest of the file is kept


def test_the_recorded_rows_are_on_the_benchmarks_page() -> None:
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gen
    spec.loader.exec_module(gen)
    data = json.loads((ROOT / "docs" / "benchmarks.json").read_text(encoding="utf-8"))
    table = gen.train_table(ROOT)
    for row in data.get("train_throughput", []):
        assert row["cpu"] in table
    assert table in (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("isa", ["avx2"])
def test_an_isa_cap_names_every_kernel_library(isa: str) -> None:
    caps = bench_module().ISA_CAPS[isa]
    assert set(caps) == {"ONEDNN_MAX_CPU_ISA", "MKL_ENABLE_INSTRUCTIONS", "ATEN_CPU_CAPABILITY"}
