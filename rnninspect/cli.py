"""Command line: `rnninspect COMMAND ...`. Importing this module does not import TensorFlow."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Any, NoReturn

from rich.console import Console

from rnninspect.errors import InvalidOptionError, RnnInspectError


class ExitStatus(IntEnum):
    OK = 0
    FAILURE = 1  # a check failed (check, train with NaN loss)
    ERROR = 2  # bad input: one line on stderr
    INTERRUPTED = 130


class OneLineParser(argparse.ArgumentParser):
    """argparse, but errors are one line (plus where to get help) and exit 2."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("argument ") and ": --" in message:
            message = message.split(": ", 1)[1]  # our own type checks already name the flag
        raise RnnInspectError(f"{message} (see: {self.prog} --help)")


def positive_int(flag: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} takes a whole number; got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{flag} must be ≥ 1; got {value}")
        return value

    return parse


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="built-in model name (see `rnninspect models`)")
    group = parser.add_argument_group("model options")
    group.add_argument("--dialect", help="legacy (TF1 graph) or keras (Keras 3); default legacy")
    group.add_argument("--config", help="named config, e.g. small, medium, large, test")
    group.add_argument("--num-steps", type=positive_int("--num-steps"), metavar="T")
    group.add_argument("--hidden", type=positive_int("--hidden"), metavar="N")
    group.add_argument("--layers", type=positive_int("--layers"), metavar="N")
    group.add_argument("--vocab", type=positive_int("--vocab"), metavar="N")
    group.add_argument("--batch", type=positive_int("--batch"), metavar="N")


def inspect_from_args(args: argparse.Namespace, err: Console, *, step: int | None = None) -> Any:
    from rnninspect.api import inspect

    with err.status(f"Building and tracing {args.model} (TensorFlow)…", spinner="dots"):
        return inspect(
            args.model,
            dialect=args.dialect,
            config=args.config,
            num_steps=args.num_steps,
            hidden=args.hidden,
            layers=args.layers,
            vocab=args.vocab,
            batch=args.batch,
            step=step,
        )


# --- commands ---------------------------------------------------------------------------------


def cmd_models(args: argparse.Namespace, out: Console, err: Console) -> int:
    from rich.table import Table
    from rich.text import Text

    from rnninspect import zoo

    table = Table(title="Built-in models", title_justify="left")
    table.add_column("name", no_wrap=True)
    table.add_column("dialects", no_wrap=True)
    table.add_column("configs")
    table.add_column("what it is")
    for m in zoo.MODELS.values():
        configs = ", ".join(f"{c}*" if c == m.default_config else c for c in m.configs)
        dialects = ", ".join(f"{d}*" if d == m.default_dialect else d for d in m.dialects)
        table.add_row(m.name, dialects, configs, Text(m.description))
    table.caption = "* default. Overrides: --num-steps --hidden --layers --vocab --batch"
    out.print(table)
    return ExitStatus.OK


def cmd_show(args: argparse.Namespace, out: Console, err: Console) -> int:
    ins = inspect_from_args(args, err)
    if args.format == "json":
        out.file.write(ins.to_json() + "\n")
        return ExitStatus.OK
    from rnninspect.render.tables import show_renderable

    out.print(show_renderable(ins))
    return ExitStatus.OK


def cmd_diagram(args: argparse.Namespace, out: Console, err: Console) -> int:
    from rnninspect.render.diagram import to_dot
    from rnninspect.render.save import save_diagram

    if args.step is not None and args.view != "step":
        raise InvalidOptionError(f"--step applies to --view step; got --view {args.view}")
    if args.output is None and args.format not in (None, "dot"):
        raise InvalidOptionError(
            f"--format {args.format} writes a file; add -o PATH (DOT text alone goes to stdout)"
        )
    ins = inspect_from_args(args, err, step=args.step)
    if args.step is not None and ins.num_steps is not None and not (
        0 <= args.step < ins.num_steps
    ):
        raise InvalidOptionError(
            f"--step must be between 0 and {ins.num_steps - 1} for this model; got {args.step}"
        )
    head = None if args.head == 0 else args.head
    digraph = to_dot(ins, view=args.view, head=head, step=args.step, max_nodes=args.max_nodes)
    if args.output is None:
        out.file.write(digraph.source)
        return ExitStatus.OK
    path = save_diagram(digraph, args.output, args.format)
    err.print(f"wrote {path}", highlight=False, markup=False)
    return ExitStatus.OK


def cmd_export(args: argparse.Namespace, out: Console, err: Console) -> int:
    from rnninspect.render.graph_export import graph_text, write_graph

    ins = inspect_from_args(args, err)
    if args.output is None:
        out.file.write(graph_text(ins, args.format or "json"))
        return ExitStatus.OK
    path = write_graph(ins, args.output, args.format)
    err.print(f"wrote {path}", highlight=False, markup=False)
    return ExitStatus.OK


def cmd_grads(args: argparse.Namespace, out: Console, err: Console) -> int:
    from rnninspect.api import gradients
    from rnninspect.render.grads import grads_renderable, grads_to_dict
    from rnninspect.sources import LoadOptions

    options = LoadOptions(args.dialect, args.config, args.num_steps, args.hidden, args.layers,
                          args.vocab, args.batch)
    with err.status(f"Tracing {args.model} and taking per-step gradients…", spinner="dots"):
        report = gradients(args.model, options, seed=args.seed)
    if args.format == "json":
        import json

        out.file.write(json.dumps(grads_to_dict(report), indent=2) + "\n")
        return ExitStatus.OK
    out.print(grads_renderable(report))
    return ExitStatus.OK


