"""`probe`: gates, states, dead units and the first non-finite value, per step and layer."""

from __future__ import annotations

import argparse
import json

from rich.console import Console

from rnninspect.cli.args import Command, Elapsed, add_model_arguments, load_options, warn_if_large
from rnninspect.errors import ExitStatus


def add_probe(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the synthetic batch and of the initialisers")
    parser.add_argument("--input", metavar="FILE.npz", dest="input_file",
                        help="feed these arrays (one per model input, by input name or "
                        "arr_0, arr_1, …) instead of a synthetic batch")
    parser.add_argument("--data", metavar="PATH",
                        help="built-in ptb / mnist models: probe on the first batch of real "
                        "data, as `train --data` takes it (ptb: a dir of ptb.*.txt — its "
                        "validation text — or one text file; mnist: mnist.npz or a dir of IDX "
                        "files)")
    parser.add_argument("--checkpoint", metavar="PATH",
                        help="weights from a run of `rnninspect train` (its directory or "
                        "checkpoint.npz; a built-in model takes the run's config) or a TF "
                        "checkpoint (model.ckpt-N) for a TF1 graph; default: the initialisers")
    parser.add_argument("--format", choices=("table", "json"), default="table",
                        help="table (default) or json (schema rnninspect.probe/1; with "
                        "--history rnninspect.probe-history/1)")
    parser.add_argument("--history", action="store_true",
                        help="MODEL is a run directory: tabulate its snapshots (train "
                        "--probe-every, rnninspect.keras.ProbeCallback) instead of probing")


def run_probe(args: argparse.Namespace, out: Console, err: Console) -> int:
    from rnninspect.probe.document import probe_to_dict
    from rnninspect.probe.run import probe, run_family
    from rnninspect.render.probe import probe_renderable

    if args.history:
        return _history(args, out)
    if args.checkpoint is None and (family := run_family(args.model)) is not None:
        args.model, args.checkpoint = family, args.model  # a run: its model, its weights
    warn_if_large(args, err)
    with err.status(Elapsed(f"Tracing {args.model} and running one forward pass…"),
                    spinner="dots"):
        report = probe(args.model, load_options(args), seed=args.seed,
                       input_file=args.input_file, checkpoint=args.checkpoint,
                       data=args.data)
    if args.format == "json":
        out.file.write(json.dumps(probe_to_dict(report), indent=2) + "\n")
        return ExitStatus.OK
    out.print(probe_renderable(report))
    return ExitStatus.OK


def _history(args: argparse.Namespace, out: Console) -> int:
    """`probe RUN --history`: the run's snapshots, read back (no TensorFlow)."""
    from dataclasses import asdict
    from pathlib import Path

    from rnninspect.errors import InvalidOptionError
    from rnninspect.probe.history import has_history, read_history
    from rnninspect.probe.trend import trend
    from rnninspect.render.probe import history_renderable

    given = [flag for flag, value in (("--input", args.input_file), ("--data", args.data),
                                      ("--checkpoint", args.checkpoint)) if value is not None]
    if given:
        raise InvalidOptionError(f"--history reads the snapshots a run recorded; {given[0]} "
                                 "does not apply to it (drop one of them)")
    run = Path(args.model)
    if not run.is_dir() or not has_history(run):
        what = "is not a directory" if not run.is_dir() else "holds no probe snapshots"
        raise InvalidOptionError(
            f"--history: {args.model} {what} (RUN/probe/step-*.json); record them with "
            "`rnninspect train … --checkpoint RUN --probe-every N` or "
            "rnninspect.keras.ProbeCallback(RUN, …)")
    found = trend(read_history(run))
    if args.format == "json":
        document = {"schema": HISTORY_SCHEMA, **asdict(found)}
        out.file.write(json.dumps(document, indent=2) + "\n")
        return ExitStatus.OK
    out.print(history_renderable(found))
    return ExitStatus.OK


HISTORY_SCHEMA = "rnninspect.probe-history/1"

PROBE = Command("gate saturation, state norms, dead units and the first Inf/NaN, per step",
                add_probe, run_probe)
