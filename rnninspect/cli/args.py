"""What every subcommand shares: the one-line parser, the model options, `Command`."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from rich.console import Console

from rnninspect.errors import InvalidOptionError, RnnInspectError
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
    parser.add_argument(
        "model", metavar="MODEL",
        help="what to inspect: a built-in model (see `rnninspect models`), file.py:NAME, "
        "package.module:NAME, a .keras or .h5 file, a SavedModel directory, a .pb/.pbtxt GraphDef, "
        "a .meta graph or a TF1 checkpoint; e.g. `ptb` or `my_model.py:build_model`")
    group = parser.add_argument_group("model options (built-in models only)")
    group.add_argument("--dialect", help="legacy (TF1 graph) or keras (Keras 3); default legacy")
    group.add_argument("--config", help="named config, e.g. small, medium, large, test")
    group.add_argument("--num-steps", type=positive_int("--num-steps"), metavar="T",
                       help="time steps to unroll (T); default: the config's")
    group.add_argument("--hidden", type=positive_int("--hidden"), metavar="N",
                       help="hidden units per layer; default: the config's")
    group.add_argument("--layers", type=positive_int("--layers"), metavar="N",
                       help="stacked recurrent layers; default: the config's")
    group.add_argument("--vocab", type=positive_int("--vocab"), metavar="N",
                       help="vocabulary size (language models); default: the config's")
    group.add_argument("--batch", type=positive_int("--batch"), metavar="N",
                       help="batch size the graph is built for; default: the config's")
    group.add_argument("--force", action="store_true",
                       help="build even when the estimated graph exceeds this machine's memory")


def load_options(args: argparse.Namespace) -> LoadOptions:
    return LoadOptions(args.dialect, args.config, args.num_steps, args.hidden, args.layers,
                       args.vocab, args.batch)


class Elapsed:
    """A status line that shows how long it has been running (re-rendered at each refresh)."""

    def __init__(self, text: str, start: float | None = None) -> None:
        self.text = text
        self.start = time.monotonic() if start is None else start

    def __rich__(self) -> str:
        seconds = int(time.monotonic() - self.start)
        return f"{self.text} {seconds // 60}:{seconds % 60:02d}"


OPS_PER_CELL_STEP = 22  # measured: ptb (T=20, 2 layers) traces 883 ops, mnist (T=28) 521
WARN_OPS = 100_000  # above this a trace takes minutes and gigabytes


def estimated_ops(args: argparse.Namespace) -> tuple[int, int, int] | None:
    """(ops, T, layers) a built-in model will trace, from its config alone; None for user
    models (their size is known only once built)."""
    from dataclasses import replace

    from rnninspect.sources import ZooSource, resolve

    # the batch changes no op count; `grads` also takes it for a user model's unknown
    # dimensions, and the command itself refuses it where it does not apply
    source = resolve(args.model, replace(load_options(args), batch=None))
    if not isinstance(source, ZooSource):
        return None
    steps = getattr(source.config, "num_steps", None)
    layers = getattr(source.config, "num_layers", 1)
    if not isinstance(steps, int) or not isinstance(layers, int):
        return None
    return 100 + steps * layers * OPS_PER_CELL_STEP, steps, layers


BYTES_PER_OP = 4096  # measured order: a traced op and its GraphDef node hold a few KB


def memory_bytes() -> int | None:
    """This machine's available memory (MemAvailable, else physical), None if unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


def warn_if_large(args: argparse.Namespace, err: Console) -> None:
    """A warning above `WARN_OPS`; a refusal (one line, exit 2) when the graph would not fit
    in this machine's memory, unless --force."""
    estimate = estimated_ops(args)
    if estimate is None or estimate[0] <= WARN_OPS:
        return
    ops, steps, layers = estimate
    memory = memory_bytes()
    if memory is not None and ops * BYTES_PER_OP > memory and not getattr(args, "force", False):
        raise InvalidOptionError(
            f"{args.model} with T={steps:,} × {layers} layer{'s' if layers != 1 else ''} would "
            f"trace about {ops:,} ops (≈{ops * BYTES_PER_OP / 2**30:,.1f} GiB), more than this "
            f"machine's {memory / 2**30:,.1f} GiB of available memory; use a smaller "
            "--num-steps (or --force)")
    err.print(f"rnninspect: warning: {args.model} unrolls T={steps:,} × {layers} layer"
              f"{'s' if layers != 1 else ''}: about {ops:,} ops to build and trace (over "
              f"{WARN_OPS:,} takes minutes and gigabytes); a smaller --num-steps is faster",
              markup=False, highlight=False, soft_wrap=True)


def check_specs(*args: argparse.Namespace) -> None:
    """Resolve every model a command names, options included, before any is traced: a typo
    in the second model fails at once, not after the first has been traced."""
    from rnninspect.sources import resolve

    for a in args:
        resolve(a.model, load_options(a))


def _cached(args: argparse.Namespace, step: int | None) -> bool:
    from rnninspect import cache as results
    from rnninspect.sources import resolve

    options = load_options(args)
    return results.has_inspection(resolve(args.model, options), options, step)


def inspect_from_args(args: argparse.Namespace, err: Console, *, step: int | None = None
                      ) -> Inspection:
    from rnninspect import cache as results
    from rnninspect.api import inspect

    use_cache = getattr(args, "cache", False)  # on unless --no-cache (commands that have it)
    if use_cache:
        results.check_settings()  # a bad RNNINSPECT_CACHE_* is one line, before tracing
    results.notes.clear()
    results.not_stored.clear()
    if not (use_cache and _cached(args, step)):  # a hit is quick, whatever its size
        warn_if_large(args, err)
    try:
        with err.status(Elapsed(f"Building and tracing {args.model} (TensorFlow)…"),
                        spinner="dots"):
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
                cache=use_cache,
            )
    finally:
        said = [*results.notes, *(results.not_stored if getattr(args, "verbose", False) else [])]
        for line in said:
            err.print(f"rnninspect: {line}", style="dim", markup=False, highlight=False,
                      soft_wrap=True)