def cmd_train(args: argparse.Namespace, out: Console, err: Console) -> int:
    import os

    from rnninspect.errors import BackendError
    from rnninspect.train.command import run

    try:
        return int(run(args, out))
    except ModuleNotFoundError as e:
        if e.name and e.name.split(".")[0] in ("jax", "jaxlib", "torch"):
            backend = os.environ.get("KERAS_BACKEND", "")
            raise BackendError(
                f"KERAS_BACKEND={backend} needs {e.name.split('.')[0]}, which is not installed "
                f"here; pip install {e.name.split('.')[0]} (or unset KERAS_BACKEND to train on "
                "TensorFlow)"
            ) from e
        raise


COMMANDS: dict[str, Callable[[argparse.Namespace, Console, Console], int]] = {
    "models": cmd_models,
    "show": cmd_show,
    "diagram": cmd_diagram,
    "export": cmd_export,
    "train": cmd_train,
    "grads": cmd_grads,
}


def _command(name: str) -> Callable[[argparse.Namespace, Console, Console], int]:
    if name in COMMANDS:
        return COMMANDS[name]
    from rnninspect.commands import COMMANDS as more

    return more[name]


def build_parser() -> argparse.ArgumentParser:
    from rnninspect import __version__

    parser = OneLineParser(
        prog="rnninspect",
        description="Where every weight of a TensorFlow RNN lives, which time steps share it, "
        "and what looks wrong.",
    )
    parser.add_argument("--version", action="version", version=f"rnninspect {__version__}")
    parser.add_argument("--traceback", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True

    sub.add_parser("models", help="list the built-in models, dialects and configs")

    show = sub.add_parser("show", help="variables, shapes, roles, steps and sharing of a model")
    add_model_arguments(show)
    show.add_argument("--format", choices=("table", "json"), default="table")

    diagram = sub.add_parser("diagram", help="Graphviz diagram: rolled, unrolled or one step")
    add_model_arguments(diagram)
    diagram.add_argument("--view", choices=("rolled", "unrolled", "step"), default="rolled")
    diagram.add_argument("--step", type=int, metavar="T", help="--view step: which time step")
    diagram.add_argument("--head", type=int, default=3, metavar="K",
                         help="unrolled: steps drawn before the elided middle (0: draw all)")
    diagram.add_argument("--max-nodes", type=positive_int("--max-nodes"), default=2000,
                         metavar="N", help="refuse to draw more nodes than this")
    diagram.add_argument("-o", "--output", metavar="PATH",
                         help="write .svg/.png/.pdf/.dot (default: DOT text on stdout)")
    diagram.add_argument("--format", choices=("dot", "svg", "png", "pdf"),
                         help="override the format the suffix implies")

    export = sub.add_parser("export", help="the analysis graph as node-link JSON, GraphML, GEXF")
    add_model_arguments(export)
    export.add_argument("--format", choices=("json", "graphml", "gexf"))
    export.add_argument("-o", "--output", metavar="PATH", help="default: stdout")

    grads = sub.add_parser("grads", help="each time step's share of each weight's gradient")
    add_model_arguments(grads)
    grads.add_argument("--seed", type=int, default=0, help="seed of the synthetic batch")
    grads.add_argument("--format", choices=("table", "json"), default="table")

    from rnninspect.commands import add_parsers as add_sharing_parsers

    add_sharing_parsers(sub)

    from rnninspect.train.command import add_arguments as add_train_arguments

    train = sub.add_parser("train", help="train a seed model (Keras 3: TensorFlow, JAX, torch)")
    add_train_arguments(train)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    console: Console | None = None,
    err_console: Console | None = None,
) -> int:
    out = console or Console()
    err = err_console or Console(stderr=True)
    argv = list(sys.argv[1:] if argv is None else argv)
    show_traceback = "--traceback" in argv
    try:
        args = build_parser().parse_args(argv)
        return int(_command(args.command)(args, out, err))
    except KeyboardInterrupt:
        err.print("rnninspect: interrupted", style="yellow", highlight=False)
        return ExitStatus.INTERRUPTED
    except SystemExit as e:  # --help / --version
        return int(e.code or 0) if isinstance(e.code, int) else ExitStatus.OK
    except RnnInspectError as e:
        if show_traceback:
            err.print(traceback.format_exc(), markup=False, highlight=False)
            details = getattr(e, "details", None)
            if details:
                err.print(details, markup=False, highlight=False)
        err.print(f"rnninspect: error: {e}", markup=False, highlight=False, soft_wrap=True)
        return ExitStatus.ERROR
    except Exception as e:  # a bug or an unexpected framework failure: still one line
        if show_traceback:
            err.print(traceback.format_exc(), markup=False, highlight=False)
        err.print(
            f"rnninspect: internal error: {type(e).__name__}: {e} (rerun with --traceback "
            "and report it)", markup=False, highlight=False, soft_wrap=True,
        )
        return ExitStatus.ERROR


def entry() -> NoReturn:
    sys.exit(main())
