"""Atomic checkpoints: everything needed to continue bit-for-bit in one file.

`DIR/checkpoint.npz` holds every model variable (dropout seed states included), every
optimizer variable (step counter, Adam moments), the carried LSTM state and a JSON record of
the run (settings, position, history). It is written to a temporary file in DIR, flushed to
disk, then renamed over the old one with os.replace, so a kill at any moment leaves either the
previous checkpoint or the new one; a write that fails (a full disk) leaves the previous one
and is one line naming the file and the space left there. `DIR/model.keras` is the model
alone (for `rnninspect show DIR`), replaced the same way.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rnninspect.errors import OutputError, RnnInspectError
from rnninspect.train.data import read_npz

CHECKPOINT = "checkpoint.npz"
MODEL_FILE = "model.keras"


class CheckpointError(RnnInspectError, ValueError):
    """--resume names a directory without a usable checkpoint."""


@dataclass
class Snapshot:
    meta: dict[str, Any]  # JSON-able: settings, epoch, step, history
    variables: list[np.ndarray]  # model.variables + optimizer.variables, in order
    states: list[np.ndarray] | None  # flattened carried state, or None


def _replace_atomically(path: Path, write: Any, suffix: str, what: str) -> None:
    """Write via `write(tmp)` and rename over `path`; a failure (a full disk) leaves `path` as
    it was and is one line naming it and the space left there (`OutputError`)."""
    tmp = path.with_name(f".{path.stem}.tmp{os.getpid()}{suffix}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        tmp.replace(path)  # os.replace: atomic on POSIX within one directory
    except OSError as e:
        then = (f"; the previous {what} there is intact; free some space (or train with "
                f"--checkpoint on another disk), then --resume {path.parent}" if path.is_file()
                else "; free some space, or train with --checkpoint on another disk")
        raise OutputError.writing(what, path, e, then) from e
    finally:
        tmp.unlink(missing_ok=True)


def save(directory: Path, snapshot: Snapshot) -> Path:
    arrays = {f"var{i:04d}": np.asarray(v) for i, v in enumerate(snapshot.variables)}
    for i, s in enumerate(snapshot.states or []):
        arrays[f"state{i:04d}"] = np.asarray(s)
    arrays["meta"] = np.array(json.dumps(snapshot.meta))
    path = directory / CHECKPOINT

    def write(tmp: Path) -> None:
        with tmp.open("wb") as f:
            np.savez(f, **arrays)  # type: ignore[arg-type]  # numpy's stub misreads **kwargs

    _replace_atomically(path, write, ".npz", "checkpoint")
    return path


def save_model(directory: Path, model: Any) -> Path:
    path = directory / MODEL_FILE
    _replace_atomically(path, lambda tmp: model.save(tmp), ".keras", "model")
    return path


def load(directory: Path) -> Snapshot:
    path = directory / CHECKPOINT
    if not path.is_file():
        raise missing(directory)
    arrays = read_npz(path, CheckpointError)
    meta = _meta(path, arrays)
    variables = [arrays[k] for k in sorted(k for k in arrays if k.startswith("var"))]
    states = [arrays[k] for k in sorted(k for k in arrays if k.startswith("state"))]
    return Snapshot(meta, variables, states or None)


def missing(directory: Path) -> CheckpointError:
    """--resume of a directory with no checkpoint: a run that stopped before its first one
    (killed while Keras started), or a directory that never held one."""
    if directory.is_dir():
        return CheckpointError(
            f"--resume {directory}: no {CHECKPOINT} there yet (a run there stopped before its "
            f"first checkpoint, or none was started there); start the run again with "
            f"--checkpoint {directory}")
    return CheckpointError(f"--resume {directory}: no such directory (a run started with "
                           f"--checkpoint DIR can be resumed from DIR)")


def read_meta(directory: Path) -> dict[str, Any] | None:
    """The run record of `directory/checkpoint.npz` (no weights read), or None if absent."""
    path = directory / CHECKPOINT
    if not path.is_file():
        return None
    return _meta(path, read_npz(path, CheckpointError, ("meta",)))


def _meta(path: Path, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    try:
        meta = json.loads(str(arrays["meta"]))
        if not isinstance(meta, dict) or not {"settings", "position"} <= meta.keys():
            raise ValueError("not a run record")
    except (KeyError, ValueError):
        raise CheckpointError(
            f"{path} holds no run record: it was not written by `rnninspect train`"
        ) from None
    return meta


def assign(variables: list[Any], values: list[np.ndarray], directory: Path) -> None:
    """Assign saved values to live variables, refusing a checkpoint of another model."""
    if len(variables) != len(values):
        raise CheckpointError(
            f"--resume {directory}: checkpoint has {len(values)} variables, the model "
            f"{len(variables)}; resume with the settings it was written with"
        )
    for var, value in zip(variables, values, strict=True):
        if tuple(var.shape) != value.shape:
            raise CheckpointError(
                f"--resume {directory}: {var.path} is {tuple(var.shape)} here but "
                f"{value.shape} in the checkpoint"
            )
        var.assign(value)
