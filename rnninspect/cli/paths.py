"""Check an output path (`-o`) before anything slow runs: TensorFlow is not imported yet.

A bad path is one line naming the problem: an unknown or missing suffix, an existing
directory as the target, a missing parent directory (never created for the user, as
``dot -o`` does not), a parent that is a file, or a directory we cannot create files in
(read-only, ``/proc``). The last is checked by creating and removing a temporary file there,
because ``os.access`` says yes to root on a read-only mount.

An existing device, FIFO or ``/dev/stdout`` is written *into* (`write_atomic` never replaces
it), so it needs only to be writable; a symlink is followed, as the shell's ``>`` does. The
path returned is absolute, taken before any user code runs: a build that calls ``os.chdir``
cannot move it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from rnninspect.errors import InvalidOptionError


def check_output_path(path: str, suffixes: Iterable[str], *, format_given: bool = False
                      ) -> Path:
    """`path` as a `Path` once it is sure a file can be written there; else one-line error.

    `suffixes` are the accepted ones (``.svg``...); with `format_given` any suffix is
    accepted, since the format then comes from the flag.
    """
    target = Path(path)
    allowed = tuple(s.lower() for s in suffixes)
    if not format_given and target.suffix.lower() not in allowed:
        got = f"{target.suffix!r}" if target.suffix else "no suffix"
        raise InvalidOptionError(
            f"-o {path}: the file name must end in {', '.join(allowed)}; got {got}")
    if target.is_dir():
        raise InvalidOptionError(f"-o {path} is a directory; name a file inside it")
    if target.exists() and not target.is_file():  # a device, FIFO, socket: written into
        if not os.access(target, os.W_OK):
            raise InvalidOptionError(f"-o {path}: not writable")
        return target.absolute()
    parent = target.parent
    blocker = _first_file(parent)
    if blocker is not None:
        raise InvalidOptionError(f"-o {path}: {blocker} is a file, not a directory")
    if not parent.is_dir():
        raise InvalidOptionError(
            f"-o {path}: directory {parent} does not exist (create it first)")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".rnninspect-check-", dir=parent)
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise InvalidOptionError(
            f"-o {path}: cannot create files in {parent} ({reason.lower()})") from None
    os.close(fd)
    Path(tmp).unlink(missing_ok=True)
    return target.absolute()


def _first_file(path: Path) -> Path | None:
    """The first of `path` and its parents that exists and is not a directory."""
    for p in [*reversed(path.parents), path]:
        if p.exists() and not p.is_dir():
            return p
    return None
