"""The fuzz cases, enumerated deterministically: (form, mutation, variant, command), and the
contract every one must keep (`violations`)."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fuzz import mutations
from tests.fuzz.seeds import FORMS

# command -> its argv after the spec ({out} is a path in the case's empty output folder)
COMMANDS: dict[str, tuple[str, ...]] = {
    "show": ("--no-cache",),
    "sharing": ("--no-cache",),
    "diagram": ("--no-cache", "-o", "{out}/model.dot"),
    "probe": (),
    "grads": ("--no-cache",),
}
# violation kinds, in the order of the report
KINDS = ("crash", "hang", "exit_status", "traceback", "internal_error", "not_one_line",
         "file_not_named", "half_written", "stray_file", "silent_success")


@dataclass(frozen=True)
class Case:
    index: int
    form: str
    mutation: str
    variant: int
    command: str

    def rng(self, seed: int) -> random.Random:
        return random.Random(zlib.crc32(f"{seed}:{self.form}:{self.mutation}:{self.variant}"
                                        .encode()))

    def label(self) -> str:
        return f"{self.form}/{self.mutation}/{self.variant}/{self.command}"


def all_cases(variants: int) -> list[Case]:
    """Every form × applicable mutation × `variants` variants; the command rotates over the
    variants so that each mutation meets `show` first, then the other commands."""
    found = []
    names = list(COMMANDS)
    for form in FORMS:
        for k, mutation in enumerate(mutations.applicable(form)):
            for variant in range(variants):
                command = names[(variant + k * (variant > 0)) % len(names)]
                found.append(Case(len(found), form, mutation.__name__, variant, command))
    return found


def mutation_named(form: str, name: str) -> mutations.Mutation:
    return next(m for m in mutations.applicable(form) if m.__name__ == name)


def spec_of(folder: Path, form: str) -> str:
    relative = FORMS[form]
    if relative == ".":
        return str(folder)
    if form == "py":
        return f"{folder / 'model.py'}:build"
    return str(folder / relative)


def violations(case: Case, result: dict[str, Any], spec: str) -> list[str]:
    """The ways `result` (one run's exit status, output and files) breaks the contract:
    exit 0 or 2; on 2, one line on stderr naming the file, no traceback; no file half
    written; nothing written outside the output folder."""
    found = []
    status, err, out = result["status"], result["stderr"], result["stdout"]
    lines = [line for line in err.splitlines() if line.strip()]
    if status not in (0, 2):
        found.append("exit_status")
    if "Traceback" in err or "Traceback" in out:
        found.append("traceback")
    if "internal error" in err:
        found.append("internal_error")
    if status == 2:
        if len(lines) != 1:
            found.append("not_one_line")
        names = {spec, spec.split(":")[0], Path(spec.split(":")[0]).name}
        if lines and not any(name in lines[-1] for name in names):
            found.append("file_not_named")
    if status == 0 and not out.strip() and case.command != "diagram":
        found.append("silent_success")
    if case.command == "diagram":
        written = result["output_bytes"]
        if (status != 0 and written is not None) or (status == 0 and not written):
            found.append("half_written")
    if result["stray"]:
        found.append("stray_file")
    return found
