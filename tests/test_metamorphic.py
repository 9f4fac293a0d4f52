"""Metamorphic variants (issue 21): a transformation that real programs add must not change
rnninspect's inspection of a program, except by the delta it declares (tests/metamorphic/).

The default run takes one program per transformation (`FAST`); `-m slow` runs the full matrix
(every transformation on every program it applies to). Pairs rnninspect gets wrong today are
`xfail(strict=True)` in `KNOWN_WRONG` with the class of failure (tests/metamorphic/BASELINE.md):
a fix that makes one pass turns it red until its line is removed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.metamorphic import delta, matrix, programs, transforms, variant
from tests.truth import discrepancies

LOGGED = "a logged loss (summary/print/assert) makes the forward pass machinery"
# (transformation, program) -> why rnninspect gets it wrong today (one line)
KNOWN_WRONG: dict[tuple[str, str], str] = {
}

# one program per transformation for the default run: the cheapest that the transformation
# changes (TF1 seeds and small corpus programs)
FAST: dict[str, str] = {
}


def _pairs() -> list[tuple[str, str]]:
    return [(t.name, p.name) for t in transforms.TRANSFORMATIONS for p in programs.programs()
            if variant.applies(t, p)]


def _param(pair: tuple[str, str], *marks: Any) -> Any:
    if pair in KNOWN_WRONG:
        marks = (*marks, pytest.mark.xfail(strict=True, reason=KNOWN_WRONG[pair]))
    return pytest.param(*pair, marks=marks, id=f"{pair[0]}-{pair[1]}")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("variants")


def _check(transform: str, program: str, root: Path) -> None:
    outcome = matrix.run(transforms.by_name(transform), programs.by_name(program), root)
    assert outcome.status in ("agrees", "delta"), "\n".join(
        [outcome.line(), *outcome.differences])


@pytest.mark.parametrize(("transform", "program"), [_param(p) for p in FAST.items()])
def test_fast_selection(transform: str, program: str, root: Path) -> None:
    _check(transform, program, root)


@pytest.mark.slow
@pytest.mark.parametrize(("transform", "program"),
                         [_param(p) for p in _pairs() if p not in FAST.items()])
def test_full_matrix(transform: str, program: str, root: Path) -> None:
    _check(transform, program, root)


def test_the_library_is_complete() -> None:
    """≥ 30 transformations, each applying to some program; the fast run covers every one;
    the xfail table names real pairs."""
    names = [t.name for t in transforms.TRANSFORMATIONS]
    assert len(names) >= 30 and len(set(names)) == len(names)
    pairs = set(_pairs())
    assert {t for t, _ in pairs} == set(names)
    assert set(FAST) == set(names)
    assert set(FAST.items()) <= pairs
    assert set(KNOWN_WRONG) <= pairs


def _inspection() -> dict[str, Any]:
    """A two-layer static LSTM with an output layer and one optimizer slot, as `to_dict()`."""
    def var(name: str, role: str, cell: str | None, layer: int | None) -> dict[str, Any]:
        return {"name": name, "role": role, "cell": cell, "layer": layer,
                "steps": [0, 1] if cell else [], "dynamic": False, "also_roles": []}
    return {
        "total_params": 10, "num_steps": 2, "layers": 2,
        "variables": [var("m/k0", "input_hidden_fused", "cell0", 0),
                      var("m/k1", "input_hidden_fused", "cell1", 1),
                      var("m/w", "hidden_to_output", None, None),
                      var("m/w/Adam", "training_state", None, None)],
        "cells": [{"name": "cell0", "variables": ["m/k0"]},
                  {"name": "cell1", "variables": ["m/k1"]}],
        "links": [{"source": "input:x", "target": "cell0"},
                  {"source": "cell0", "target": "cell1"},
                  {"source": "cell1", "target": "m/w"}, {"source": "m/w", "target": "output:y"}],
        "findings": [], "copies": [],
    }


def test_an_unchanged_inspection_agrees_and_a_changed_one_differs() -> None:
    got = _inspection()
    truth = delta.truth_of(got)
    assert discrepancies(truth, got) == []
    got["variables"][2]["role"] = "other"
    got["copies"] = [{"name": "Train", "num_steps": 2}, {"name": "Valid", "num_steps": 2}]
    wrong = discrepancies(truth, got)
    assert any("m/w: role got other" in w for w in wrong)
    assert any(w.startswith("copies:") for w in wrong)


def test_the_declared_delta_is_what_the_build_measured() -> None:
    """A rename maps by creation order; an added non-trainable variable is expected as
    training_state; an undeclared addition is the transformation's error."""
    truth = delta.truth_of(_inspection())
    facts = {"before": [["m/k0", True], ["m/k1", True], ["m/w", True], ["m/w/Adam", False]],
             "after": [["o/m/k0", True], ["o/m/k1", True], ["o/m/w", True],
                       ["o/m/w/Adam", False], ["o/step", False]]}
    renames = transforms.Delta(renames=True, adds_state=True)
    want = delta.expected(truth, renames, facts)
    assert sorted(want["variables"]) == ["o/m/k0", "o/m/k1", "o/m/w", "o/step"]
    assert want["variables"]["o/step"] == {"role": "training_state"}
    assert want["training_state_count"] == 2
    assert ["cell1", "o/m/w"] in want["links"]
    assert delta.undeclared(renames, facts) == []
    assert delta.undeclared(transforms.Delta(renames=True), facts)
    assert delta.undeclared(transforms.NONE, facts)
