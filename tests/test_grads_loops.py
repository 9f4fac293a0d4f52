"""Per-step gradients through the loop forms of TF1 code (issue 12): static_rnn with
`sequence_length` (every step inside a conditional) and dynamic_rnn (a while loop, through a
statically unrolled twin). One LSTM with the same weights written four ways
(tests/models/forms/tf1_loops.py): at full lengths they compute the same function, so each
step's contribution must be the same in all four."""

from __future__ import annotations

import pytest

from rnninspect.api import gradients

FORMS = "tests/models/forms/tf1_loops.py"
KERNEL, BIAS = "rnn/lstm_cell/kernel", "rnn/lstm_cell/bias"


@pytest.fixture(scope="module")
def plain():
    return gradients(f"{FORMS}:static_plain")


def _norms(report):
    return {v.variable: v.norms for v in report.variables}


def test_static_rnn_gives_a_part_per_step_that_adds_up(plain):
    rows = _norms(plain)
    assert sorted(rows) == [BIAS, KERNEL]
    assert all(len(n) == 4 and min(n) > 0 for n in rows.values())
    assert all(v.agrees for v in plain.variables)


def test_sequence_length_steps_inside_conditionals_are_split_like_plain_steps(plain):
    report = gradients(f"{FORMS}:static_lengths")
    assert report.dynamic == ()
    assert not [n for n in report.notes if "conditional" in n]
    assert all(v.agrees for v in report.variables)
    got, want = _norms(report), _norms(plain)
    assert sorted(got) == sorted(want)
    for name, norms in want.items():
        assert got[name] == pytest.approx(norms, rel=1e-5), name
