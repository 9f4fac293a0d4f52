"""Exceptions (each also subclasses a builtin so callers can catch either) and the exit
status every command returns (the only definition; the CLI and training share it)."""

from __future__ import annotations

import os
import stat
from enum import IntEnum
from pathlib import Path


class ExitStatus(IntEnum):
    OK = 0
    FAILURE = 1  # a check failed (check, train with NaN loss)
    ERROR = 2  # bad input: one line on stderr
    HANGUP = 129  # train stopped by SIGHUP (128 + 1), its checkpoint saved
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
    TERMINATED = 143  # train stopped by SIGTERM (128 + 15), its checkpoint saved


class RnnInspectError(Exception):
    """Base class: a problem the user can fix. The message is one line naming the bad value."""


class InvalidOptionError(RnnInspectError, ValueError):
    """A command-line or API option has a bad value."""


class UnknownModelError(RnnInspectError, LookupError):
    """A model spec names nothing rnninspect can load."""


class ModelSourceError(RnnInspectError, ValueError):
    """A model file or function exists but cannot be used (syntax error, wrong return type...)."""


class TraceError(RnnInspectError, RuntimeError):
    """TensorFlow failed while building or tracing the model."""


class BackendError(RnnInspectError, RuntimeError):
    """The deep-learning backend is missing or configured in a way we cannot use."""


class CacheError(RnnInspectError, OSError):
    """The result cache cannot do what was asked (a read-only cache directory)."""


class ExecutableNotFoundError(RnnInspectError, RuntimeError):
    """Graphviz's `dot` is needed (to render SVG/PNG/PDF) but is not installed."""


class DotRenderError(RnnInspectError, RuntimeError):
    """Graphviz's `dot` rejected a diagram (the DOT text was written instead)."""


class OutputError(RnnInspectError, OSError):
    """A file or stream could not be written (a full disk, a quota, an I/O error)."""

    @classmethod
    def writing(cls, what: str, path: str | os.PathLike[str], error: OSError, then: str = "",
                *, fd: int | None = None) -> OutputError:
        """One line: what could not be written where, why, the free space left there (for a
        file on a filesystem; `fd` when it is an open stream), and `then` (what stayed
        intact, what to do)."""
        reason = (error.strerror or type(error).__name__).lower()
        free = free_space(path if fd is None else fd)
        room = f" ({free} free there)" if free is not None else ""
        named = f"{what} {os.fspath(path)}" if what else os.fspath(path)
        return cls(f"cannot write {named}: {reason}{room}{then}")


def free_space(where: str | os.PathLike[str] | int) -> str | None:
    """The space an unprivileged writer has left on the filesystem that holds `where` (a
    path, or the nearest existing folder above it; or an open file descriptor), as text;
    None for a device, pipe or terminal, where free space means nothing."""
    try:
        if isinstance(where, int):
            mode, info = os.fstat(where).st_mode, os.fstatvfs(where)
        else:
            place = Path(where).absolute()
            while not place.exists() and place.parent != place:
                place = place.parent
            mode, info = place.stat().st_mode, os.statvfs(place)
    except OSError:
        return None
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return None
    size, unit = float(info.f_bavail * info.f_frsize), "B"
    for bigger in ("KiB", "MiB", "GiB", "TiB"):
        if size < 1024:
            break
        size, unit = size / 1024, bigger
    return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
