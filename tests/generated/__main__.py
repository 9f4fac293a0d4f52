"""`python -m tests.generated [--n N] [--seed S] [--family F] [--out FILE] [--keep DIR]
[--v1-behavior]`:
inspect N generated programs and print right / unresolved / wrong by family, then one line
per wrong program (its description key and first discrepancy)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from tests.generated.description import ALL_FAMILIES, programs
from tests.generated.runner import Outcome, classes, known_wrong_text, run, table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.generated", description=__doc__)
    parser.add_argument("--n", type=int, default=100, help="how many programs (default 100)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--family", choices=sorted(ALL_FAMILIES), help="only this family (the "
                        "only way to run one of LATER_FAMILIES)")
    parser.add_argument("--out", type=Path, help="also write every outcome here (JSON lines)")
    parser.add_argument("--keep", type=Path, help="write the programs here (kept)")
    parser.add_argument("--known-wrong", type=Path, help="write the wrong programs' keys and "
                        "classes here (the format of tests/generated/KNOWN_WRONG.txt)")
    parser.add_argument("--v1-behavior", action="store_true", help="only TF1 programs, each "
                        "run under tf.compat.v1.disable_v2_behavior() (control flow v1)")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error(f"--n must be ≥ 1; got {args.n}")
    began = time.perf_counter()
    outcomes: list[Outcome] = []
    with contextlib.ExitStack() as stack:
        folder = args.keep or Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix="rnninspect-generated-")))
        folder.mkdir(parents=True, exist_ok=True)
        out = stack.enter_context(args.out.open("w", encoding="utf-8")) if args.out else None
        chosen = programs(args.seed, args.n, args.family)
        if args.v1_behavior:
            chosen = [d for d in chosen if d.dialect == "tf1"]
        for outcome in run(chosen, folder, v1_behavior=args.v1_behavior):
            outcomes.append(outcome)
            print(f"{len(outcomes)}/{args.n} {outcome.status} {outcome.seconds:.2f}s "
                  f"{outcome.description.key}", file=sys.stderr, flush=True)
            if out:  # one line per program as it ends: a long run interrupted keeps its part
                out.write(json.dumps({
                    "description": asdict(outcome.description), "key": outcome.description.key,
                    "status": outcome.status, "discrepancies": outcome.discrepancies,
                    "seconds": round(outcome.seconds, 3)}) + "\n")
                out.flush()
    if args.known_wrong:
        args.known_wrong.write_text(known_wrong_text(outcomes, args.seed), encoding="utf-8")
    print(table(outcomes))
    print(f"\n{len(outcomes)} programs (seed {args.seed}) in {time.perf_counter() - began:.0f} s")
    for o in outcomes:
        if o.status == "wrong":
            print(o.line())
    print("\nclasses of wrong answers (count, the smallest program that shows it):")
    for name, count, smallest in classes(outcomes):
        print(f"- {count} × {name} — e.g. `{smallest.description.key}`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
