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
    if t.mechanism == "save":
        return _run_saved(t, p, root)
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


def _run_saved(t: Transformation, p: Program, root: Path) -> Outcome:
    """Save `p` in the form `t` names, load the saved file through rnninspect's loaders and
    compare with the original under the form's declared delta (delta.saved / guessed)."""
    if not t.applies(p):
        return Outcome(t.name, p.name, "n/a")
    from rnninspect.analysis import analyze
    from rnninspect.model import Inspection
    from rnninspect.sources import load

    form = t.ops[0]
    folder = root / f"{p.name.replace('@', '_')}__{t.name}"
    try:
        facts = _save(p, form, folder)
    except Exception as e:  # the harness could not save a program it should save
        return Outcome(t.name, p.name, "error", (f"saving raised {_first_line(e)}",))
    if "cannot" in facts:  # TensorFlow itself cannot write this program in this form
        return Outcome(t.name, p.name, "n/a", (facts["cannot"],))
    try:
        loaded = load(facts["path"])
        got = (loaded if isinstance(loaded, Inspection) else analyze(loaded)).to_dict()
        if form == "saved_model" and not isinstance(loaded, Inspection):
            facts["names"] = _by_node(loaded, facts)
    except Exception as e:  # rnninspect refusing a valid saved file is a difference
        return Outcome(t.name, p.name, "differs", (f"loading raised {_first_line(e)}",))
    before = original(p)
    if form == "checkpoint_only":
        want = deltas.guessed(deltas.truth_of(before), facts, got)
    else:
        want = deltas.saved(deltas.truth_of(before), form, facts, got)
    # the original is the reference (its own discrepancies with its truth are the corpus'
    # business): a saved form that agrees with it within the delta adds none of its own
    wrong = discrepancies(want, got)
    renamed = sum(a != b for a, b in facts["names"].items())
    unproven = len(deltas.unproven_constants(facts["names"], got)
                   | deltas.fixed_constants(facts["names"], got)) \
        if form.startswith("frozen_pb") else 0
    change = ", ".join(w for w in (f"{renamed} renamed" if renamed else "",
                                   f"-{len(facts['before']) - len(facts['names'])} not kept"
                                   if len(facts["names"]) < len(facts["before"]) else "",
                                   f"{unproven} unresolved constants" if unproven else "",
                                   "no graph" if form == "checkpoint_only" else "") if w)
    if wrong:
        return Outcome(t.name, p.name, "differs", tuple(wrong), change)
    return Outcome(t.name, p.name, "delta" if change else "agrees", (), change)


def _by_node(traced: Any, facts: dict[str, Any]) -> dict[str, str]:
    """Original name -> rnninspect's name for it in a SavedModel, through the capture node
    that holds the original's number."""
    from tests.metamorphic import forms

    number_at = forms.saved_model_numbers(facts["path"])
    name_of = {number_at[v.node]: v.name for v in traced.variables if v.node in number_at}
    return {n: name_of[k] for n, k in facts["numbers"].items() if k in name_of}


def _save(p: Program, form: str, folder: Path) -> dict[str, Any]:
    """Build and save `p` where it is built: TF1 programs in rnninspect's TF1 worker."""
    from tests.metamorphic import forms

    program = variants.program_spec(p)
    if p.kind == "tf1":
        from rnninspect.tf import worker

        facts: dict[str, Any] = worker.call(forms.SaveProgram(program, form, str(folder)))
        return facts
    from tests.metamorphic import runtime

    return forms.save(form, runtime.build_original(program), folder)


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
