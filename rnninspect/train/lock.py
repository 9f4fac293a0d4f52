"""One run per checkpoint directory: `DIR/.rnninspect-train.lock`.

A run holds an exclusive `flock` on the lock file and writes its pid there; a second run on
the same directory is refused in one line naming that pid. The kernel drops the lock when its
owner dies however it dies (SIGKILL, a crash), so a lock file left by a dead process is
simply taken over: staleness needs no pid guessing, and a reused pid cannot fake an owner.
The file is removed when the run ends; a run that opened it just before (and would lock a
removed file) sees that the path no longer names what it locked and opens it again.

No Keras here: `preflight` checks the lock before anything slow starts.
"""

from __future__ import annotations

import fcntl
import os
from datetime import datetime
from pathlib import Path
from types import TracebackType

from rnninspect.errors import RnnInspectError

LOCK_FILE = ".rnninspect-train.lock"


class CheckpointInUseError(RnnInspectError, RuntimeError):
    """Another `rnninspect train` is writing to the same checkpoint directory."""


class RunLock:
    """`with RunLock(directory):` holds the directory for one run (see the module)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK_FILE
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = _owner(fd)
                os.close(fd)
                raise self._refusal(owner) from None
            except BaseException:
                os.close(fd)
                raise
            if _names(self.path, fd):
                break
            os.close(fd)  # its owner removed it between our open and our lock: again
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._fd is None:
            return
        self.path.unlink(missing_ok=True)  # while still locked: no one holds a removed file
        os.close(self._fd)
        self._fd = None

    def _refusal(self, owner: str) -> CheckpointInUseError:
        directory = self.path.parent
        try:
            since = datetime.fromtimestamp(self.path.stat().st_mtime).strftime(" since %H:%M")
        except OSError:
            since = ""
        who = f"pid {owner}" if owner else "another process"
        return CheckpointInUseError(
            f"{directory} is in use by another `rnninspect train` ({who}{since}); two runs "
            f"would overwrite each other's checkpoints: wait for it to finish (or stop it), or "
            f"give this run another --checkpoint directory")


def check_free(directory: Path) -> None:
    """Refuse now if another run holds `directory` (taking and dropping the lock)."""
    with RunLock(directory):
        pass


def _owner(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""


def _names(path: Path, fd: int) -> bool:
    """Whether `path` still names the file open as `fd`."""
    try:
        here, held = path.stat(), os.fstat(fd)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (held.st_dev, held.st_ino)
