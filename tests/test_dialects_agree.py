"""The Keras and the legacy dialect of each seed family agree on every weight's role, cell
and placement at T = 1, 2 and 20 (issue 16; ptb itself is in test_single_step.py).

A TF1 fused kernel is the Keras input kernel and recurrent kernel stacked by rows, so one
legacy `input_hidden_fused` weight counts as one `input_to_hidden` plus one
`hidden_to_hidden` weight of the same cell."""

from __future__ import annotations

from collections import Counter

import pytest

from rnninspect import inspect
from rnninspect.model import FindingKind, Inspection, Role

SMALL = {"mnist": {"hidden": 8},
         "ptb-noreuse": {"config": "small", "hidden": 4, "vocab": 12},
         "ptb-tiedlayers": {"config": "small", "hidden": 4, "vocab": 12}}
CASES = [(name, steps) for name in SMALL for steps in (1, 2, 20)]


def _split_fused(ins: Inspection) -> Counter[tuple[str | None, Role, str]]:
    """(cell, role, placement) of every weight, a fused kernel counted as its two halves."""
    found: Counter[tuple[str | None, Role, str]] = Counter()
    for v in ins.variables:
        roles = ((Role.INPUT_TO_HIDDEN, Role.HIDDEN_TO_HIDDEN)
                 if v.role is Role.INPUT_HIDDEN_FUSED else (v.role,))
        for role in roles:
            found[(v.cell, role, v.placement.value)] += 1
    return found


def _kinds(ins: Inspection) -> list[str]:
    # dead_weight is the Keras dialect's own: at T = 1 its separate recurrent kernel only
    # multiplies the zero initial state (a fused kernel is only partly dead: not reported).
    return sorted(f.kind.value for f in ins.findings if f.kind is not FindingKind.DEAD_WEIGHT)


@pytest.mark.parametrize(("name", "steps"), CASES)
def test_dialects_agree_on_every_weight(name: str, steps: int) -> None:
    legacy = inspect(name, dialect="legacy", num_steps=steps, **SMALL[name])
    keras = inspect(name, dialect="keras", num_steps=steps, **SMALL[name])
    assert legacy.num_steps == keras.num_steps == steps
    assert legacy.total_params == keras.total_params
    assert _split_fused(legacy) == _split_fused(keras)
    assert _kinds(legacy) == _kinds(keras)
    if name == "ptb-tiedlayers":
        assert "shared_across_layers" in _kinds(keras)
    assert all(v.steps == tuple(range(steps)) for v in keras.variables
               if v.cell is not None and name != "ptb-noreuse")
