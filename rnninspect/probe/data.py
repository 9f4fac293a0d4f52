"""Real data for a probe: `probe --data PATH` on the built-in models, and the fixed batch of
`train --probe-every` — read by the training readers (`rnninspect.train.data`,
`rnninspect.train.mnist_data`); numpy only.

- ptb: PATH is a directory as `train ptb --data` takes it (the batch comes from its
  ptb.valid.txt) or one PTB-format text file. Words are mapped with the vocabulary the model
  was trained with — a run's (rebuilt from the ptb.train.txt it trained on, or the synthetic
  corpus's w0, w1, …) — else with the vocabulary `train` builds from ptb.train.txt (the
  directory's, the one beside the file, else the file itself). Words outside it are dropped,
  as `train` drops them from the validation and test files.
- mnist: mnist.npz or a directory of IDX files, as `train mnist --data` takes them.

The batch is the first one `train` would draw, unshuffled: for ptb the first batch × num_steps
ids of the validation text and the next ids as targets; for mnist (no validation split) the
first `batch` training images and their labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rnninspect.errors import InvalidOptionError
from rnninspect.train.data import (
    PTB_FILES,
    Corpus,
    DataError,
    build_vocab,
    ptb_batches,
    read_words,
    synthetic_vocab,
)
from rnninspect.train.mnist_data import ImageSet, read_mnist

VALID = PTB_FILES[1]


@dataclass(frozen=True)
class DataBatch:
    """One batch of real data: `x` ids [batch, steps] (int32) or images [batch, steps, width]
    (float32); `y` the next ids [batch, steps] or the labels [batch]; `source` says where it
    came from; `vocab_size` is the size of the vocabulary ptb ids were mapped with."""

    x: Any
    y: Any
    source: str
    vocab_size: int | None = None


def probe_batch(data: Corpus | ImageSet, batch: int, num_steps: int) -> DataBatch:
    """The fixed batch of a training data set: the first batch of its validation split
    (ptb), or of its training images (mnist has no validation split)."""
    if isinstance(data, Corpus):
        x, y = _first_ptb_batch(data.valid, batch, num_steps, f"the validation split of the "
                                f"{data.source}")
        return DataBatch(x, y, f"the first batch of the validation split of the {data.source}",
                         data.vocab_size)
    return _first_images(data, batch, num_steps, None, data.source)


def read_batch(family: str, path: str, batch: int, num_steps: int, *,
               vocab: dict[str, int] | None = None, width: int | None = None) -> DataBatch:
    """`--data PATH` for a model of `family` ("ptb" or "mnist"): its first batch (see the
    module docstring); any problem with the files is one line naming them."""
    where = Path(path).expanduser()
    if family == "mnist":
        if not where.is_dir() and where.suffix != ".npz":
            what = "no such file or directory" if not where.exists() else "not an .npz file"
            raise DataError(f"--data {path}: {what} (give mnist.npz or a directory of the "
                            "four MNIST IDX files)")
        return _first_images(read_mnist(where), batch, num_steps, width, f"--data {path}")
    if where.is_dir():
        text, train = where / VALID, where / PTB_FILES[0]
    elif where.is_file():
        text = where
        train = where.parent / PTB_FILES[0] if (where.parent / PTB_FILES[0]).is_file() else where
    else:
        raise DataError(f"--data {path}: no such file or directory (give a directory holding "
                        f"{', '.join(PTB_FILES)}, or one PTB text file)")
    said = "the run's vocabulary"
    if vocab is None:
        vocab = build_vocab(read_words(train))
        said = f"the vocabulary of {train.name} ({len(vocab):,} words, as train builds it)"
    words = read_words(text)
    ids = np.array([vocab[w] for w in words if w in vocab], dtype=np.int32)
    dropped = len(words) - len(ids)
    x, y = _first_ptb_batch(ids, batch, num_steps, f"--data {path}: {text.name}")
    skipped = f"; {dropped:,} of {len(words):,} words outside it dropped" if dropped else ""
    return DataBatch(x, y, f"the first batch of {text.name} ({batch} × {num_steps} ids), mapped "
                     f"with {said}{skipped}", len(vocab))


def run_vocabulary(settings: dict[str, Any]) -> dict[str, int] | None:
    """word -> id as the ptb run `settings` (its run record) trained with: rebuilt from the
    ptb.train.txt it read, or the synthetic corpus's words; None for an mnist run."""
    if settings.get("family") != "ptb":
        return None
    data = settings.get("data")
    if data is None:
        size = int(settings["config"]["vocab_size"])
        return {w: i for i, w in enumerate(synthetic_vocab(size))}
    train = Path(data).expanduser() / PTB_FILES[0]
    try:
        return build_vocab(read_words(train))
    except DataError as e:
        raise DataError(f"the run's vocabulary is built from {train}, the file it trained "
                        f"on, and it cannot be read now ({e}); put it back") from None


def _first_ptb_batch(ids: Any, batch: int, num_steps: int, what: str) -> tuple[Any, Any]:
    need = batch * (num_steps + 1)
    if len(ids) < need:
        raise InvalidOptionError(
            f"{what} has {len(ids):,} known words; one batch needs batch × (num_steps + 1) = "
            f"{batch} × {num_steps + 1} = {need:,}; give more text, or lower --batch or "
            "--num-steps")
    return next(ptb_batches(ids, batch, num_steps))


def _first_images(images: ImageSet, batch: int, num_steps: int, width: int | None,
                  what: str) -> DataBatch:
    x, y = images.x_train, images.y_train
    if len(x) < batch:
        raise InvalidOptionError(f"{what}: {len(x):,} training images; one batch needs {batch} "
                                 "(lower --batch)")
    want = (num_steps, width if width is not None else x.shape[2])
    if x.shape[1:] != want:
        raise InvalidOptionError(
            f"{what}: the images are {x.shape[1]}×{x.shape[2]}; the model reads "
            f"{want[0]} rows of {want[1]} pixels (drop --num-steps)")
    return DataBatch(x[:batch], y[:batch],
                     f"the first {batch} training images of {images.source}")
