"""Data readers and the synthetic processes behind `rnninspect train` (numpy only, fast)."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from rnninspect.train.data import (
    DataError,
    epoch_size,
    markov_chain,
    ptb_batches,
    read_ptb,
    synthetic_corpus,
)
from rnninspect.train.mnist_data import read_mnist, synthetic_mnist


def write_ptb(tmp_path: Path) -> Path:
    (tmp_path / "ptb.train.txt").write_text(" the cat sat\n the dog sat on the cat\n")
    (tmp_path / "ptb.valid.txt").write_text(" the cat\n")
    (tmp_path / "ptb.test.txt").write_text(" a dog sat\n")
    return tmp_path


def test_ptb_reader_eos_vocab_by_count(tmp_path: Path) -> None:
    corpus = read_ptb(write_ptb(tmp_path))
    # the:3, <eos>:2, cat:2, sat:2 (ties alphabetical, '<' sorts first), dog:1, on:1
    assert corpus.vocab == ("the", "<eos>", "cat", "sat", "dog", "on")
    assert corpus.train.tolist() == [0, 2, 3, 1, 0, 4, 3, 5, 0, 2, 1]
    assert corpus.valid.tolist() == [0, 2, 1]
    assert corpus.test.tolist() == [4, 3, 1]  # 'a' is not in the train vocabulary: dropped


def test_ptb_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "ptb.train.txt").write_text("x\n")
    with pytest.raises(DataError, match=r"missing PTB file .*ptb\.valid\.txt"):
        read_ptb(tmp_path)


def test_ptb_batches_are_contiguous_streams() -> None:
    raw = np.arange(203)
    batches = list(ptb_batches(raw, batch_size=4, num_steps=5))
    assert len(batches) == epoch_size(203, 4, 5) == 9
    x0, y0 = batches[0]
    x1, _ = batches[1]
    assert x0[1, 0] == 50  # row 1 starts at batch_len = 50
    assert (y0 == x0 + 1).all()  # targets are the next tokens
    assert (x1[:, 0] == x0[:, -1] + 1).all()  # each row continues where it stopped


def test_markov_entropy_rate_matches_sampled_log_loss() -> None:
    chain = markov_chain(25, 4, seed=3)
    assert np.allclose(chain.transitions.sum(axis=1), 1.0)
    pi = chain.stationary
    assert np.allclose(pi @ chain.transitions, pi, atol=1e-10)
    x = chain.sample(100_000, np.random.default_rng(0))
    empirical = -np.log(chain.transitions[x[:-1], x[1:]]).mean()
    assert empirical == pytest.approx(chain.entropy_rate, rel=0.02)
    assert 0 < chain.entropy_rate < np.log(4)


def test_synthetic_corpus_is_deterministic() -> None:
    a, b = synthetic_corpus(20, 3, 500, 100, seed=5), synthetic_corpus(20, 3, 500, 100, seed=5)
    assert (a.train == b.train).all() and a.entropy_rate == b.entropy_rate
    assert a.vocab_size == 20 and len(a.valid) == 100


def write_idx(path: Path, array: np.ndarray) -> None:
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_mnist_idx_and_npz_agree(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (6, 28, 28)),
        "y_train": rng.integers(0, 10, 6),
        "x_test": rng.integers(0, 256, (3, 28, 28)),
        "y_test": rng.integers(0, 10, 3),
    }
    names = {
        "x_train": "train-images-idx3-ubyte",
        "y_train": "train-labels-idx1-ubyte",
        "x_test": "t10k-images-idx3-ubyte",
        "y_test": "t10k-labels-idx1-ubyte",
    }
    for key, stem in names.items():
        write_idx(tmp_path / f"{stem}.gz", arrays[key])
    np.savez(tmp_path / "mnist.npz", **{k: v.astype(np.uint8) for k, v in arrays.items()})
    from_npz = read_mnist(tmp_path / "mnist.npz")
    (tmp_path / "mnist.npz").unlink()
    from_idx = read_mnist(tmp_path)
    assert from_idx.x_train.shape == (6, 28, 28) and from_idx.x_train.max() <= 1.0
    assert np.array_equal(from_idx.x_train, from_npz.x_train)
    assert from_idx.y_test.tolist() == arrays["y_test"].tolist()


def test_mnist_missing_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="missing MNIST file"):
        read_mnist(tmp_path)


def test_synthetic_mnist_label_is_in_one_row() -> None:
    images = synthetic_mnist(n_train=50, n_test=10)
    bright = images.x_train.max(axis=2) == 1.0  # [n, steps]: which row holds the bar
    assert (bright.sum(axis=1) == 1).all()
    rows = bright.argmax(axis=1)
    assert len(set(zip(rows.tolist(), images.y_train.tolist(), strict=True))) == len(set(rows))
