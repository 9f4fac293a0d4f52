"""`--watch`: run a command again on every save of the model's source files.

TensorFlow stays imported and the TF1 worker stays warm between runs. The watched files are
the ones the last build recorded (`sources.record`: the user's file and its local modules,
or a saved model's files). Each run imports the user's modules afresh and resets Keras's
global names; the redrawn view is preceded by one line, "changed: model.py — 2 variables
added, kernel reshaped", from `analysis.compare.diff`. An error in the edited file is shown
as its one line and the watch goes on. Files are polled (stat + content hash, every
`POLL_SECONDS`): no extra dependency, and a save that keeps the mtime is still seen.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from rnninspect.errors import ExitStatus, InvalidOptionError, RnnInspectError
from rnninspect.model import Inspection
from rnninspect.render.visible import shown_line

Run = Callable[[argparse.Namespace, Console, Console], int]
Files = dict[str, str]  # path -> sha256 when last built
POLL_SECONDS = 0.1


def change_summary(before: Inspection, after: Inspection) -> str:
    """What changed between two runs, in a few words ("2 variables added, kernel reshaped")."""
    from rnninspect.analysis.compare import ChangeKind, diff

    changes = diff(before, after)
    parts = []
    for kind, verb in ((ChangeKind.ADDED, "added"), (ChangeKind.REMOVED, "removed"),
                       (ChangeKind.RESHAPED, "reshaped"),
                       (ChangeKind.NEWLY_SHARED, "now shared"),
                       (ChangeKind.NEWLY_UNSHARED, "no longer shared")):
        names = [c.name.rsplit("/", 1)[-1] for c in changes if c.kind is kind]
        if 0 < len(names) <= 2 and kind not in (ChangeKind.ADDED, ChangeKind.REMOVED):
            parts.append(f"{' and '.join(names)} {verb}")
        elif names:
            parts.append(f"{len(names)} variable{'s' if len(names) > 1 else ''} {verb}")
    if before.num_steps != after.num_steps:
        parts.append(f"steps {before.num_steps} → {after.num_steps}")
    if not parts and before.total_params != after.total_params:
        parts.append(f"parameters {before.total_params:,} → {after.total_params:,}")
    return ", ".join(parts) or "no change to the variables"


def _first_files(spec: str) -> Files:
    from rnninspect.cache import saved_file_deps
    from rnninspect.sources import UserSource, resolve
    from rnninspect.sources.code import source_path
    from rnninspect.sources.record import file_hash
    from rnninspect.sources.user import parse_code_spec

    if not isinstance(resolve(spec), UserSource):
        raise InvalidOptionError(
            f"--watch follows a user model's source files; {spec!r} is a built-in model")
    code = parse_code_spec(spec)
    if code is None:
        return dict(saved_file_deps(spec))
    path = str(source_path(code).resolve())
    return {path: file_hash(path)}


def _changed(files: Files) -> list[str]:
    from rnninspect.sources.record import dep_hash

    return [p for p, h in files.items() if dep_hash(p) != h]


def _reset_keras() -> None:
    keras = sys.modules.get("keras")
    if keras is not None:  # global name counters: "lstm", not "lstm_7", on every run
        keras.backend.clear_session()


class _Observer:
    """Listens to `api.inspect` during one run: keeps what it made, and says what changed."""

    def __init__(self, err: Console, previous: Inspection | None, changed: list[str]) -> None:
        self.err, self.previous, self.changed = err, previous, changed
        self.inspection: Inspection | None = None
        self.deps: tuple[tuple[str, str], ...] = ()

    def __call__(self, ins: Inspection, deps: tuple[tuple[str, str], ...]) -> None:
        self.inspection, self.deps = ins, deps
        if self.previous is not None and self.changed:
            names = ", ".join(Path(p).name for p in self.changed)
            self.err.print(shown_line(f"changed: {names} — {change_summary(self.previous, ins)}"),
                           markup=False, highlight=False, soft_wrap=True)


def _checkable(deps: tuple[tuple[str, str], ...]) -> Files:
    """Files and environment variables whose changes can be seen (not ``unproven:``)."""
    from rnninspect.sources.record import UNPROVEN

    return {p: h for p, h in deps if not p.startswith(UNPROVEN)}


def _next_files(files: Files, seen: _Observer) -> Files:
    from rnninspect.sources.record import file_hash, last_sources

    if seen.deps:
        return _checkable(seen.deps)
    recorded = last_sources()
    if recorded and recorded[0][0] in files:  # an in-process build failed: what it imported
        return {**files, **_checkable(recorded)}
    return {p: file_hash(p) for p in files}  # failed elsewhere (the TF1 worker): as it is now


def watch(args: argparse.Namespace, out: Console, err: Console, run: Run, *,
          max_cycles: int | None = None) -> int:
    """Run `run` now and after each change to the files it read; `max_cycles` runs at most
    (tests), else until Ctrl-C (exit 130, handled by `cli.main`)."""
    from rnninspect.api import observing

    files = _first_files(args.model)
    previous: Inspection | None = None
    status: int = ExitStatus.OK
    changed: list[str] = []
    cycle = 0
    while True:
        seen = _Observer(err, previous, changed)
        if cycle and out.is_terminal:
            out.clear()
        _reset_keras()
        try:
            with observing(seen):
                status = run(args, out, err)
        except InvalidOptionError:  # no edit of the model fixes a bad option
            raise
        except RnnInspectError as e:
            status = ExitStatus.ERROR
            err.print(f"rnninspect: error: {shown_line(str(e))}", markup=False,
                      highlight=False, soft_wrap=True)
        files = _next_files(files, seen)
        previous = seen.inspection or previous
        cycle += 1
        if max_cycles is not None and cycle >= max_cycles:
            return status
        err.print(f"watching {len(files)} file{'s' if len(files) != 1 else ''} "
                  "(Ctrl-C to stop)", markup=False, highlight=False, style="dim")
        while not (changed := _changed(files)):
            time.sleep(POLL_SECONDS)
        time.sleep(POLL_SECONDS / 2)  # let the editor finish writing
