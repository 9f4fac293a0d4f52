"""`grads`: each time step's share of each weight's gradient."""

from __future__ import annotations

import argparse
import json

from rich.console import Console

from rnninspect.cli.args import Command, Elapsed, add_model_arguments, load_options, warn_if_large
from rnninspect.cli.ascii import write_json
from rnninspect.cli.cache import add_watch_flag, watchable
from rnninspect.errors import ExitStatus


def add_grads(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="seed of the synthetic batch (default: %(default)s)")
    parser.add_argument("--loss", metavar="NAME",
                        help="TF1 graphs: the scalar tensor to differentiate (default: the one "
                        "the program's training ops differentiate, else the sum of squares of "
                        "the outputs)")
    parser.add_argument("--copy", metavar="NAME",
                        help="TF1 graphs with several copies (Train/Valid/Test): the copy to "
                        "take gradients through (default: the training copy)")
    parser.add_argument("--format", choices=("table", "json"), default="table",
                        help="table (default) or json")
    add_watch_flag(parser)


def run_grads(args: argparse.Namespace, out: Console, err: Console) -> int:
    from rnninspect.api import gradients
    from rnninspect.render.grads import grads_renderable, grads_to_dict

    warn_if_large(args, err)
    with err.status(Elapsed(f"Tracing {args.model} and taking per-step gradients…"),
                    spinner="dots"):
        report = gradients(args.model, load_options(args), seed=args.seed, loss=args.loss,
                           copy=args.copy, cache=args.cache)
    if args.format == "json":
        write_json(out, json.dumps(grads_to_dict(report), indent=2) + "\n")
        return ExitStatus.OK
    out.print(grads_renderable(report))
    return ExitStatus.OK


GRADS = Command("each time step's share of each weight's gradient", add_grads, watchable(run_grads))
