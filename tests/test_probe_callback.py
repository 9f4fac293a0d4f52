"""`rnninspect.keras.ProbeCallback` on a user's own Keras LSTM: one snapshot per epoch (or
per `every_epoch` epochs) in the run directory, equal to `probe`'s graph figures for the
trained weights; importing the module starts no framework; bad arguments are one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rnninspect.errors import InvalidOptionError

STEPS, INPUTS, BATCH, SAMPLES = 6, 3, 8, 32


def test_importing_it_starts_no_framework() -> None:
    code = ("import sys, rnninspect.keras\n"
            "print(sorted(m for m in ('keras', 'tensorflow', 'jax', 'torch') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def small_lstm(keras: Any) -> Any:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((STEPS, INPUTS)),
                              keras.layers.LSTM(5, return_sequences=True),
                              keras.layers.LSTM(4), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    return model


def test_one_snapshot_per_epoch_equal_to_the_graph_probe(tmp_path: Path) -> None:
    import keras

    from rnninspect.keras import ProbeCallback
    from rnninspect.probe.run import probe_model

    rng = np.random.default_rng(0)
    x = rng.standard_normal((SAMPLES, STEPS, INPUTS)).astype(np.float32)
    y = rng.standard_normal((SAMPLES, 2)).astype(np.float32)
    model = small_lstm(keras)
    every = ProbeCallback(tmp_path / "run", inputs=x[:BATCH])
    second = ProbeCallback(tmp_path / "every2", inputs=[x[:BATCH]], every_epoch=2, name="mine")
    model.fit(x, y, batch_size=BATCH, epochs=3, verbose=0, callbacks=[every, second])
    found = [json.loads(p.read_text()) for p in sorted((tmp_path / "run/probe").glob("*.json"))]
    per_epoch = SAMPLES // BATCH
    assert [(d["step"], d["epoch"], d["end_of_epoch"]) for d in found] == [
        (per_epoch, 1, True), (2 * per_epoch, 2, True), (3 * per_epoch, 3, True)]
    assert [p.name for p in every.written] == [f"step-{s:06d}.json" for s in (4, 8, 12)]
    assert found[0]["cells"] != found[-1]["cells"]  # fit moved the weights
    # the last one is of the weights fit left, on that batch
    want = probe_model(model, [x[:BATCH]])
    for got, cell in zip(found[-1]["cells"], want.cells, strict=True):
        assert (got["layer"], got["gate_order"], got["kernels"]) == (
            cell.layer, list(cell.gate_order), list(cell.kernels))
        for step, values in zip(got["steps"], cell.steps, strict=True):
            assert step["h_norm"] == pytest.approx(values.h_norm, abs=1e-5)
            assert step["c_norm"] == pytest.approx(values.c_norm, abs=1e-5)
            for gate, g in zip(step["gates"], values.gates, strict=True):
                assert (gate["gate"], gate["mean"], gate["low"], gate["high"]) == (
                    g.gate, pytest.approx(g.mean, abs=1e-5), pytest.approx(g.low, abs=1e-5),
                    pytest.approx(g.high, abs=1e-5))
    again = [json.loads(p.read_text()) for p in sorted((tmp_path / "every2/probe").glob("*"))]
    assert [(d["epoch"], d["model"]) for d in again] == [(2, "mine")]


@pytest.mark.parametrize("options, said", [
    ({"every_epoch": 0}, "every_epoch=…) must be a whole number ≥ 1; got 0"),
    ({"every_epoch": -2}, "got -2"), ({"every_epoch": 1.5}, "got 1.5"),
    ({"every_epoch": True}, "got True"),
    ({"inputs": np.zeros(4)}, "got (4,)"), ({"inputs": []}, "got none")])
def test_bad_arguments_are_one_line(tmp_path: Path, options: dict[str, Any], said: str) -> None:
    from rnninspect.keras import ProbeCallback

    arguments = {"inputs": np.zeros((2, STEPS, INPUTS), np.float32), **options}
    with pytest.raises(InvalidOptionError) as e:
        ProbeCallback(tmp_path, **arguments)
    assert said in str(e.value) and "\n" not in str(e.value)
    (tmp_path / "file").write_text("")
    with pytest.raises(InvalidOptionError, match="a file, not a directory"):
        ProbeCallback(tmp_path / "file", inputs=np.zeros((2, STEPS, INPUTS)))
