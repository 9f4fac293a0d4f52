"""`python -m tests.generated [--n N] [--seed S] [--family F] [--out FILE] [--keep DIR]`:
inspect N generated programs and print right / unresolved / wrong by family, then one line
per wrong program (its description key and first discrepancy)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from tests.generated.description import FAMILIES, programs
from tests.generated.runner import Outcome, run, table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.generated", description=__doc__)
    parser.add_argument("--n", type=int, default=100, help="how many programs (default 100)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--family", choices=sorted(FAMILIES), help="only this family")
    parser.add_argument("--out", type=Path, help="also write every outcome here (JSON lines)")
    parser.add_argument("--keep", type=Path, help="write the programs here (kept)")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error(f"--n must be ≥ 1; got {args.n}")
    began = time.perf_counter()
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="rnninspect-generated-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for outcome in run(programs(args.seed, args.n, args.family), folder):
            outcomes.append(outcome)
            print(f"{len(outcomes)}/{args.n} {outcome.status} {outcome.seconds:.2f}s "
                  f"{outcome.description.key}", file=sys.stderr, flush=True)
    if args.out:
        with args.out.open("w", encoding="utf-8") as f:
            for o in outcomes:
                f.write(json.dumps({"description": asdict(o.description),
                                    "key": o.description.key, "status": o.status,
                                    "discrepancies": o.discrepancies,
                                    "seconds": round(o.seconds, 3)}) + "\n")
    print(table(outcomes))
    print(f"\n{len(outcomes)} programs (seed {args.seed}) in {time.perf_counter() - began:.0f} s")
    for o in outcomes:
        if o.status == "wrong":
            print(o.line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
