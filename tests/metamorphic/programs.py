"""The programs the transformations apply to: the hand-written corpus (tests/models/real/, each
with its literal `EXPECTED` truth) and the zoo seeds `ptb` and `mnist` in both dialects (their
truth is their own untransformed inspection).

What a predicate needs is read from the source with `ast`, without running it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tests.truth import literal_truth

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "models" / "real"
ZOO = ROOT / "rnninspect" / "zoo"
TRAINING_CALLS = {"minimize", "gradients", "apply_gradients", "compute_gradients"}
CONTROL_FLOW = {"dynamic_rnn", "while_loop", "cond", "scan"}


@dataclass(frozen=True)
class Program:
    name: str
    kind: str  # tf1 | keras_model (functional/Sequential) | keras_object (with a signature)
    # | keras_function (a ConcreteFunction) | tf_keras_model (Keras 2: no transformation)
    file: Path  # the source the builder lives in (edited by source transformations)
    builder: str
    zoo: tuple[str, str] | None  # (zoo name, dialect) for the seeds
    truth: dict[str, Any] | None  # the literal EXPECTED; None for the zoo seeds
    calls: frozenset[str]  # last names of the calls made (program + sibling modules)
    keywords: frozenset[str]
    siblings: tuple[Path, ...]  # modules of the program's folder that it imports

    @property
    def spec(self) -> str:
        """What `rnninspect.inspect` takes for the original program."""
        return self.zoo[0] if self.zoo else f"{self.file}:{self.builder}"

    @property
    def dialect(self) -> str | None:
        return self.zoo[1] if self.zoo else None

    @property
    def trains(self) -> bool:
        """Does the program train its loss? Its truth's copies say which train (a sibling
        module may define training code that this program does not use)."""
        copies = (self.truth or {}).get("copies")
        if copies:
            return any(c.get("training") for c in copies)
        return bool(self.calls & TRAINING_CALLS)

    @property
    def instances(self) -> int:
        return len((self.truth or {}).get("copies", [])) or 1

    @property
    def control_flow(self) -> bool:
        return bool(self.calls & CONTROL_FLOW) or "sequence_length" in self.keywords


@cache
def programs() -> tuple[Program, ...]:
    corpus = [_corpus(p) for p in sorted(REAL.glob("*.py")) if p.stem != "__init__"]
    seeds = [_seed(name, dialect) for name in ("ptb", "mnist") for dialect in ("legacy", "keras")]
    return (*corpus, *seeds)


def by_name(name: str) -> Program:
    found = [p for p in programs() if p.name == name]
    if not found:
        raise KeyError(f"no program {name!r}; programs: {', '.join(p.name for p in programs())}")
    return found[0]


def _corpus(path: Path) -> Program:
    source = path.read_text(encoding="utf-8")
    truth = literal_truth(source)
    siblings = tuple(sorted(
        REAL / f"{n.module}.py" for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.ImportFrom) and n.module and (REAL / f"{n.module}.py").is_file()))
    trees = [ast.parse(source)] + [ast.parse(s.read_text(encoding="utf-8")) for s in siblings]
    calls, keywords = _calls(trees)
    return Program(path.stem, _kind(source), path, truth["builder"], None, truth,
                   calls, keywords, siblings)


def _seed(name: str, dialect: str) -> Program:
    file = ZOO / ("legacy.py" if dialect == "legacy" else "keras_models.py")
    builder = f"build_{name}"
    tree = ast.parse(file.read_text(encoding="utf-8"))
    body: list[ast.stmt] = [n for n in tree.body
                            if isinstance(n, ast.FunctionDef) and n.name == builder]
    calls, keywords = _calls([ast.Module(body, [])])
    kind = "tf1" if dialect == "legacy" else "keras_object"
    return Program(f"{name}@{dialect}", kind, file, builder, (name, dialect), None, calls,
                   keywords, ())


def _kind(source: str) -> str:
    if re.search(r"compat\.v1", source):
        return "tf1"
    if re.search(r"^import tf_keras", source, re.MULTILINE):
        return "tf_keras_model"  # a Keras 2 model: the variants are built with Keras 3 only
    if "get_concrete_function" in source:
        return "keras_function"
    return "keras_object" if "TensorSpec" in source else "keras_model"


def _calls(trees: list[ast.Module]) -> tuple[frozenset[str], frozenset[str]]:
    calls: set[str] = set()
    keywords: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                calls.add(name)
                keywords.update(k.arg for k in node.keywords if k.arg)
    return frozenset(calls), frozenset(keywords)
