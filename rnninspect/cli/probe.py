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
                        help="table (default) or json (schema rnninspect.probe/1)")


def run_probe(args: argparse.Namespace, out: Console, err: Console) -> int:
    from rnninspect.probe.document import probe_to_dict
    from rnninspect.probe.run import probe, run_family
    from rnninspect.render.probe import probe_renderable

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


PROBE = Command("gate saturation, state norms, dead units and the first Inf/NaN, per step",
                add_probe, run_probe)
