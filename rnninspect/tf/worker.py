"""A child process that builds TF1 (tf.compat.v1) graphs and returns them traced.

TF1 cells (`tf.compat.v1.nn.rnn_cell.*`) exist only when ``TF_USE_LEGACY_KERAS=1`` is set
before TensorFlow is imported, and that switch also changes what `tf.keras` means. Building
legacy sources here keeps the user's own process untouched (DESIGN.md §2). The protocol is
pickled request objects on stdin and pickled replies on stdout. A request is a frozen
dataclass of an rnninspect module with a `run()` method (`tf.zoo.TraceLegacy`,
`tf.gradients.LegacyGradients`, `sources.code.BuildCode`); the worker imports none of them
itself — unpickling does — so it sits below everything that calls it.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import IO, Any, Protocol

from rnninspect.errors import RnnInspectError, TraceError

_worker: subprocess.Popen[bytes] | None = None
_worker_log: IO[bytes] | None = None


class Request(Protocol):
    """What the worker runs: pickled by the caller, `run()` in the TF1 process."""

    def run(self) -> Any: ...


class WorkerError(TraceError):
    """The worker raised; `details` keeps its traceback for --traceback."""

    def __init__(self, message: str, details: str, original: str) -> None:
        super().__init__(message)
        self.details = details
        self.original = original


class WorkerDied(TraceError):
    """The worker died (a signal, an exit) or stopped answering while running a request."""


def _start() -> subprocess.Popen[bytes]:
    global _worker, _worker_log
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("KERAS_BACKEND", None)
    if _worker_log is not None:  # the log of a worker that died before
        _worker_log.close()
    _worker_log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the worker
    _worker = subprocess.Popen(
        [sys.executable, "-m", "rnninspect.tf.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=_worker_log,
        env=env,
    )
    atexit.register(shutdown)
    return _worker


def shutdown() -> None:
    global _worker, _worker_log
    if _worker is not None and _worker.poll() is None:
        assert _worker.stdin is not None
        _worker.stdin.close()
        try:
            _worker.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _worker.kill()
    if _worker is not None:  # a dead worker's pipes are closed too (no ResourceWarning)
        for stream in (_worker.stdin, _worker.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            _worker.wait(timeout=5)
    _worker = None
    if _worker_log is not None:  # its log goes with it (no ResourceWarning at exit)
        _worker_log.close()
        _worker_log = None


def call(request: Request) -> Any:
    """Run `request` in the worker (started on first use, then reused) and return its reply."""
    worker = _worker if _worker is not None and _worker.poll() is None else _start()
    assert worker.stdin is not None and worker.stdout is not None
    try:
        pickle.dump(request, worker.stdin)
        worker.stdin.flush()
        status, reply, retire = pickle.load(worker.stdout)
    except (EOFError, BrokenPipeError, pickle.UnpicklingError) as e:
        said = _death(request, _cause(worker))  # before shutdown closes the log it quotes
        shutdown()
        raise WorkerDied(said) from e
    if retire:  # the request changed TensorFlow's process-wide switches: the next one
        shutdown()  # gets a fresh worker, not a graph-mode one
    if status == "ok":
        return reply
    kind, message, details = reply
    if kind == "user":
        raise RnnInspectError(message)
    saved = _saved_file(request)
    if saved is not None:  # what failed on a saved file is named with it
        message = (f"{saved!r}: {message} (TensorFlow could not run the file: if it is "
                   f"damaged, write it again; else rerun with --traceback and report it)")
    raise WorkerError(message, details, kind)


def _spec(request: Request) -> str | None:
    """The model a request works on: its `spec`, or its `code.spec`."""
    spec = getattr(request, "spec", None) or getattr(getattr(request, "code", None), "spec", None)
    return spec if isinstance(spec, str) else None


def _saved_file(request: Request) -> str | None:
    """The spec of a request that reads a saved file (not FILE.py:NAME), else None."""
    spec = _spec(request)
    saved = getattr(request, "saved_file", False) or (spec is not None and Path(spec).exists())
    return spec if saved else None


def _death(request: Request, cause: str) -> str:
    """One line for a worker that died running `request`: the model it was loading and what
    to do. A saved file that kills TensorFlow's reader (a CHECK failure, a stack overflow, a
    segfault) is damaged or made to crash readers; code may crash it itself."""
    tail = f"last output: {_log_tail()}"
    saved = _saved_file(request)
    if saved is not None:
        return (f"{saved!r} crashed TensorFlow's reader (the separate process that reads it "
                f"{cause}): the file is damaged or made to crash readers; write it again from "
                f"the model that made it; {tail}")
    spec = _spec(request)
    what = f"{spec!r}" if spec is not None else "the model"
    return (f"the separate process that builds TF1 code {cause} while building {what} (its "
            f"own code, or TensorFlow under it); {tail}")


def _cause(worker: subprocess.Popen[bytes]) -> str:
    """'was killed by SIGSEGV' / 'exited with code 3' (waiting briefly for the exit)."""
    try:
        code = worker.wait(timeout=5)
    except subprocess.TimeoutExpired:
        return "stopped answering"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def _log_tail(lines: int = 3) -> str:
    if _worker_log is None:
        return "none"
    _worker_log.seek(0)
    found = [x.strip() for x in _worker_log.read().decode(errors="replace").splitlines()
             if x.strip()]
    return " | ".join(found[-lines:])[-600:] if found else "none"


def _die_with_parent() -> None:
    """The worker ends when rnninspect does (SIGTERM, SIGKILL, a crash), even mid-build:
    Linux's parent-death signal where there is one, and a watch on the parent's pid."""
    parent = os.getppid()
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="rnninspect-parent-watch").start()


# --- the worker side ------------------------------------------------------------------------


def _handle(request: Any) -> Any:
    kind = type(request)
    run = getattr(request, "run", None)
    if not dataclasses.is_dataclass(request) or not callable(run):
        raise ValueError(f"unknown request {kind.__module__}.{kind.__qualname__}")
    return run()


def main() -> None:
    _die_with_parent()
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything the models print goes to the log, never into the protocol
    requests = sys.stdin.buffer
    from rnninspect.tf.imports import import_tensorflow

    import_tensorflow()
    switches = _tf_switches()
    while True:
        try:
            request = pickle.load(requests)
        except EOFError:
            return
        try:
            reply: tuple[str, Any] = ("ok", _handle(request))
        except RnnInspectError as e:
            reply = ("error", ("user", str(e), traceback.format_exc()))
        except Exception as e:
            from rnninspect.tf.framework_errors import explain

            name = type(e).__name__
            explained = explain(e)
            reply = ("error", ("user", explained, traceback.format_exc()) if explained
                     else (name, f"{name}: {e}", traceback.format_exc()))
        pickle.dump((*reply, _tf_switches() != switches), replies)
        replies.flush()


def _tf_switches() -> tuple[bool, ...]:
    """TensorFlow's process-wide behaviour that user code may change for good: a TF1 program's
    `tf.compat.v1.disable_v2_behavior()` (or `disable_eager_execution`,
    `disable_control_flow_v2`, `disable_resource_variables`). Eager execution cannot be
    turned back on once graph ops exist, so a worker whose switches moved is retired."""
    import tensorflow as tf
    from tensorflow.python import tf2

    v1 = tf.compat.v1
    return (tf2.enabled(), tf.executing_eagerly(), v1.control_flow_v2_enabled(),
            v1.resource_variables_enabled())


if __name__ == "__main__":
    main()
