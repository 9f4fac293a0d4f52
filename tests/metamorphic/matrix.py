"""Run a transformation on a program and judge the variant's inspection:

(a) against the original program's inspection, with the declared delta applied, and
(b) against the program's ground truth (the corpus' `EXPECTED`), with the same delta: a
    discrepancy the original already has is not the variant's.

Outcome: `agrees` (nothing changed), `delta` (only what the transformation declares changed),
`differs` (the first difference says how), `n/a` (it does not apply), `error` (the variant
could not be built: a broken transformation, not an analysis result).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tests.metamorphic import delta as deltas
from tests.metamorphic import variant as variants
from tests.metamorphic.programs import Program
from tests.metamorphic.transforms import Delta, Transformation
from tests.truth import discrepancies

STATUSES = ("agrees", "delta", "differs", "error", "n/a")


@dataclass(frozen=True)
class Outcome:
    transform: str
    program: str
    status: str
    differences: tuple[str, ...] = ()
    change: str = ""  # the measured delta, in words

    def line(self) -> str:
        first = f": {self.differences[0]}" if self.differences else ""
        more = f" (+{len(self.differences) - 1} more)" if len(self.differences) > 1 else ""
        return f"{self.transform} × {self.program}: {self.status}{first}{more}"


def original(p: Program) -> dict[str, Any]:
    """The untransformed program's inspection (once per process)."""
    return _original(p.spec, p.dialect)


@cache
def _original(spec: str, dialect: str | None) -> dict[str, Any]:
    from rnninspect import inspect

    result: dict[str, Any] = inspect(spec, dialect=dialect).to_dict()
    return result


def run(t: Transformation, p: Program, root: Path) -> Outcome:
    made = variants.write(t, p, root)
    if made is None:
        return Outcome(t.name, p.name, "n/a")
    from rnninspect import inspect

    try:
        got = inspect(made.spec).to_dict()
    except Exception as e:  # the analysis refusing a valid program is a difference
        status = "differs" if made.facts.is_file() else "error"
        return Outcome(t.name, p.name, status, (f"inspect raised {_first_line(e)}",))
    facts = json.loads(made.facts.read_text(encoding="utf-8"))
    broken = deltas.undeclared(t.delta, facts)
    if broken:
        return Outcome(t.name, p.name, "error", tuple(broken))
    before = original(p)
    wrong = discrepancies(deltas.expected(deltas.truth_of(before), t.delta, facts), got)
    if p.truth is not None:
        # what the original already gets wrong, in the variant's names
        known = set(discrepancies(p.truth, before))
        known |= set(discrepancies(deltas.expected(p.truth, Delta(renames=t.delta.renames),
                                                   facts), deltas.renamed(before, t.delta, facts)))
        truth = deltas.expected(p.truth, t.delta, facts)
        wrong += [f"truth: {d}" for d in discrepancies(truth, got) if d not in known]
    change = _change(t, facts)
    if wrong:
        return Outcome(t.name, p.name, "differs", tuple(wrong), change)
    return Outcome(t.name, p.name, "delta" if change else "agrees", (), change)


def _change(t: Transformation, facts: dict[str, Any]) -> str:
    added, removed = deltas.added_removed(t.delta, facts)
    trainable = dict(facts["after"])
    weights = [n for n in added if trainable.get(n)]
    said = [f"+{len(weights)} fed-back output weights"] if weights else []
    said += [f"+{len(added) - len(weights)} training_state"] if len(added) > len(weights) else []
    said += [f"+{facts['carried_state']} carried_state"] if facts.get("carried_state") else []
    said += [f"-{len(removed)} training_state"] if removed else []
    renamed = deltas.renaming(facts) if t.delta.renames else {}
    said += [f"{len(renamed)} renamed"] if renamed else []
    said += [f"{len(facts['unrolled'])} unrolled"] if facts.get("unrolled") else []
    return ", ".join(said)


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0] if text else ''}"[:300]


def table(outcomes: list[Outcome], transforms: list[str], programs: list[str]) -> str:
    """Transformation × program, one letter a cell, then the totals."""
    letter = {"agrees": "=", "delta": "Δ", "differs": "X", "error": "E", "n/a": "·"}
    cell = {(o.transform, o.program): letter[o.status] for o in outcomes}
    width = max(len(t) for t in transforms)
    lines = [" " * width + "  " + " ".join(f"{i:>2}" for i in range(len(programs)))]
    lines += [f"{t:<{width}}  " + " ".join(f"{cell.get((t, p), ' '):>2}" for p in programs)
              for t in transforms]
    lines.append("")
    lines += [f"{i:>2} {p}" for i, p in enumerate(programs)]
    counts = {s: sum(o.status == s for o in outcomes) for s in STATUSES}
    lines.append("")
    lines.append("totals: " + ", ".join(f"{s} {n}" for s, n in counts.items())
                 + "   (= agrees, Δ declared delta, X differs, E error, · n/a)")
    return "\n".join(lines)
