"""`rnninspect report`: the self-contained interactive HTML page of one model.

    rnninspect report ptb -o ptb.html
    rnninspect report ptb --grads -o ptb.html
    rnninspect report ptb-noreuse --against ptb -o diff.html

Importing this module does not import TensorFlow.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from rnninspect.errors import InvalidOptionError


def add_report_parser(sub: Any) -> argparse.ArgumentParser:
    """Add `report` to `rnninspect`'s subparsers action; returns the new parser."""
    from rnninspect.cli import add_model_arguments

    report: argparse.ArgumentParser = sub.add_parser(
        "report", help="one self-contained interactive HTML page: table, findings, diagrams")
    add_model_arguments(report)
    report.add_argument("-o", "--output", metavar="PATH.html",
                        help="where to write the page (default: MODEL.html)")
    report.add_argument("--against", metavar="B",
                        help="a second model: show the compare diff, marked on both sides")
    report.add_argument("--grads", action="store_true",
                        help="add per-step gradient charts (traces once more, with gradients)")
    report.add_argument("--seed", type=int, default=0, help="--grads: seed of the synthetic batch")
    return report


def output_path(args: argparse.Namespace) -> Path:
    if args.output is not None:
        path = Path(args.output)
        if path.suffix.lower() not in (".html", ".htm"):
            raise InvalidOptionError(f"-o must name an .html file; got {args.output!r}")
        return path
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in args.model) or "report"
    return Path(f"{stem}.html")


def cmd_report(args: argparse.Namespace, out: Console, err: Console) -> int:
    from rnninspect.cli import inspect_from_args
    from rnninspect.render.report import report_html
    from rnninspect.render.save import write_atomic

    path = output_path(args)
    ins = inspect_from_args(args, err)
    against = None
    if args.against is not None:
        b = argparse.Namespace(**vars(args))
        b.model = args.against
        against = inspect_from_args(b, err)
    grads = None
    if args.grads:
        from rnninspect.grads_zoo import zoo_gradients
        from rnninspect.sources import LoadOptions

        options = LoadOptions(args.dialect, args.config, args.num_steps, args.hidden,
                              args.layers, args.vocab, args.batch)
        with err.status(f"Taking per-step gradients of {args.model}…", spinner="dots"):
            grads = zoo_gradients(args.model, options, seed=args.seed)
    page = report_html(ins, against=against, grads=grads)
    write_atomic(path, page.encode("utf-8"))
    err.print(f"wrote {path} ({len(page.encode('utf-8')) / 1024:,.0f} KiB)",
              highlight=False, markup=False)
    return 0
