"""Write a variant: a folder holding `variant.py` (a `build` function that rnninspect loads as
`variant.py:build`, through the same front door as a user's program), the edited sources a
source transformation made, and, once built, `facts.json` (runtime.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from pprint import pformat
from typing import Any

from tests.metamorphic import edits
from tests.metamorphic.programs import ROOT, Program
from tests.metamorphic.transforms import Transformation

_TEMPLATE = '''"""Metamorphic variant: {transform} applied to {program} (tests/metamorphic)."""

import sys

sys.path.insert(0, {root!r})
{marker}
from tests.metamorphic import runtime

SPEC = {spec}


def build():
    return runtime.build_variant(SPEC)
'''
# rnninspect builds a file that uses TF1 in its TF1 worker: it looks for this marker
_TF1_MARKER = "import tensorflow as tf\n\ntf1 = tf.compat.v1  # built in rnninspect's TF1 worker\n"


@dataclass(frozen=True)
class Variant:
    folder: Path

    @property
    def spec(self) -> str:
        return f"{self.folder / 'variant.py'}:build"

    @property
    def facts(self) -> Path:
        return self.folder / "facts.json"


def program_spec(p: Program) -> dict[str, Any]:
    """What runtime.py needs to build `p` (plain values: it crosses to the TF1 worker)."""
    return {"file": str(p.file), "builder": p.builder, "kind": p.kind,
            "siblings": [str(f) for f in p.siblings], "zoo": list(p.zoo) if p.zoo else None}


def applies(t: Transformation, p: Program) -> bool:
    """Does `t` apply to `p` (its predicate, and its source edit changes something)?"""
    if not t.applies(p):
        return False
    return t.edit is None or any(
        edits.apply(t.edit, f.read_text(encoding="utf-8")) is not None
        for f in (p.file, *p.siblings))


def write(t: Transformation, p: Program, root: Path) -> Variant | None:
    """The variant of `p` under `t` in a new folder of `root`; None when `t` does not apply
    (its predicate says no, or its source edit changes nothing)."""
    if not t.applies(p):
        return None
    folder = root / f"{p.name.replace('@', '_')}__{t.name}"
    folder.mkdir(parents=True, exist_ok=True)
    edited: dict[str, str] = {}
    if t.edit is not None:
        # not beside variant.py: rnninspect puts that folder on sys.path, where an edited
        # sibling would shadow the original for every later build in the process
        (folder / "edited").mkdir(exist_ok=True)
        for file in (p.file, *p.siblings):
            new = edits.apply(t.edit, file.read_text(encoding="utf-8"))
            if new is not None:
                (folder / "edited" / file.name).write_text(new, encoding="utf-8")
                edited[file.name] = str(folder / "edited" / file.name)
        if not edited:
            return None
    spec = {
        "program": program_spec(p),
        "edited": edited,
        "graph_ops": list(t.ops) if t.mechanism == "graph" else [],
        "keras_ops": list(t.ops) if t.mechanism == "keras" else [],
        "facts": str(folder / "facts.json"),
    }
    text = _TEMPLATE.format(transform=t.name, program=p.name, root=str(ROOT),
                            marker=_TF1_MARKER if p.kind == "tf1" else "",
                            spec=pformat(spec, width=96))
    (folder / "variant.py").write_text(text, encoding="utf-8")
    return Variant(folder)
