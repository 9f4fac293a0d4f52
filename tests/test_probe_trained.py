"""`probe` on a run of `rnninspect train`: the run directory (or `--checkpoint`) gives the
trained weights, and the gate statistics equal a numpy recurrence on exactly those weights;
a checkpoint of another model, ids beyond the vocabulary and data of the wrong dtype are one
line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.helpers import SMALL, run_cli
from tests.probe_numpy import sigmoid, stats

BATCH = 3
TINY = ["--hidden", "16", "--num-steps", "5", "--batch", "4", "--max-steps", "30"]
# the small config of the paper (200 units, T = 20) for a few hundred steps on the built-in
# synthetic corpus (V = 1000): about a minute on 2 cores
REAL = ["--max-steps", "300"]


def tiny_corpus(where: Path) -> Path:
    """PTB-format files over 30 words: word k is mostly followed by word k + 1."""
    rng = np.random.default_rng(0)
    for name, n in (("train", 3000), ("valid", 300), ("test", 300)):
        words = np.cumsum(rng.choice([1, 1, 1, 2], n)) % 30
        (where / f"ptb.{name}.txt").write_text(" ".join(f"w{w}" for w in words) + "\n")
    return where


def train(where: Path, sizes: list[str]) -> Path:
    run = where / "run"
    data = ["--data", str(tiny_corpus(where))] if sizes is TINY else []
    code, _, err = run_cli(["train", "ptb", "--config", "small", *sizes, *data, "--epochs", "1",
                            "--device", "cpu", "--checkpoint", str(run), "--log-every", "1000"])
    assert code == 0, err
    return run


def probe_json(*argv: str) -> dict[str, Any]:
    code, out, err = run_cli(["probe", *argv, "--format", "json"])
    assert code == 0, err
    document: dict[str, Any] = json.loads(out)
    return document


def keras_ptb(arrays: list[Any], ids: Any, layers: int) -> list[list[dict[str, Any]]]:
    """PTBModel's forward pass (Keras LSTMCell: i, f, c, o) on the saved arrays, which come
    in the model's variable order: embedding, per layer kernel / recurrent / bias (and the
    cell's dropout seed state, an integer pair), softmax."""
    arrays = [a for a in arrays if a.dtype.kind == "f"]
    embedding = arrays[0].astype(np.float64)
    x = embedding[ids]
    found = []
    for k in range(layers):
        kernel, recurrent, bias = (a.astype(np.float64) for a in arrays[1 + 3 * k:4 + 3 * k])
        units = recurrent.shape[0]
        assert kernel.shape == (x.shape[-1], 4 * units) and bias.shape == (4 * units,)
        h = np.zeros((ids.shape[0], units))
        c = np.zeros_like(h)
        steps, outs = [], []
        for t in range(ids.shape[1]):
            i, f, g, o = np.split(x[:, t] @ kernel + h @ recurrent + bias, 4, axis=1)
            gates = {"i": sigmoid(i), "f": sigmoid(f), "c": np.tanh(g), "o": sigmoid(o)}
            c = gates["f"] * c + gates["i"] * gates["c"]
            h = gates["o"] * np.tanh(c)
            steps.append({"gates": gates, "h": h, "c": c})
            outs.append(h)
        found.append(steps)
        x = np.stack(outs, axis=1)
    return found


@pytest.mark.parametrize("sizes", [TINY, pytest.param(REAL, marks=pytest.mark.slow)],
                         ids=["tiny", "small-300-steps"])
def test_trained_gates_equal_a_numpy_recurrence_on_the_trained_weights(
        tmp_path: Path, sizes: list[str]) -> None:
    run = train(tmp_path, sizes)
    with np.load(run / "checkpoint.npz") as saved:
        meta = json.loads(str(saved["meta"]))
        arrays = [saved[k] for k in sorted(k for k in saved.files if k.startswith("var"))]
    config = meta["settings"]["config"]
    steps, vocab, layers = config["num_steps"], config["vocab_size"], config["num_layers"]
    ids = np.random.default_rng(5).integers(0, vocab, (BATCH, steps)).astype(np.int32)
    np.savez(tmp_path / "ids.npz", ids=ids)
    doc = probe_json(str(run), "--batch", str(BATCH), "--input", str(tmp_path / "ids.npz"))
    expected = keras_ptb(arrays, ids, layers)
    assert [c["layer"] for c in doc["cells"]] == list(range(layers))
    for cell, want_steps in zip(doc["cells"], expected, strict=True):
        assert cell["gate_order"] == ["i", "f", "c", "o"]
        assert len(cell["steps"]) == steps
        for got, want in zip(cell["steps"], want_steps, strict=True):
            for g in got["gates"]:
                mean, low, high = stats(g["activation"], want["gates"][g["gate"]])
                assert (g["mean"], g["low"], g["high"]) == pytest.approx((mean, low, high),
                                                                         abs=1e-5)
            assert got["h_norm"] == pytest.approx(
                float(np.linalg.norm(want["h"], axis=1).mean()), abs=1e-5)
            assert got["c_norm"] == pytest.approx(
                float(np.linalg.norm(want["c"], axis=1).mean()), abs=1e-5)
    assert any(str(run) in n for n in doc["notes"])
    # the same weights through --checkpoint on the built-in model (the run's config)
    again = probe_json("ptb", "--checkpoint", str(run), "--batch", str(BATCH),
                       "--input", str(tmp_path / "ids.npz"))
    assert again["cells"] == doc["cells"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train(tmp_path_factory.mktemp("tiny"), TINY)


def one_line_error(*argv: str) -> str:
    code, out, err = run_cli(["probe", *argv])
    assert code == 2 and out == "", err
    assert len(err.strip().splitlines()) == 1, err
    return err


def test_a_checkpoint_of_another_model_names_the_variable(tiny_run: Path) -> None:
    err = one_line_error("mnist", "--checkpoint", str(tiny_run))
    assert "hidden/kernel is (28, 128) in this model" in err
    err = one_line_error("ptb", "--hidden", "32", "--checkpoint", str(tiny_run))
    assert "embedding/embeddings is (10000, 32) in this model but (31, 16)" in err
    err = one_line_error("ptb", "--dialect", "legacy", "--checkpoint", str(tiny_run))
    assert "--dialect keras" in err
    assert "no such file" in one_line_error("ptb", "--checkpoint", str(tiny_run / "nothing"))


def test_ids_beyond_the_vocabulary_and_float_ids_are_one_line(tmp_path: Path) -> None:
    ids = np.zeros((2, 4), np.int32)
    ids[1, 3] = 50
    np.savez(tmp_path / "beyond.npz", ids=ids)
    np.savez(tmp_path / "negative.npz", ids=-ids)
    np.savez(tmp_path / "floats.npz", ids=ids.astype(np.float32))
    model = ["ptb", *SMALL, "--batch", "2", "--input"]
    err = one_line_error(*model, str(tmp_path / "beyond.npz"))
    assert "ids 50 at (1, 3), outside [0, 50)" in err
    assert "ids -50 at (1, 3)" in one_line_error(*model, str(tmp_path / "negative.npz"))
    assert "is float32 (float)" in one_line_error(*model, str(tmp_path / "floats.npz"))
    np.savez(tmp_path / "good.npz", ids=ids % 50)
    code, _, err = run_cli(["probe", *model, str(tmp_path / "good.npz")])
    assert code == 0, err
