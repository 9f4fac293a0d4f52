"""Probe snapshots during training: `RUN/probe/step-NNNNNN.json`, one per snapshot.

Each file is a `rnninspect.probe/1` document (`probe.document`) plus `step` (training steps
done when it was taken, counted over the whole run), `epoch` (the 1-based epoch it was taken
in) and `end_of_epoch`. `record` is the one code path `train --probe-every` and
`rnninspect.keras.ProbeCallback` share: probe the live model (`probe.snapshot`), write the
document atomically (a temporary file renamed over the name: a kill leaves the old file or
the new one, never half of one). `read_history` reads them back, oldest first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rnninspect.errors import InvalidOptionError, OutputError
from rnninspect.probe.document import probe_to_dict
from rnninspect.probe.model import SCHEMA

PROBE_DIR = "probe"


def snapshot_path(run_dir: Path, step: int) -> Path:
    return run_dir / PROBE_DIR / f"step-{step:06d}.json"


def record(run_dir: Path, model: Any, inputs: Sequence[Any], *, step: int, epoch: int,
           end_of_epoch: bool, name: str | None = None,
           call: Callable[[list[Any]], Any] | None = None,
           notes: tuple[str, ...] = ()) -> Path:
    """Probe `model` on `inputs` now and write the snapshot for `step`; returns its path."""
    from rnninspect.probe.snapshot import snapshot
    from rnninspect.render.save import write_atomic

    report = snapshot(model, inputs, name=name, call=call, notes=notes)
    document = {**probe_to_dict(report), "step": step, "epoch": epoch,
                "end_of_epoch": end_of_epoch}
    path = snapshot_path(run_dir, step)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError.writing("probe directory", path.parent, e) from e
    write_atomic(path, (json.dumps(document, indent=1) + "\n").encode("utf-8"))
    return path


def has_history(run_dir: Path) -> bool:
    return any((run_dir / PROBE_DIR).glob("step-*.json"))


def read_history(run_dir: Path) -> list[dict[str, Any]]:
    """The snapshots of `run_dir`, by step; a file that is not one is one line naming it."""
    found = []
    for path in sorted((run_dir / PROBE_DIR).glob("step-*.json")):
        try:
            document = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise InvalidOptionError(f"{path}: not a probe snapshot ({type(e).__name__}); "
                                     "delete it (train --probe-every writes them)") from None
        if not isinstance(document, dict) or document.get("schema") != SCHEMA \
                or not isinstance(document.get("step"), int):
            raise InvalidOptionError(f"{path}: not a probe snapshot ({SCHEMA} with a step); "
                                     "delete it (train --probe-every writes them)")
        found.append(document)
    return sorted(found, key=lambda d: int(d["step"]))
