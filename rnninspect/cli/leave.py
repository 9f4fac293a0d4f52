"""Leaving the process: a model's code may leave threads behind that nothing will stop.

Python waits for every non-daemon thread before it exits, so a build that starts one (a data
loader, a server, a `threading.Timer`) would keep `rnninspect show` from ever returning after
it has printed its result. `leave` exits with the command's status anyway: it runs the atexit
handlers, flushes the streams and ends the process without that wait.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from typing import NoReturn


def stray_threads() -> list[threading.Thread]:
    """Live non-daemon threads other than the main one (Python would wait for them)."""
    main = threading.main_thread()
    return [t for t in threading.enumerate() if t is not main and t.is_alive() and not t.daemon]


def leave(code: int) -> NoReturn:
    stray = stray_threads()
    if not stray:
        sys.exit(code)
    from rnninspect.render.visible import shown_line

    names = shown_line(", ".join(sorted(t.name for t in stray)))  # the model's text: escaped
    many = len(stray) != 1
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(f"rnninspect: note: the model's code left {len(stray)} thread"
                         f"{'s' * many} running ({names}); exiting without waiting for "
                         f"{'them' if many else 'it'}\n")
    atexit._run_exitfuncs()  # what a normal exit runs after joining threads
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
