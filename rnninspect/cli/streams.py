"""stdout for the CLI's console: a write that fails is one line, not an internal error.

`show --format json > out.json` on a full disk, or `> /dev/full`, fails inside rich's flush;
`GuardedStdout` turns that into an `OutputError` naming where stdout goes and the space left
there, and points stdout at /dev/null so that Python's own flush at exit does not fail again
with a second message. A closed pipe (`| head`) is left to the caller as it is.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TextIO

from rnninspect.errors import OutputError


class GuardedStdout:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as e:
            raise self._failed(e) from e

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as e:
            raise self._failed(e) from e

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding...: the stream's
        return getattr(self._stream, name)

    def _failed(self, error: OSError) -> OutputError:
        try:
            fd = self._stream.fileno()
        except (OSError, ValueError):
            return OutputError.writing("", "stdout", error)
        try:
            where = f"stdout ({Path(f'/proc/self/fd/{fd}').readlink()})"
        except OSError:
            where = "stdout"
        failure = OutputError.writing("", where, error, fd=fd)
        devnull = os.open(os.devnull, os.O_WRONLY)  # what is still buffered goes nowhere
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)
        return failure
