"""Worker requests that crash or hang (tests/test_worker_faults.py): importable by the TF1
worker, which unpickles them."""

from __future__ import annotations

import ctypes
import os
import sys
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Crash:
    how: str  # "exit", "segv" or "hang"

    def run(self) -> None:
        print("about to crash", file=sys.stderr, flush=True)
        if self.how == "exit":
            os._exit(3)
        if self.how == "segv":
            ctypes.string_at(0)
        time.sleep(600)


@dataclass(frozen=True)
class CrashReading:
    """A request that reads a saved file (as `sources.isolated.ReadSavedFile` does) and dies
    of a segfault, as TensorFlow's reader can on a hostile file."""

    spec: str
    saved_file = True  # a class attribute, not a field: what `worker` looks for

    def run(self) -> None:
        print("reading", file=sys.stderr, flush=True)
        ctypes.string_at(0)
