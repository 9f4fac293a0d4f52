"""`rnninspect cache info | clear`, and the `--no-cache` / `--watch` flags the model commands
share (added to a command with `add_cache_flag` / `add_watch_flag`, run through `watchable`)."""

from __future__ import annotations

import argparse

from rich.console import Console

from rnninspect.cli.args import Command
from rnninspect.cli.watch import Run
from rnninspect.errors import ExitStatus


def add_cache_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-cache", dest="cache", action="store_false",
                        help="trace afresh: neither read nor write the result cache")


def add_watch_flag(parser: argparse.ArgumentParser) -> None:
    add_cache_flag(parser)
    parser.add_argument("--watch", action="store_true",
                        help="run again on every save of the model's source files")


def watchable(run: Run) -> Run:
    """`run`, or with --watch, `run` again on every change (until Ctrl-C)."""

    def run_or_watch(args: argparse.Namespace, out: Console, err: Console) -> int:
        if not getattr(args, "watch", False):
            return run(args, out, err)
        from rnninspect.cli.watch import watch

        return watch(args, out, err, run, max_cycles=getattr(args, "max_cycles", None))

    return run_or_watch


def add_cache(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("info", "clear"),
                        help="info: where the cache is, how big; clear: remove every entry")


def run_cache(args: argparse.Namespace, out: Console, err: Console) -> int:
    from rnninspect import cache
    from rnninspect.render.text import count_text

    cache.check_settings()  # a file as RNNINSPECT_CACHE_DIR, a bad MAX_MB: one line, exit 2
    if args.action == "clear":
        removed = cache.clear()
        out.print(f"removed {removed} entr{'y' if removed == 1 else 'ies'} from "
                  f"{cache.cache_dir()}", markup=False, highlight=False, soft_wrap=True)
        return ExitStatus.OK
    found = cache.info()
    mib = 1024 * 1024
    size = f"{found.bytes / 1024:.0f} KiB" if found.bytes < mib else f"{found.bytes / mib:.1f} MiB"
    out.print(f"directory  {found.directory}\n"
              f"entries    {count_text(found.entries)}\n"
              f"size       {size} of {found.max_bytes / mib:.0f} MiB "
              "(RNNINSPECT_CACHE_MAX_MB; least recently used entries go first)",
              markup=False, highlight=False, soft_wrap=True)
    return ExitStatus.OK


CACHE = Command("the result cache: info (where, how big, how many entries) or clear",
                add_cache, run_cache)
