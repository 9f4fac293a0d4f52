"""Stopping a training run on a signal: Ctrl-C (SIGINT), SIGTERM (a scheduler, `kill`,
`docker stop`) and SIGHUP (a closed terminal or SSH session) all ask the run to stop after
the current step, save its checkpoint and exit 130, 143 or 129 (128 + the signal), so that
`--resume` continues it. A second signal aborts at once: Ctrl-C with KeyboardInterrupt, the
others by the signal itself (checkpoints are written atomically, so none is torn).

`STOP` is the one request of the process: `rnninspect train` holds it from its start (a
signal during Keras' import or the model build still ends in a checkpoint, at step 0), the
training loop reads it between steps.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

from rnninspect.errors import ExitStatus

SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                if hasattr(signal, name))


class StopRequest:
    """A context in which the signals above request a stop instead of ending the process;
    re-entrant (the command and the loop both enter it), restored on the outermost exit."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._old: dict[int, Any] = {}
        self._depth = 0

    @property
    def requested(self) -> bool:
        return self.signum is not None

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else "none"

    @property
    def status(self) -> int:
        """The exit status of a run stopped this way: 130, 143, 129 (128 + the signal)."""
        if self.signum == signal.SIGTERM:
            return ExitStatus.TERMINATED
        if self.signum == getattr(signal, "SIGHUP", None):
            return ExitStatus.HANGUP
        return ExitStatus.INTERRUPTED

    def __enter__(self) -> StopRequest:
        if self._depth == 0:
            self.signum = None
            if threading.current_thread() is threading.main_thread():
                self._old = {s: signal.signal(s, self._handle) for s in SIGNALS}
        self._depth += 1
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.signum is None:
            self.signum = signum
            return
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        signal.signal(signum, signal.SIG_DFL)  # the second request: die by the signal
        os.kill(os.getpid(), signum)

    def __exit__(self, *exc: Any) -> None:
        self._depth -= 1
        if self._depth == 0:
            for s, old in self._old.items():
                signal.signal(s, old)
            self._old = {}


STOP = StopRequest()
