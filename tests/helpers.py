"""What several test modules share (no test module imports another): a fixed-width
colourless console, the CLI run through `cli.main`, and the one golden-file check."""

from __future__ import annotations

import dataclasses
import io
import os
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from rnninspect.cli import main

GOLDEN = Path(__file__).parent / "golden"
OVERWRITE = os.environ.get("RNNINSPECT_OVERWRITE") == "1"
SMALL = ["--dialect", "keras", "--num-steps", "4", "--hidden", "8", "--vocab", "50"]


def make_console(width: int = 100) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False,
                      legacy_windows=False, highlight=False)
    return console, buffer


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """Run a subcommand through `rnninspect.cli.main`, capturing stdout and stderr."""
    out, out_buf = make_console(100)
    err, err_buf = make_console(100)
    code = main(argv, console=out, err_console=err)
    return code, out_buf.getvalue(), err_buf.getvalue()


def check_golden(relative: str, text: str, *, overwrite: bool = OVERWRITE) -> None:
    """Compare `text` with tests/golden/`relative`; write it instead when `overwrite` (or
    when the file is missing, failing so the new file is looked at)."""
    path = GOLDEN / relative
    if overwrite or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not overwrite:
            pytest.fail(f"golden file {relative} did not exist; written — rerun")
    assert text == path.read_text(encoding="utf-8"), (
        f"differs from golden {relative} (pytest --overwrite or RNNINSPECT_OVERWRITE=1 to accept)")


def free_ports(n: int) -> list[int]:
    """`n` TCP ports on 127.0.0.1 that were free a moment ago (multi-worker tests)."""
    import socket

    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def same_to_float32(a: object, b: object, rel: float = 1e-6) -> bool:
    """a == b, except that floats need only agree to `rel` (float32 precision), through
    tuples, lists, dicts and dataclasses. The same weights and data can still differ in the
    last bit: TensorFlow's CPU kernels may add partial sums in a thread-dependent order."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and same_to_float32(dataclasses.astuple(a),
                                                      dataclasses.astuple(b), rel)
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=rel, abs=0.0)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(
            same_to_float32(x, y, rel) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_to_float32(a[k], b[k], rel) for k in a)
    return a == b


def corpus_share(
    programs: list[str], part: int, parts: int = 3, marks: dict[str, Any] | None = None
) -> list[Any]:
    """`programs` as pytest parameters: one share in `parts` (every `parts`-th program from
    `part`) in the default run, the rest marked `slow` (`make test-all` runs them all), each
    with its mark from `marks` too. Suites that run every corpus program take different parts,
    so each program still meets one of them by default while the default run stays within its
    time."""
    marks = marks or {}
    return [pytest.param(name, marks=[*([marks[name]] if name in marks else []),
                                      *([] if i % parts == part else [pytest.mark.slow])])
            for i, name in enumerate(programs)]
