"""Generated RNN programs (tests/generated/, issue 21): programs nobody hand-picked, each with
its ground truth known by construction, compared field by field with rnninspect's answer
(`tests.truth.discrepancies`).

A program passes when the answer is right, or when every difference concerns variables that
rnninspect itself declared `unresolved`. Programs the analysis gets wrong today are listed by
description key in tests/generated/KNOWN_WRONG.txt (key, tab, the class of the wrong answer)
and marked `xfail(strict=True)`: a fix that makes one right turns it red until its line goes.
The default run checks the first 100 programs of seed 0; `-m slow` the first 1,000. A family
outside that round-robin (`LATER_FAMILIES`) has its own first 50 programs of seed 0: 4 in the
default run, the rest slow.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from tests.generated.built import variables_of
from tests.generated.description import (
    ALL_FAMILIES,
    FAMILIES,
    LATER_FAMILIES,
    Description,
    programs,
)
from tests.generated.runner import file_name, inspect_file, judge, write

SEED, FAST, SLOW = 0, 100, 1000
LATER_FAST, LATER_SLOW = 4, 50  # per family of LATER_FAMILIES
KNOWN_WRONG_FILE = Path(__file__).parent / "generated" / "KNOWN_WRONG.txt"


def _known_wrong() -> dict[str, str]:
    lines = KNOWN_WRONG_FILE.read_text(encoding="utf-8").splitlines()
    return dict(line.split("\t", 1) for line in lines if line and not line.startswith("#"))


KNOWN_WRONG = _known_wrong()


def _cases(n: int, family: str | None = None) -> list[Any]:
    out = []
    for index, d in enumerate(programs(SEED, n, family)):
        marks = ([pytest.mark.xfail(strict=True, reason=KNOWN_WRONG[d.key])]
                 if d.key in KNOWN_WRONG else [])
        out.append(pytest.param(index, d, marks=marks, id=f"{index}-{d.key}"))
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated")


def _check(index: int, d: Description, folder: Path, v1_behavior: bool = False) -> None:
    source, truth = write(d, v1_behavior)
    path = folder / file_name(index, d)
    path.write_text(source, encoding="utf-8")
    status, lines = judge(truth, inspect_file(path))
    assert status != "wrong", f"{d.key}: " + "; ".join(lines)


@pytest.mark.parametrize(("index", "d"), _cases(FAST))
def test_generated_program(index: int, d: Description, folder: Path) -> None:
    _check(index, d, folder)


@pytest.mark.slow
@pytest.mark.parametrize(("index", "d"), _cases(SLOW)[FAST:])
def test_generated_program_slow(index: int, d: Description, folder: Path) -> None:
    _check(index, d, folder)


def _later_cases(first: int, last: int) -> list[Any]:
    return [case for family in LATER_FAMILIES for case in _cases(last, family)[first:]]


@pytest.mark.parametrize(("index", "d"), _later_cases(0, LATER_FAST))
def test_generated_program_of_a_later_family(index: int, d: Description, folder: Path) -> None:
    _check(index, d, folder)


@pytest.mark.slow
@pytest.mark.parametrize(("index", "d"), _later_cases(LATER_FAST, LATER_SLOW))
def test_generated_program_of_a_later_family_slow(index: int, d: Description,
                                                  folder: Path) -> None:
    _check(index, d, folder)


# The TF1 programs again, under `disable_v2_behavior()` (control flow v1, ref variables): the
# same models, so the same truths. Each such program retires the TF1 worker (TensorFlow cannot
# go back to eager), so a fresh one starts per program: a few in the default run.
V1_FAST = 4
_TF1_CASES = [c for c in _cases(SLOW) if c.values[1].dialect == "tf1"]


@pytest.mark.parametrize(("index", "d"), _TF1_CASES[:V1_FAST])
def test_generated_tf1_program_under_v1_behavior(index: int, d: Description,
                                                  folder: Path) -> None:
    _check(index, d, folder, v1_behavior=True)


@pytest.mark.slow
@pytest.mark.parametrize(("index", "d"), _TF1_CASES[V1_FAST:200])
def test_generated_tf1_program_under_v1_behavior_slow(index: int, d: Description,
                                                       folder: Path) -> None:
    _check(index, d, folder, v1_behavior=True)


# The generator itself ------------------------------------------------------------------------


def test_programs_are_determined_by_the_seed_and_spread_over_the_families() -> None:
    first, again, other = programs(7, 40), programs(7, 40), programs(8, 40)
    assert first == again and first != other
    assert {d.family for d in first} == set(FAMILIES)
    assert programs(7, 60)[:40] == first  # a longer run extends a shorter one
    assert {d.family for d in programs(3, 5, "tf1/scan")} == {"tf1/scan"}


def test_the_known_wrong_list_names_programs_the_generator_makes() -> None:
    keys = {d.key for d in programs(SEED, SLOW)}
    keys |= {d.key for f in LATER_FAMILIES for d in programs(SEED, LATER_SLOW, f)}
    assert set(KNOWN_WRONG) <= keys, sorted(set(KNOWN_WRONG) - keys)[:3]


def _truth_against_the_build(descriptions: list[Description], dialect: str,
                             folder: Path) -> None:
    """Each truth names exactly the trainable variables the framework builds, its
    total_params is their sum, and training_state_count counts all the others (TF1)."""
    paths, truths = [], []
    for i, d in enumerate(descriptions):
        source, truth = write(d)
        paths.append(folder / file_name(i, d))
        paths[-1].write_text(source, encoding="utf-8")
        truths.append(truth)
    for d, truth, built in zip(descriptions, truths, variables_of(paths, dialect), strict=True):
        trainable = {name: shape for name, shape, is_trainable in built if is_trainable}
        assert sorted(trainable) == sorted(truth["variables"]), d.key
        assert sum(math.prod(s) for s in trainable.values()) == truth["total_params"], d.key
        for name, want in truth["variables"].items():
            assert want["role"] != "training_state", (d.key, name)
        if dialect == "tf1":
            assert len(built) - len(trainable) == truth["training_state_count"], d.key


def test_tf1_truth_matches_what_tensorflow_builds(tmp_path: Path) -> None:
    families = [f for f in ALL_FAMILIES if f.startswith("tf1/")]
    descriptions = [d for f in families for d in programs(11, 3, f)]
    _truth_against_the_build(descriptions, "tf1", tmp_path)


def test_keras_truth_matches_what_keras_builds(tmp_path: Path) -> None:
    families = [f for f in ALL_FAMILIES if f.startswith("keras/")]
    descriptions = [d for f in families for d in programs(11, 3, f)]
    _truth_against_the_build(descriptions, "keras", tmp_path)


def test_tf2_truth_matches_what_tensorflow_builds(tmp_path: Path) -> None:
    families = [f for f in FAMILIES if f.startswith("tf2/")]
    descriptions = [d for f in families for d in programs(11, 4, f)]
    _truth_against_the_build(descriptions, "tf2", tmp_path)


def _answer(role: str, findings: list[dict[str, Any]]) -> dict[str, Any]:
    """An Inspection's to_dict(), reduced to what `discrepancies` reads: one cell, W and b."""
    def var(name: str, role: str) -> dict[str, Any]:
        return {"name": name, "role": role, "cell": "cell0", "layer": 0, "steps": [0, 1],
                "dynamic": False, "also_roles": []}
    return {"total_params": 12, "num_steps": 2, "layers": 1, "copies": [],
            "variables": [var("W", role), var("b", "bias")],
            "cells": [{"name": "cell0", "variables": ["W", "b"]}], "findings": findings}


def test_judge_tells_right_unresolved_and_wrong_apart() -> None:
    entry = {"cell": "c", "layer": 0, "steps": [0, 1]}
    truth = {"total_params": 12, "num_steps": 2, "findings": {},
             "variables": {"W": {"role": "input_hidden_fused", **entry},
                           "b": {"role": "bias", **entry}}}
    unresolved = [{"kind": "unresolved", "variables": ["W"]}]
    assert judge(truth, _answer("input_hidden_fused", []))[0] == "right"
    assert judge(truth, _answer("other", unresolved))[0] == "unresolved"
    assert judge(truth, _answer("other", []))[0] == "wrong"  # silently wrong
    other = [{"kind": "unresolved", "variables": ["b"]}]  # unsure about another variable
    assert judge(truth, _answer("other", other))[0] == "wrong"
