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
