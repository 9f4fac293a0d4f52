"""`sharing`, `compare` and `check`: auditing weight sharing from the command line."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.text import Text

from rnninspect.cli.args import Command, add_model_arguments, check_specs, inspect_from_args
from rnninspect.cli.ascii import write_json
from rnninspect.cli.cache import add_cache_flag, add_watch_flag, watchable
from rnninspect.errors import ExitStatus, InvalidOptionError
from rnninspect.render.visible import shown, shown_line


def add_sharing(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.add_argument("--format", choices=("table", "json"), default="table",
                        help="table (default) or json")
    add_watch_flag(parser)


def add_compare(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.add_argument("model_b", metavar="B", help="the second model, in any form MODEL takes")
    parser.add_argument("--dialect-b", help="B's dialect (default: --dialect)")
    parser.add_argument("--config-b", help="B's named config (default: --config)")
    parser.add_argument("--format", choices=("table", "json"), default="table",
                        help="table (default) or json")
    add_cache_flag(parser)


def add_check(check: argparse.ArgumentParser) -> None:
    add_model_arguments(check)
    check.add_argument("--expect-shared", action="append", metavar="PAT",
                       help="variables matching this glob must be shared (repeatable)")
    check.add_argument("--expect-distinct", action="append", metavar="PAT",
                       help="variables matching this glob must not be shared (repeatable)")
    check.add_argument("--expect-params", type=int, metavar="N",
                       help="exact number of unique trainable parameters")
    check.add_argument("--fail-on", choices=("info", "warning", "error"),
                       help="fail when a finding of this severity or above is present")
    check.add_argument("--expectations", metavar="FILE.toml",
                       help="read expectations from a TOML file (flags add to / override it)")
    add_watch_flag(check)


def _write_json(out: Console, data: dict[str, Any]) -> None:
    write_json(out, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def run_sharing(args: argparse.Namespace, out: Console, err: Console) -> int:
    from rnninspect.render.sharing import sharing_renderable, sharing_to_dict

    ins = inspect_from_args(args, err)
    if args.format == "json":
        _write_json(out, sharing_to_dict(ins))
    else:
        out.print(sharing_renderable(ins))
    return ExitStatus.OK


def _args_b(args: argparse.Namespace) -> argparse.Namespace:
    b = argparse.Namespace(**vars(args))
    b.model = args.model_b
    b.dialect = args.dialect_b if args.dialect_b is not None else args.dialect
    b.config = args.config_b if args.config_b is not None else args.config
    return b


def run_compare(args: argparse.Namespace, out: Console, err: Console) -> int:
    from rnninspect.analysis.compare import compare
    from rnninspect.render.compare import comparison_renderable, comparison_to_dict

    args_b = _args_b(args)
    check_specs(args, args_b)
    a = inspect_from_args(args, err)
    b = inspect_from_args(args_b, err)
    result = compare(a, b)
    if args.format == "json":
        _write_json(out, comparison_to_dict(result))
    else:
        out.print(comparison_renderable(result))
    return ExitStatus.OK


def run_check(args: argparse.Namespace, out: Console, err: Console) -> int:
    from rnninspect.analysis.check import check, expectations_from_flags, load_expectations

    flags = expectations_from_flags(args.expect_shared, args.expect_distinct,
                                    args.expect_params, args.fail_on)
    expectations = flags if args.expectations is None else \
        load_expectations(args.expectations).merged(flags)
    if expectations.empty:
        raise InvalidOptionError(
            "check needs at least one expectation: --expect-shared, --expect-distinct, "
            "--expect-params, --fail-on or --expectations FILE.toml")
    ins = inspect_from_args(args, err)  # after validation: bad input fails before tracing
    failures = check(ins, expectations)
    label = f"{shown(ins.model)} ({ins.dialect})"
    for line in failures:
        out.print(Text(f"FAIL {label}: {shown_line(line)}"), soft_wrap=True)
    if failures:
        err.print(Text(f"check: {len(failures)} expectation(s) failed"), soft_wrap=True)
        return ExitStatus.FAILURE
    out.print(Text(f"ok {label}: every expectation holds ({ins.total_params:,} unique "
                   "trainable parameters)"), soft_wrap=True)
    return ExitStatus.OK


SHARING = Command("sharing matrix: which time steps read each variable, and findings",
                  add_sharing, watchable(run_sharing))
COMPARE = Command("two models side by side; a diff when they are versions of one model",
                  add_compare, run_compare)
CHECK = Command("assert sharing and parameter counts (for CI): exit 0 pass, 1 fail, 2 bad input",
                add_check, watchable(run_check))
