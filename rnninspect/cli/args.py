"""What every subcommand shares: the one-line parser, the model options, `Command`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

from rich.console import Console

from rnninspect.errors import RnnInspectError
from rnninspect.sources import LoadOptions

if TYPE_CHECKING:
    from rnninspect.model import Inspection

Run = Callable[[argparse.Namespace, Console, Console], int]


@dataclass(frozen=True)
class Command:
    """One subcommand: its help line, how it adds its arguments, and what it runs."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Run


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
    parser.add_argument("model", help="a built-in model name (see `rnninspect models`) or a "
                        "user model: file.py:NAME, package.module:NAME, .keras, SavedModel, "
                        ".pb/.pbtxt, .meta, checkpoint")
    group = parser.add_argument_group("model options (built-in models only)")
    group.add_argument("--dialect", help="legacy (TF1 graph) or keras (Keras 3); default legacy")
    group.add_argument("--config", help="named config, e.g. small, medium, large, test")
    group.add_argument("--num-steps", type=positive_int("--num-steps"), metavar="T")
    group.add_argument("--hidden", type=positive_int("--hidden"), metavar="N")
    group.add_argument("--layers", type=positive_int("--layers"), metavar="N")
    group.add_argument("--vocab", type=positive_int("--vocab"), metavar="N")
    group.add_argument("--batch", type=positive_int("--batch"), metavar="N")


def load_options(args: argparse.Namespace) -> LoadOptions:
    return LoadOptions(args.dialect, args.config, args.num_steps, args.hidden, args.layers,
                       args.vocab, args.batch)


def inspect_from_args(args: argparse.Namespace, err: Console, *, step: int | None = None
                      ) -> Inspection:
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
            cache=getattr(args, "cache", False),  # on unless --no-cache (commands that have it)
        )
