"""Training data: PTB files, a synthetic corpus with an exactly known entropy rate, MNIST.

numpy only (no deep-learning backend), so the readers are cheap to import and test.
Nothing is downloaded: a missing file is one clear error naming it.
"""

from __future__ import annotations

import collections
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnninspect.errors import InvalidOptionError, RnnInspectError


class DataError(RnnInspectError, FileNotFoundError):
    """A data file named on the command line is missing or unreadable."""


@dataclass(frozen=True)
class Corpus:
    """Token ids for train/valid/test and the vocabulary (id -> word)."""

    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    vocab: tuple[str, ...]
    source: str
    entropy_rate: float | None = None  # nats/token of the generating process, when known

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)


# --- PTB ------------------------------------------------------------------------------------

PTB_FILES = ("ptb.train.txt", "ptb.valid.txt", "ptb.test.txt")


def read_words(path: Path) -> list[str]:
    """Words of a PTB file; every newline is the token `<eos>` (as reader.py does)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        need = ", ".join(PTB_FILES)
        raise DataError(f"missing PTB file {path}; --data must hold {need}") from None
    except OSError as e:
        raise DataError(f"cannot read PTB file {path}: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(
            f"{path} is not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start}); "
            "a PTB file is plain text, one sentence per line"
        ) from None
    if "\x00" in text:
        raise DataError(f"{path} is binary (NUL byte at offset {text.index(chr(0))}); "
                        "a PTB file is plain text, one sentence per line")
    return text.replace("\n", " <eos> ").split()


def read_npz(
    path: Path, error: type[RnnInspectError], names: tuple[str, ...] | None = None
) -> dict[str, np.ndarray]:
    """The arrays `names` (default: all) of the .npz archive `path` that it holds. Never
    unpickles: anything that is not a plain .npz archive is one `error` naming the file and
    what is wrong with it."""
    try:
        with path.open("rb") as f:
            head = f.read(4)
    except OSError as e:
        raise error(f"cannot read {path}: {e.strerror or e}") from None
    if head[:2] != b"PK":
        what = "it is empty" if not head else f"it starts with {head!r}"
        raise error(f"{path} is not a NumPy .npz archive ({what})")
    try:
        # numpy leaks its own file handle when the archive is damaged: hand it ours.
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as archive:
            wanted = archive.files if names is None else [n for n in names if n in archive]
            return {name: archive[name] for name in wanted}
    except ValueError as e:
        if "allow_pickle" in str(e):
            raise error(f"{path} holds Python objects (pickled data), not plain arrays; "
                        "rnninspect loads plain arrays only") from None
        raise error(f"{path} is a damaged .npz archive ({type(e).__name__})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as e:
        raise error(f"{path} is a damaged .npz archive ({type(e).__name__})") from None


def build_vocab(words: list[str]) -> dict[str, int]:
    """Word -> id, by descending count, ties alphabetical (reader.py since mid-2016)."""
    counts = collections.Counter(words)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return {word: i for i, (word, _) in enumerate(ordered)}


def read_ptb(data_dir: Path) -> Corpus:
    if not data_dir.is_dir():
        raise DataError(f"--data {data_dir} is not a directory (expected {PTB_FILES[0]} there)")
    train, valid, test = (read_words(data_dir / name) for name in PTB_FILES)
    word_to_id = build_vocab(train)
    # Words missing from the train vocabulary are dropped, like the later reader.py does.
    ids = [
        np.array([word_to_id[w] for w in words if w in word_to_id], dtype=np.int32)
        for words in (train, valid, test)
    ]
    vocab = tuple(sorted(word_to_id, key=word_to_id.__getitem__))
    return Corpus(ids[0], ids[1], ids[2], vocab, f"PTB files in {data_dir}")


def epoch_size(n_tokens: int, batch_size: int, num_steps: int) -> int:
    return ((n_tokens // batch_size) - 1) // num_steps


def ptb_batches(
    raw: np.ndarray, batch_size: int, num_steps: int, start: int = 0
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """ptb_iterator: `batch_size` contiguous streams, so row b of batch k+1 continues row b
    of batch k (what makes carrying the LSTM state across batches meaningful)."""
    batch_len = len(raw) // batch_size
    data = np.asarray(raw[: batch_size * batch_len], dtype=np.int32).reshape(batch_size, batch_len)
    n = (batch_len - 1) // num_steps
    if n <= 0:
        raise InvalidOptionError(
            f"corpus of {len(raw)} tokens is too short for batch {batch_size} × "
            f"{num_steps} steps; lower --batch or --num-steps"
        )
    for i in range(start, n):
        window = slice(i * num_steps, (i + 1) * num_steps)
        shifted = slice(i * num_steps + 1, (i + 1) * num_steps + 1)
        yield data[:, window], data[:, shifted]


# --- Synthetic corpus: a sparse Markov chain with an exactly computable entropy rate --------


@dataclass(frozen=True)
class MarkovChain:
    transitions: np.ndarray  # [V, V], rows sum to 1

    @property
    def stationary(self) -> np.ndarray:
        """pi with pi P = pi, sum 1 (least squares on the stacked linear system)."""
        v = len(self.transitions)
        a = np.vstack([self.transitions.T - np.eye(v), np.ones((1, v))])
        b = np.zeros(v + 1)
        b[-1] = 1.0
        pi = np.clip(np.linalg.lstsq(a, b, rcond=None)[0], 0.0, None)
        stationary: np.ndarray = pi / pi.sum()
        return stationary

    @property
    def entropy_rate(self) -> float:
        """H = -sum_i pi_i sum_j P_ij log P_ij (nats/token): no predictor can beat exp(H)."""
        p = self.transitions
        logp = np.log(np.where(p > 0, p, 1.0))
        return float(-(self.stationary * (p * logp).sum(axis=1)).sum())

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        v = len(self.transitions)
        succ = [np.flatnonzero(row) for row in self.transitions]
        cum = [np.cumsum(row[s]) for row, s in zip(self.transitions, succ, strict=True)]
        u = rng.random(n)
        out = np.empty(n, dtype=np.int32)
        state = int(rng.choice(v, p=self.stationary))
        for t in range(n):
            out[t] = state
            k = min(int(np.searchsorted(cum[state], u[t])), len(succ[state]) - 1)
            state = int(succ[state][k])
        return out


def markov_chain(vocab_size: int, branching: int, seed: int) -> MarkovChain:
    """Each word has `branching` successors with Dirichlet(0.5) probabilities. Successor
    i+1 is always among them (irreducible) and word 0 may repeat (aperiodic)."""
    if not 2 <= branching <= vocab_size:
        raise InvalidOptionError(f"branching must be in [2, {vocab_size}]; got {branching}")
    rng = np.random.default_rng(seed)
    p = np.zeros((vocab_size, vocab_size))
    for i in range(vocab_size):
        forced = {(i + 1) % vocab_size} | ({0} if i == 0 else set())
        others = [j for j in range(vocab_size) if j not in forced]
        extra = rng.choice(others, size=branching - len(forced), replace=False)
        succ = sorted(forced | {int(j) for j in extra})
        p[i, succ] = rng.dirichlet(np.full(len(succ), 0.5))
    return MarkovChain(p)


def synthetic_vocab(vocab_size: int) -> tuple[str, ...]:
    """The synthetic corpus's words: w0, w1, … (word i is id i)."""
    return tuple(f"w{i}" for i in range(vocab_size))


def synthetic_corpus(
    vocab_size: int = 1000,
    branching: int = 8,
    n_train: int = 400_000,
    n_eval: int = 40_000,
    seed: int = 0,
) -> Corpus:
    chain = markov_chain(vocab_size, branching, seed)
    rng = np.random.default_rng(seed + 1)
    train, valid, test = (chain.sample(n, rng) for n in (n_train, n_eval, n_eval))
    vocab = synthetic_vocab(vocab_size)
    source = f"synthetic Markov chain (V={vocab_size}, {branching} successors/word, seed {seed})"
    return Corpus(train, valid, test, vocab, source, chain.entropy_rate)
