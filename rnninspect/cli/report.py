"""`rnninspect report`: the self-contained interactive HTML page of one model.

    rnninspect report ptb -o ptb.html
    rnninspect report ptb --grads -o ptb.html
    rnninspect report ptb --probe -o ptb.html              # + gate heat-maps of one batch
    rnninspect report ptb-noreuse --against ptb -o diff.html
    rnninspect report model.py:build -o model.html --watch   # rewritten on every save

Served from the result cache like `show` (no TensorFlow import on a hit; --no-cache).

Importing this module does not import TensorFlow.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from rnninspect.cli.args import (
    Command,
    add_model_arguments,
    check_specs,
    inspect_from_args,
    load_options,
)
from rnninspect.cli.cache import add_watch_flag, watchable
from rnninspect.cli.paths import check_output_path
from rnninspect.errors import ExitStatus, InvalidOptionError


def add_report(report: argparse.ArgumentParser) -> None:
    add_model_arguments(report)
    report.add_argument("-o", "--output", metavar="PATH.html",
                        help="where to write the page (default: MODEL.html)")
    report.add_argument("--against", metavar="B",
                        help="a second model: show the compare diff, marked on both sides")
    report.add_argument("--grads", action="store_true",
                        help="add per-step gradient charts (traces once more, with gradients)")
    report.add_argument("--probe", action="store_true",
                        help="add heat-maps of one probe batch's gate activations (step × "
                        "unit, per gate and layer), linked from the kernels' gate blocks")
    report.add_argument("--seed", type=int, default=0, metavar="N",
                        help="--grads, --probe: seed of the synthetic batch (default: "
                        "%(default)s)")
    add_watch_flag(report)


def output_path(args: argparse.Namespace) -> Path:
    if args.output is not None:
        path = Path(args.output)
        if path.suffix.lower() not in (".html", ".htm"):
            raise InvalidOptionError(f"-o must name an .html file; got {args.output!r}")
        return path
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in args.model) or "report"
    return Path(f"{stem}.html")


def run_report(args: argparse.Namespace, out: Console, err: Console) -> int:
    from rnninspect.render.report import report_html
    from rnninspect.render.save import write_atomic

    path = check_output_path(str(output_path(args)), (".html", ".htm"))
    b = None
    if args.against is not None:
        b = argparse.Namespace(**vars(args))
        b.model = args.against
        check_specs(args, b)
    ins = inspect_from_args(args, err)
    against = None if b is None else inspect_from_args(b, err)
    grads = None
    if args.grads:
        from rnninspect.api import gradients

        with err.status(f"Taking per-step gradients of {args.model}…", spinner="dots"):
            grads = gradients(args.model, load_options(args), seed=args.seed,
                              cache=getattr(args, "cache", False))
    probed = None
    if args.probe:
        from rnninspect.probe.run import probe

        with err.status(f"Probing {args.model} on one batch…", spinner="dots"):
            probed = probe(args.model, load_options(args), seed=args.seed)
    history = _history(args.model)
    page = report_html(ins, against=against, grads=grads, history=history,
                       history_source=f"{args.model}/probe", probe=probed)
    write_atomic(path, page.encode("utf-8"))
    err.print(f"wrote {output_path(args)} ({len(page.encode('utf-8')) / 1024:,.0f} KiB)",
              highlight=False, markup=False)
    return ExitStatus.OK


def _history(model: str) -> list[dict[str, Any]] | None:
    """A run directory's probe snapshots (train --probe-every, ProbeCallback), if any."""
    from rnninspect.probe.history import has_history, read_history

    run = Path(model)
    return read_history(run) if run.is_dir() and has_history(run) else None


REPORT = Command("one self-contained interactive HTML page: table, findings, diagrams",
                 add_report, watchable(run_report))
