"""Command line: `rnninspect COMMAND ...`. Importing this package does not import TensorFlow.

`COMMANDS` is the one table of subcommands (name -> `Command`: help, arguments, run); `main`
parses, dispatches from it and applies the one error policy: a user error is one line on
stderr and exit 2, `--traceback` shows the rest, Ctrl-C is 130.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

from rich.console import Console

from rnninspect.cli.args import Command, OneLineParser
from rnninspect.cli.ascii import ascii_fallback
from rnninspect.cli.audit import CHECK, COMPARE, SHARING
from rnninspect.cli.cache import CACHE
from rnninspect.cli.grads import GRADS
from rnninspect.cli.inspect import DIAGRAM, EXPORT, MODELS, SHOW
from rnninspect.cli.leave import leave
from rnninspect.cli.probe import PROBE
from rnninspect.cli.report import REPORT
from rnninspect.cli.streams import GuardedStdout
from rnninspect.cli.train import TRAIN
from rnninspect.errors import ExitStatus, RnnInspectError
from rnninspect.render.visible import shown_line

__all__ = ["COMMANDS", "ExitStatus", "build_parser", "entry", "hoist_global_flags", "main"]

COMMANDS: dict[str, Command] = {
    "models": MODELS,
    "show": SHOW,
    "diagram": DIAGRAM,
    "export": EXPORT,
    "grads": GRADS,
    "probe": PROBE,
    "sharing": SHARING,
    "compare": COMPARE,
    "check": CHECK,
    "train": TRAIN,
    "report": REPORT,
    "cache": CACHE,
}


def build_parser() -> argparse.ArgumentParser:
    from rnninspect import __version__

    parser = OneLineParser(
        prog="rnninspect",
        description="Where every weight of a TensorFlow RNN lives, which time steps share it, "
        "and what looks wrong.",
    )
    parser.add_argument("--version", action="version", version=f"rnninspect {__version__}")
    parser.add_argument("--traceback", action="store_true",
                        help="show full tracebacks on errors (before or after COMMAND)")
    parser.add_argument("--verbose", action="store_true",
                        help="say more: e.g. why a result was not cached (before or after "
                        "COMMAND)")
    parser.add_argument("--width", type=console_width, metavar="COLUMNS",
                        help=f"width of tables and text on stdout, ≥ {MIN_WIDTH} (before or "
                        "after COMMAND); default: the terminal's, else $COLUMNS")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for name, command in COMMANDS.items():
        command.add_arguments(sub.add_parser(name, help=command.help))
    return parser


GLOBAL_FLAGS = ("--traceback", "--verbose")
GLOBAL_OPTIONS = ("--width",)  # global options that take a value
MIN_WIDTH = 40  # the narrowest console a table still reads in
NATURAL_WIDTH = ("show",)  # commands whose output sets its own width when piped
PIPED_MAX_WIDTH = 400


def console_width(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--width takes a whole number; got {text!r}") from None
    if value < MIN_WIDTH:
        raise argparse.ArgumentTypeError(f"--width must be ≥ {MIN_WIDTH}; got {value}")
    return value


def stdout_console(command: str, width: int | None = None) -> Console:
    """stdout: --width when given, else a terminal's width; piped with no COLUMNS, `show`
    renders at its table's natural width (rich would otherwise cut it to 80 columns)."""
    stdout: Any = GuardedStdout(sys.stdout)  # a full disk behind stdout: one line, exit 2
    if width is not None:
        return Console(file=stdout, width=width)
    if command in NATURAL_WIDTH and not sys.stdout.isatty() and "COLUMNS" not in os.environ:
        return Console(file=stdout, width=PIPED_MAX_WIDTH)
    return Console(file=stdout)


def hoist_global_flags(argv: list[str]) -> list[str]:
    """Global flags and options may come after the subcommand too: move them in front of it.

    >>> hoist_global_flags(["export", "ptb", "--traceback", "--width", "60"])
    ['--traceback', '--width', '60', 'export', 'ptb']
    >>> hoist_global_flags(["show", "ptb", "--width=60"])
    ['--width=60', 'show', 'ptb']

    Nothing after ``--`` moves (it belongs to the model).
    """
    end = argv.index("--") if "--" in argv else len(argv)
    flags: list[str] = []
    options: list[str] = []
    rest: list[str] = []
    i = 0
    while i < end:
        a = argv[i]
        if a in GLOBAL_FLAGS:
            flags.append(a)
        elif a in GLOBAL_OPTIONS and i + 1 < end:
            options += argv[i:i + 2]
            i += 1
        elif a.split("=", 1)[0] in GLOBAL_OPTIONS:
            options.append(a)
        else:
            rest.append(a)
        i += 1
    return [*dict.fromkeys(flags), *options, *rest, *argv[end:]]


def main(
    argv: Sequence[str] | None = None,
    *,
    console: Console | None = None,
    err_console: Console | None = None,
) -> int:
    if console is None or err_console is None:
        ascii_fallback()  # a stream that cannot hold UTF-8 gets ASCII symbols, never an error
    err = err_console or Console(stderr=True)
    argv = hoist_global_flags(list(sys.argv[1:] if argv is None else argv))
    show_traceback = "--traceback" in argv
    try:
        args = build_parser().parse_args(argv)
        out = console or stdout_console(args.command, args.width)
        if console is not None and args.width is not None:
            out.width = args.width  # an injected console (tests, embedding) takes it too
        status = int(COMMANDS[args.command].run(args, out, err))
        out.file.flush()  # a failure to write (a full disk) surfaces here, not at exit
        return status
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
        err.print(f"rnninspect: error: {shown_line(str(e))}", markup=False, highlight=False,
                  soft_wrap=True)
        return ExitStatus.ERROR
    except Exception as e:  # a bug or an unexpected framework failure: still one line
        if show_traceback:
            err.print(traceback.format_exc(), markup=False, highlight=False)
        from rnninspect.tf.framework_errors import explain

        explained = explain(e)
        if explained is not None:  # TensorFlow could not run the model here: the user's fix
            err.print(f"rnninspect: error: {shown_line(explained)}", markup=False,
                      highlight=False, soft_wrap=True)
            return ExitStatus.ERROR
        err.print(
            f"rnninspect: internal error: {type(e).__name__}: {shown_line(str(e))} (rerun "
            "with --traceback and report it)", markup=False, highlight=False, soft_wrap=True,
        )
        return ExitStatus.ERROR


def entry() -> NoReturn:
    leave(main())  # sys.exit, without waiting for threads a model's code left running
