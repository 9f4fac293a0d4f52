"""Probe snapshots of a live Keras model (`probe.snapshot`: the weights copied to numpy, Keras's
cell equations) equal `probe`'s TensorFlow-graph figures to 1e-5; `train --probe-every N`
writes them into the run directory on TensorFlow and on JAX (which never imports
TensorFlow), and refuses a bad N in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.helpers import run_cli

STEPS, INPUTS = 6, 4
TRAIN = ["train", "ptb", "--config", "small", "--hidden", "16", "--num-steps", "5",
         "--batch", "4", "--max-steps", "15", "--epochs", "2", "--device", "cpu",
         "--log-every", "1000"]


def same_figures(a: Any, b: Any) -> None:
    """Two ProbeReports' cells (or their JSON forms) agree to 1e-5, gate by gate."""
    def plain(x: Any) -> Any:
        return x if isinstance(x, dict) else {
            "cell": x.cell, "layer": x.layer, "gate_order": list(x.gate_order),
            "kernels": list(x.kernels),
            "steps": [{"h_norm": s.h_norm, "c_norm": s.c_norm,
                       "gates": [vars(g) for g in s.gates]} for s in x.steps]}

    for ca, cb in zip(map(plain, a), map(plain, b), strict=True):
        assert (ca["cell"], ca["layer"], ca["gate_order"], ca["kernels"]) == \
            (cb["cell"], cb["layer"], cb["gate_order"], cb["kernels"])
        assert len(ca["steps"]) == len(cb["steps"]) > 0
        for sa, sb in zip(ca["steps"], cb["steps"], strict=True):
            assert [g["gate"] for g in sa["gates"]] == [g["gate"] for g in sb["gates"]]
            for ga, gb in zip(sa["gates"], sb["gates"], strict=True):
                assert (ga["mean"], ga["low"], ga["high"]) == pytest.approx(
                    (gb["mean"], gb["low"], gb["high"]), abs=1e-5)
            assert sa["h_norm"] == pytest.approx(sb["h_norm"], abs=1e-5)
            assert (sa["c_norm"] is None) == (sb["c_norm"] is None)
            if sa["c_norm"] is not None:
                assert sa["c_norm"] == pytest.approx(sb["c_norm"], abs=1e-5)


def keras_model(keras: Any, layer: str, **options: Any) -> Any:
    rng = np.random.default_rng(3)
    make = getattr(keras.layers, layer)
    model = keras.Sequential([keras.Input((STEPS, INPUTS)),
                              make(5, return_sequences=True, **options), make(3, **options),
                              keras.layers.Dense(2)])
    for rnn in model.layers[:2]:  # weights large enough to saturate some gates
        rnn.set_weights([rng.uniform(-1.5, 1.5, w.shape).astype(np.float32)
                         for w in rnn.get_weights()])
    return model


# (a GRU with reset_after=False and a hard-sigmoid LSTM were once read wrong by the graph
# probe: it now computes Keras cells as the snapshots do, tests/test_probe_forms.py)
CASES = [("LSTM", {}), ("GRU", {}), ("GRU", {"reset_after": False}), ("SimpleRNN", {}),
         ("LSTM", {"go_backwards": True}), ("LSTM", {"recurrent_activation": "hard_sigmoid"})]
IDS = ["lstm", "gru", "gru-reset-before", "simple-rnn", "backwards", "hard-sigmoid"]


@pytest.mark.parametrize("layer, options", CASES, ids=IDS)
def test_the_numpy_snapshot_equals_the_graph_probe(layer: str, options: dict[str, Any]) -> None:
    from rnninspect.probe.run import probe_model
    from rnninspect.probe.snapshot import snapshot
    from rnninspect.tf.imports import import_keras_for_tracing

    keras = import_keras_for_tracing()
    keras.backend.clear_session()
    model = keras_model(keras, layer, **options)
    x = np.random.default_rng(4).standard_normal((3, STEPS, INPUTS)).astype(np.float32) * 2
    got = snapshot(model, [x])
    assert any(0 < g.high < 1 or 0 < g.low < 1 for c in got.cells for s in c.steps
               for g in s.gates), "the weights should saturate some values"
    # the layer's own output sequence is each step's h
    first = keras.Model(model.inputs, model.layers[0].output)(x).numpy().astype(np.float64)
    norms = np.linalg.norm(first, axis=2).mean(axis=0)
    assert [s.h_norm for s in got.cells[0].steps] == pytest.approx(list(norms), abs=1e-5)
    want = probe_model(model, [x])
    same_figures(got.cells, want.cells)
    assert got.findings == want.findings


@pytest.mark.parametrize("name", ["ptb", "mnist", "ptb-tiedlayers"])
def test_the_built_in_models_python_loops_of_cells(name: str) -> None:
    """Bare cells called once per step: each call's own inputs and states. The tied variant
    (one cell object for both layers) is two chains, so two layers: its last h are the
    states the model returns."""
    from rnninspect import zoo
    from rnninspect.probe.run import probe_model
    from rnninspect.probe.snapshot import snapshot
    from rnninspect.tf.imports import import_keras_for_tracing

    keras = import_keras_for_tracing()
    keras.backend.clear_session()
    entry = zoo.get(name)
    config = entry.config(None, {"hidden": 8, "num_steps": 4, "batch": 3,
                                 **({"vocab": 30} if name != "mnist" else {})})
    model = entry.build(config, "keras")
    rng = np.random.default_rng(5)
    x = (rng.integers(0, 30, (3, 4)).astype(np.int32) if name != "mnist"
         else rng.standard_normal((3, 4, 28)).astype(np.float32))
    model(x)
    for v in model.trainable_variables:
        v.assign(rng.uniform(-0.9, 0.9, v.shape).astype(np.float32))
    got = snapshot(model, [x], call=lambda xs: entry.logits(model, xs))
    assert len(got.cells) == (1 if name == "mnist" else 2)
    if name == "ptb-tiedlayers":
        _, states = model(x)
        last = [float(np.linalg.norm(np.asarray(h, np.float64), axis=1).mean())
                for h, _ in states]
        assert [c.steps[-1].h_norm for c in got.cells] == pytest.approx(last, abs=1e-5)
        assert last[0] != pytest.approx(last[1], abs=1e-3)
    same_figures(got.cells, probe_model(model, [x]).cells)


