"""MNIST for the row classifier: IDX files or Keras's `mnist.npz`, else learnable synthetic rows."""

from __future__ import annotations

import gzip
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnninspect.train.data import DataError, read_npz

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


@dataclass(frozen=True)
class ImageSet:
    """Images as float32 [n, 28, 28] in [0, 1] (rows are the time steps), labels int32 [n]."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str


def read_idx(path: Path) -> np.ndarray:
    """One IDX file (optionally .gz): magic 0x0000 <dtype=0x08> <ndim>, big-endian dims."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    try:
        zero, dtype, ndim = struct.unpack(">HBB", data[:4])
        if zero != 0 or dtype != 0x08:
            raise ValueError("bad magic number")
        shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
        return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)
    except (struct.error, ValueError) as e:
        reason = "bad magic number" if "magic" in str(e) else "truncated or damaged"
        raise DataError(f"{path} is not an unsigned-byte IDX file ({reason})") from None


def _find(data_dir: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx")):
        if (data_dir / name).is_file():
            return data_dir / name
    raise DataError(
        f"missing MNIST file {data_dir / stem}[.gz]; --data needs the four IDX files or mnist.npz"
    )


def read_mnist(data: Path) -> ImageSet:
    npz = data if data.suffix == ".npz" else data / "mnist.npz"
    if npz.is_file():
        stored = read_npz(npz, DataError)
        missing = [k for k in IDX_FILES if k not in stored]
        if missing:
            raise DataError(f"{npz} lacks {', '.join(missing)} (Keras's mnist.npz has "
                            f"{', '.join(IDX_FILES)})")
        arrays = {k: stored[k] for k in IDX_FILES}
        source = str(npz)
    elif data.is_dir():
        arrays = {k: read_idx(_find(data, stem)) for k, stem in IDX_FILES.items()}
        source = f"IDX files in {data}"
    else:
        raise DataError(f"--data {data}: no such file or directory (give mnist.npz or IDX dir)")
    scale = 255.0 if arrays["x_train"].dtype == np.uint8 else 1.0
    return ImageSet(
        (arrays["x_train"] / scale).astype(np.float32),
        arrays["y_train"].astype(np.int32),
        (arrays["x_test"] / scale).astype(np.float32),
        arrays["y_test"].astype(np.int32),
        source,
    )


def synthetic_mnist(
    n_train: int = 12_800, n_test: int = 2_000, steps: int = 28, width: int = 28, seed: int = 0
) -> ImageSet:
    """Noise images with one bright bar whose row encodes the label. The bar is seen at one
    step only, so the LSTM must remember it until the last step: learnable, but not by the
    last row alone."""
    rng = np.random.default_rng(seed)

    def make(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, 10, n).astype(np.int32)
        x = (rng.random((n, steps, width)) * 0.3).astype(np.float32)
        rows = 2 + (y * (steps - 4)) // 10
        starts = rng.integers(0, width // 2, n)
        for i in range(n):
            x[i, rows[i], starts[i] : starts[i] + width // 2] = 1.0
        return x, y

    (xa, ya), (xb, yb) = make(n_train), make(n_test)
    return ImageSet(xa, ya, xb, yb, f"synthetic rows (bar row encodes the label, seed {seed})")


def image_batches(
    x: np.ndarray, y: np.ndarray, batch_size: int, seed: int | None, start: int = 0
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Full batches only (static shapes compile once); shuffled by `seed` when given."""
    order = np.arange(len(x)) if seed is None else np.random.default_rng(seed).permutation(len(x))
    n = len(x) // batch_size
    for i in range(start, n):
        rows = order[i * batch_size : (i + 1) * batch_size]
        yield x[rows], y[rows]
