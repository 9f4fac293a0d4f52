"""`probe --data PATH` on the built-in models: the batch is the first one `train` would draw
from the same files (so the figures equal `--input` of that batch, built here with train's
own reader), mapped with the run's vocabulary when a run is probed; bad files are one line,
exit 2, nothing on stdout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.helpers import run_cli

BATCH, STEPS = 4, 5
SIZES = ["--hidden", "8", "--num-steps", str(STEPS), "--batch", str(BATCH)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PTB-format files over 30 words; word k mostly followed by word k + 1."""
    where = tmp_path_factory.mktemp("ptb")
    rng = np.random.default_rng(0)
    for name, n in (("train", 3000), ("valid", 300), ("test", 300)):
        words = np.cumsum(rng.choice([1, 1, 1, 2], n)) % 30
        (where / f"ptb.{name}.txt").write_text(" ".join(f"w{w}" for w in words) + "\n")
    return where


def probe_json(*argv: str) -> dict[str, Any]:
    code, out, err = run_cli(["probe", *argv, "--format", "json"])
    assert code == 0, err
    document: dict[str, Any] = json.loads(out)
    return document


def first_batch(ids: Any) -> Any:
    """ptb_iterator's first window, written out: BATCH contiguous rows, STEPS columns."""
    rows = len(ids) // BATCH
    return np.asarray(ids[:BATCH * rows]).reshape(BATCH, rows)[:, :STEPS]


def one_line_error(*argv: str) -> str:
    code, out, err = run_cli(["probe", *argv])
    assert code == 2 and out == "", err
    assert len(err.strip().splitlines()) == 1, err
    return err


@pytest.mark.parametrize("dialect", ["keras", "legacy"])
def test_ptb_data_is_the_first_validation_batch_with_the_train_vocabulary(
        corpus: Path, tmp_path: Path, dialect: str) -> None:
    from rnninspect.train.data import read_ptb

    data = read_ptb(corpus)
    np.savez(tmp_path / "ids.npz", first_batch(data.valid))
    model = ["ptb", "--dialect", dialect, *SIZES, "--vocab", str(data.vocab_size)]
    got = probe_json(*model, "--data", str(corpus))
    want = probe_json(*model, "--input", str(tmp_path / "ids.npz"))
    assert got["cells"] == want["cells"] and len(got["cells"]) == 2
    assert "ptb.valid.txt" in got["notes"][0] and "31 words" in got["notes"][0]
    # without --vocab the model takes the data's vocabulary, as train sizes it
    assert probe_json("ptb", "--dialect", dialect, *SIZES, "--data", str(corpus))["cells"] \
        == got["cells"]


def test_one_text_file_and_the_whole_programs_copies(corpus: Path, tmp_path: Path) -> None:
    from rnninspect.train.data import build_vocab, read_words

    vocab = build_vocab(read_words(corpus / "ptb.train.txt"))
    ids = [vocab[w] for w in read_words(corpus / "ptb.test.txt")]
    np.savez(tmp_path / "ids.npz", ids=first_batch(ids))
    model = ["ptb", "--dialect", "keras", *SIZES]
    got = probe_json(*model, "--data", str(corpus / "ptb.test.txt"))
    assert got["cells"] == probe_json(*model, "--vocab", str(len(vocab)), "--input",
                                      str(tmp_path / "ids.npz"))["cells"]
    # ptb-main: Train and Valid copies take the batch, the T = 1 Test copy its first id
    whole = probe_json("ptb-main", *SIZES, "--data", str(corpus))
    assert len(whole["cells"]) == 2 and whole["notes"][0].startswith("data: the first batch")


def test_a_run_maps_the_words_with_its_own_vocabulary(corpus: Path, tmp_path: Path) -> None:
    from rnninspect.train.data import read_ptb

    run = tmp_path / "run"
    code, _, err = run_cli(["train", "ptb", "--config", "small", "--hidden", "16",
                            "--num-steps", str(STEPS), "--batch", str(BATCH), "--max-steps", "5",
                            "--data", str(corpus), "--epochs", "1", "--device", "cpu",
                            "--checkpoint", str(run), "--log-every", "1000"])
    assert code == 0, err
    np.savez(tmp_path / "ids.npz", first_batch(read_ptb(corpus).valid))
    got = probe_json(str(run), "--data", str(corpus))
    assert got["cells"] == probe_json(str(run), "--input", str(tmp_path / "ids.npz"))["cells"]
    assert any("the run's vocabulary" in n for n in got["notes"])
    # text of words the run never saw: nothing is left of it
    (tmp_path / "other.txt").write_text("the cat sat on the mat " * 50)  # no <eos>
    assert "0 known words" in one_line_error(str(run), "--data", str(tmp_path / "other.txt"))


def test_mnist_data_is_the_first_training_images(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (40, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 10, 40).astype(np.uint8)
    np.savez(tmp_path / "mnist.npz", x_train=images, y_train=labels, x_test=images[:10],
             y_test=labels[:10])
    np.savez(tmp_path / "x.npz", x=(images[:8] / 255.0).astype(np.float32))
    model = ["mnist", "--dialect", "keras", "--hidden", "8", "--batch", "8"]
    got = probe_json(*model, "--data", str(tmp_path / "mnist.npz"))
    assert got["cells"] == probe_json(*model, "--input", str(tmp_path / "x.npz"))["cells"]
    assert "first 8 training images" in got["notes"][0]
    legacy = probe_json("mnist-train", "--hidden", "8", "--batch", "8", "--data",
                        str(tmp_path / "mnist.npz"))
    assert legacy["notes"][0].startswith("data: the first 8 training images")
    assert [len(c["steps"]) for c in legacy["cells"]] == [28]


def test_bad_data_is_one_line(corpus: Path, tmp_path: Path) -> None:
    small = ["ptb", "--dialect", "keras", *SIZES]
    assert "no such file" in one_line_error(*small, "--data", str(tmp_path / "none"))
    (tmp_path / "binary.txt").write_bytes(b"w1 w2\x00\x01")
    assert "binary" in one_line_error(*small, "--data", str(tmp_path / "binary.txt"))
    (tmp_path / "short.txt").write_text("w1 w2 w3\n")
    err = one_line_error(*small, "--data", str(tmp_path / "short.txt"))
    assert "one batch needs batch × (num_steps + 1) = 4 × 6 = 24" in err
    err = one_line_error(*small, "--vocab", "10", "--data", str(corpus))
    assert "outside [0, 10)" in err and "vocabulary (31 words)" in err
    err = one_line_error("mnist", "--data", str(corpus / "ptb.train.txt"))
    assert "not an .npz file" in err
    assert "missing MNIST file" in one_line_error("mnist", "--data", str(corpus))
    (tmp_path / "mnist.npz").write_bytes(b"junk")
    assert "not a NumPy .npz" in one_line_error("mnist", "--data", str(tmp_path / "mnist.npz"))
    assert "--input FILE.npz" in one_line_error("keras-lstm", "--data", str(corpus))
    (tmp_path / "model.py").write_text("def build():\n    return None\n")
    err = one_line_error(f"{tmp_path / 'model.py'}:build", "--data", str(corpus))
    assert "your own model" in err and "--input FILE.npz" in err
    np.savez(tmp_path / "ids.npz", np.zeros((BATCH, STEPS), np.int32))
    err = one_line_error(*small, "--data", str(corpus), "--input", str(tmp_path / "ids.npz"))
    assert "pass one of them" in err