def test_a_non_finite_weight_and_a_model_without_recurrence() -> None:
    from rnninspect.errors import InvalidOptionError
    from rnninspect.probe.snapshot import snapshot
    from rnninspect.tf.imports import import_keras_for_tracing

    keras = import_keras_for_tracing()
    keras.backend.clear_session()
    model = keras_model(keras, "LSTM")
    kernel = model.layers[1].cell.recurrent_kernel
    kernel.assign(np.where(np.eye(3, 12) > 0, np.nan, kernel.numpy()))
    x = np.ones((2, STEPS, INPUTS), np.float32)
    report = snapshot(model, [x])
    assert report.nonfinite is not None
    assert (report.nonfinite.step, report.nonfinite.layer, report.nonfinite.op_type,
            report.nonfinite.weight) == (0, 1, "weight", kernel.path)
    assert [f.kind.value for f in report.findings] == ["nonfinite"]
    dense = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(InvalidOptionError, match="no Keras LSTM, GRU or SimpleRNN"):
        snapshot(dense, [np.ones((2, 3), np.float32)])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("ptb")
    rng = np.random.default_rng(0)
    for name, n in (("train", 2000), ("valid", 300), ("test", 300)):
        words = np.cumsum(rng.choice([1, 1, 1, 2], n)) % 30
        (where / f"ptb.{name}.txt").write_text(" ".join(f"w{w}" for w in words) + "\n")
    return where


def snapshots(run: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((run / "probe").glob("step-*.json"))]


def probe_of_run(run: Path, corpus: Path) -> dict[str, Any]:
    code, out, err = run_cli(["probe", str(run), "--data", str(corpus), "--format", "json"])
    assert code == 0, err
    document: dict[str, Any] = json.loads(out)
    return document


def test_train_probe_every_writes_snapshots_the_graph_probe_agrees_with(
        tmp_path: Path, corpus: Path) -> None:
    run = tmp_path / "run"
    code, _, err = run_cli([*TRAIN, "--data", str(corpus), "--checkpoint", str(run),
                            "--probe-every", "10"])
    assert code == 0, err
    found = snapshots(run)
    # every 10 steps of the run's 30 and at each epoch end (15, 30)
    assert [(d["step"], d["epoch"], d["end_of_epoch"]) for d in found] == [
        (10, 1, False), (15, 1, True), (20, 2, False), (30, 2, True)]
    assert {d["schema"] for d in found} == {"rnninspect.probe/1"}
    assert found[0]["cells"] != found[-1]["cells"]  # the weights moved
    assert not list((run / "probe").glob(".*"))  # no temporary file left
    # the last snapshot is of the weights the run saved, on the first validation batch
    same_figures(found[-1]["cells"], probe_of_run(run, corpus)["cells"])


JAX_SCRIPT = """
import json, sys
import rnninspect.probe.history as history
from rnninspect.cli import main

record, seen = history.record, []


def watched(*args, **kwargs):
    path = record(*args, **kwargs)
    seen.append("tensorflow" in sys.modules)
    return path


history.record = watched
code = main(sys.argv[1:])
print(json.dumps({"code": code, "tensorflow": seen}))
"""


def test_probe_every_on_jax_imports_no_tensorflow(tmp_path: Path, corpus: Path) -> None:
    """(Saving model.keras at an epoch end imports TensorFlow where it is installed — Keras's
    own serializer — so only the snapshots before the first epoch end are telling.)"""
    pytest.importorskip("jax")
    run = tmp_path / "run"
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", PYTHONPATH=str(Path.cwd()))
    done = subprocess.run(
        [sys.executable, "-c", JAX_SCRIPT, *TRAIN, "--data", str(corpus), "--checkpoint",
         str(run), "--probe-every", "5"], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert said["code"] == 0 and said["tensorflow"][:2] == [False, False], said
    found = snapshots(run)
    assert [d["step"] for d in found] == [5, 10, 15, 20, 25, 30]
    assert "jax backend" in found[-1]["notes"][-1]
    same_figures(found[-1]["cells"], probe_of_run(run, corpus)["cells"])


@pytest.mark.parametrize("value, said", [
    ("0", "--probe-every must be ≥ 1; got 0"), ("-3", "--probe-every must be ≥ 1; got -3"),
    ("1.5", "invalid int value: '1.5'"), ("x", "invalid int value: 'x'")])
def test_a_bad_probe_every_is_one_line(tmp_path: Path, value: str, said: str) -> None:
    code, out, err = run_cli([*TRAIN, "--checkpoint", str(tmp_path / "run"),
                              "--probe-every", value])
    assert code == 2 and out == "" and said in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "run" / "probe").exists()


def test_probe_every_needs_a_run_directory() -> None:
    code, out, err = run_cli([*TRAIN, "--probe-every", "5"])
    assert code == 2 and out == "" and "add --checkpoint DIR" in err
    assert len(err.strip().splitlines()) == 1
