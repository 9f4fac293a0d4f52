"""`unresolved`: what the analysis read but could not place is named, never guessed — for a
weight beside a recurrence and for a weight read twice with no recurrence to explain it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rnninspect.analysis.findings import find_problems
from rnninspect.model import FindingKind, Inspection, Role, Severity, VariableInfo

SPEC = "tests/models/bite/tf1_unresolved.py:"
FIX_PLACED = ("look at the ops around it with `rnninspect diagram MODEL --view step`; if the "
              "program is a common RNN form, report it")


def _unresolved(findings) -> list:  # type: ignore[no-untyped-def]
    return [f for f in findings if f.kind is FindingKind.UNRESOLVED]


def test_a_weight_beside_the_recurrence(fresh) -> None:
    ins = fresh(SPEC + "side_branch")
    scale = ins.variable("scale")
    assert scale.role is Role.OTHER and scale.cell is None and scale.reads == 1
    [f] = _unresolved(ins.findings)
    assert f.severity is Severity.WARNING and f.variables == ("scale",) and f.params == 16
    assert f.message == (
        "could not tell where 1 weight sits (scale): read by the computation, but in no "
        "pattern the analysis can prove (not a matmul or gather of the data, the recurrent "
        "state or the cell outputs); roles shown as 'other' are unknown, not guessed")
    assert f.fix == FIX_PLACED
    assert [x.kind for x in ins.findings] == [FindingKind.UNRESOLVED]


def test_two_weights_beside_the_recurrence(fresh) -> None:
    ins = fresh(SPEC + "two_side_weights")
    [f] = _unresolved(ins.findings)
    assert f.variables == ("scale", "shift") and f.params == 32
    assert f.message.startswith("could not tell where 2 weights sit (scale, shift): read by")


def test_what_is_never_unresolved(fresh) -> None:
    ins = fresh(SPEC + "side_branch")
    scale = ins.variable("scale")
    def with_scale(changed: VariableInfo) -> Inspection:
        return replace(ins, variables=tuple(changed if v is scale else v for v in ins.variables))

    for changed in (replace(scale, trainable=False), replace(scale, reads=0),
                    replace(scale, role=Role.BIAS), replace(scale, cell="cell0", shape=(16,)),
                    replace(scale, placement=ins.variable("w_out").placement)):
        assert _unresolved(find_problems(with_scale(changed))) == []
    # in a cell, a matrix with no role is placed, but what it connects is unknown (a kernel
    # read by no matmul, docs/analysis.md): named by its own finding, not the one above
    [f] = _unresolved(find_problems(with_scale(replace(scale, cell="cell0"))))
    assert f.variables == ("scale",)
    assert f.message.startswith("could not tell what scale connects in its cell")
    # a checkpoint has no graph: nothing about reads can be unresolved
    assert _unresolved(find_problems(replace(ins, dialect="checkpoint"))) == []
    # recurrent by a while loop alone (no unrolled cells) still counts as recurrent
    looped = tuple(replace(v, dynamic=True) if v.cell else v for v in ins.variables)
    [f] = _unresolved(find_problems(replace(ins, cells=(), variables=looped)))
    assert f.variables == ("scale",)
    # with no recurrence at all, a single read is no evidence of anything (only the kernel,
    # read at 3 steps that no longer form a recurrence, is named)
    [f] = _unresolved(find_problems(replace(ins, cells=())))
    assert f.variables == ("RNN/basic_rnn_cell/kernel",)


def test_a_weight_read_twice_without_recurrence(fresh) -> None:
    ins = fresh(SPEC + "parallel_reads")
    assert ins.cells == () and ins.num_steps is None
    [f] = _unresolved(ins.findings)
    assert f.severity is Severity.WARNING and f.variables == ("w",) and f.params == 9
    assert f.message == ("no recurrence could be proven, yet w (2 reads) is read several "
                         "times: the reads form no single chain of time steps")
    assert f.fix == "if these are time steps, check that each step's state feeds the next"
    assert sorted(x.kind for x in ins.findings) == [FindingKind.NO_RECURRENCE,
                                                    FindingKind.UNRESOLVED]


@pytest.mark.parametrize("change", [
    {"trainable": False}, {"reads": 1}, {"shape": (9,)}, {"role": Role.EMBEDDING},
    {"also_roles": (Role.HIDDEN_TO_OUTPUT,)},
])
def test_what_a_repeated_read_without_recurrence_needs(fresh, change: dict) -> None:
    ins = fresh(SPEC + "parallel_reads")
    w = replace(ins.variable("w"), **change)
    assert _unresolved(find_problems(replace(ins, variables=(w,)))) == []


def test_several_repeated_reads_are_listed(fresh) -> None:
    ins = fresh(SPEC + "parallel_reads")
    w = ins.variable("w")
    v = replace(w, name="v", reads=3)
    [f] = _unresolved(find_problems(replace(ins, variables=(w, v))))
    assert f.variables == ("w", "v") and f.params == 18
    assert f.message.startswith("no recurrence could be proven, yet w (2 reads), v (3 reads) "
                                "is read several times")
