"""`python -m tests.metamorphic [--transform T] [--program P] [--out FILE]`: the table of
outcomes (transformation × program) and every difference."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tests.metamorphic import matrix, programs, transforms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.metamorphic", description=__doc__)
    parser.add_argument("--transform", action="append", help="only this one (repeatable)")
    parser.add_argument("--program", action="append", help="only this one (repeatable)")
    parser.add_argument("--out", help="also write the report to this file")
    parser.add_argument("--keep", help="write the variants into this folder and keep them")
    args = parser.parse_args(argv)
    try:
        chosen = [transforms.by_name(n) for n in args.transform or []] or list(
            transforms.TRANSFORMATIONS)
        targets = [programs.by_name(n) for n in args.program or []] or list(programs.programs())
    except KeyError as e:
        print(e.args[0], file=sys.stderr)
        return 2
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="metamorphic-") as tmp:
        root = Path(args.keep) if args.keep else Path(tmp)
        outcomes = []
        for t in chosen:
            for p in targets:
                outcome = matrix.run(t, p, root)
                outcomes.append(outcome)
                if outcome.status != "n/a" or outcome.differences:
                    print(outcome.line(), file=sys.stderr, flush=True)
    report = matrix.table(outcomes, [t.name for t in chosen], [p.name for p in targets])
    wrong = [o for o in outcomes if o.status in ("differs", "error")]
    report += "\n\nDifferences:\n" + "\n".join(
        f"{o.transform} × {o.program} [{o.status}]\n" + "\n".join(f"    {d}" for d in o.differences)
        for o in wrong) if wrong else "\n\nNo differences."
    report += f"\n\n({len(outcomes)} pairs in {time.monotonic() - start:.0f} s)\n"
    print(report)
    if args.out:
        Path(args.out).write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
