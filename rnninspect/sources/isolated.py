"""Saved files whose bytes TensorFlow's C++ side parses — a GraphDef (.pb/.pbtxt), a
MetaGraph (.meta), a checkpoint, a SavedModel — are read in the worker process
(`rnninspect.tf.worker`), never in the user's: a damaged or hostile file that makes
TensorFlow abort (a CHECK failure, a stack overflow on a function that calls itself, a
segfault) kills the worker, and the user gets one line naming the file (`worker.WorkerDied`).
What the loaders refuse comes back as the same error class, with the same message."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rnninspect.errors import ModelSourceError, RnnInspectError, UnknownModelError
from rnninspect.graph import Traced
from rnninspect.model import Inspection
from rnninspect.sources.code import Failure


def _graph_def(target: str, spec: str) -> Traced | Inspection:
    from rnninspect.sources.files import load_graph_def

    return load_graph_def(Path(target), spec)


def _meta(target: str, spec: str) -> Traced | Inspection:
    from rnninspect.sources.checkpoint import load_meta_graph

    return load_meta_graph(Path(target), spec)


def _checkpoint(target: str, spec: str) -> Traced | Inspection:
    from rnninspect.sources.checkpoint import load_checkpoint_or_meta

    return load_checkpoint_or_meta(target, spec)


def _checkpoint_dir(target: str, spec: str) -> Traced | Inspection:
    from rnninspect.sources.checkpoint import load_checkpoint_dir

    return load_checkpoint_dir(Path(target), spec)


def _saved_model(target: str, spec: str) -> Traced | Inspection:
    from rnninspect.sources.files import load_saved_model

    return load_saved_model(Path(target), spec)


LOADERS: dict[str, Callable[[str, str], Traced | Inspection]] = {
    "graph_def": _graph_def, "meta": _meta, "checkpoint": _checkpoint,
    "checkpoint_dir": _checkpoint_dir, "saved_model": _saved_model,
}


@dataclass(frozen=True)
class ReadSavedFile:
    """Worker request: read a saved file with one of `LOADERS`, from the user's directory."""

    kind: str
    target: str  # the file, directory or checkpoint prefix to read
    spec: str  # as the user named it (every message names it so)
    cwd: str
    saved_file: ClassVar[bool] = True  # a crash is the file's (`worker.WorkerDied`)

    def run(self) -> Traced | Inspection | Failure:
        os.chdir(self.cwd)
        try:
            return LOADERS[self.kind](self.target, self.spec)
        except UnknownModelError as e:
            return Failure("unknown", str(e))
        except ModelSourceError as e:
            return Failure("source", str(e))
        except RnnInspectError as e:
            return Failure("trace", str(e))
        except OSError as e:  # a file of it unreadable: permissions, a symlink loop, I/O
            where = f" ({e.filename})" if e.filename else ""
            return Failure("source", f"cannot read {self.spec!r}{where}: "
                                     f"{(e.strerror or type(e).__name__).lower()}; check "
                                     f"its files and their permissions")


def read_isolated(kind: str, target: str | os.PathLike[str], spec: str) -> Traced | Inspection:
    """Read a saved file in the worker (see the module docstring)."""
    from rnninspect.tf import worker

    reply: Traced | Inspection | Failure = worker.call(
        ReadSavedFile(kind, os.fspath(target), spec, str(Path.cwd())))
    if isinstance(reply, Failure):
        raise reply.error()
    return reply
