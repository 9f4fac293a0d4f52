"""analysis/grads.py on hand-made numbers: the report's rows, the Σ = ∇ check at its
tolerance, and each gradient finding at the edge where it starts to fire."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from rnninspect.analysis.grads import (
    EXPLODE,
    FADE,
    TOLERANCE,
    GradientReport,
    StepGradients,
    find_gradient_problems,
    report_from,
    with_findings,
)
from tests.models.inspections import ptb_like


def _sg(norms: tuple[float, ...], reaches: tuple[bool, ...] = (), name: str = "w",
        summed: float = 1.0, total: float = 1.0) -> StepGradients:
    return StepGradients(name, tuple(range(len(norms))), norms, summed, total, reaches)


def _report(*rows: StepGradients, dead: tuple[str, ...] = ()) -> GradientReport:
    return GradientReport("m", "legacy", 4, 1.0, rows, dead=dead)


# --- the report's rows ------------------------------------------------------------------------


def test_report_rows_group_the_labels_per_variable_in_order() -> None:
    ins = ptb_like(3)
    dyn = ins.variables[1].name
    ins = replace(ins, variables=tuple(replace(v, dynamic=v.name == dyn) for v in ins.variables))
    labels = [("a", 0), ("b", 0), ("a", 1), ("a", 2)]
    report = report_from(ins, 2.5, labels, [1, 2, 3, 4], {"a": 7.0}, {"a": 7.5, "b": 2.0})
    assert (report.model, report.dialect, report.num_steps, report.loss) == (
        ins.model, ins.dialect, ins.num_steps, 2.5)
    assert report.dynamic == (dyn,)
    a, b = report.variables
    assert a == StepGradients("a", (0, 1, 2), (1.0, 3.0, 4.0), 7.0, 7.5, ())
    assert b == StepGradients("b", (0,), (2.0,), 0.0, 2.0, ())
    assert all(isinstance(n, float) for n in a.norms)
    assert report.findings == ()
    flagged = report_from(ins, 2.5, labels, [1, 2, 3, 4], {}, {}, [True, False, False, True])
    assert [v.reaches for v in flagged.variables] == [(True, False, True), (False,)]
    assert [(v.summed, v.total) for v in flagged.variables] == [(0.0, 0.0), (0.0, 0.0)]


def test_first_step_ratio_and_agreement() -> None:
    v = _sg((0.0, 2.0, 4.0, 8.0))
    assert v.first_step == 1  # step 0 of a recurrent kernel multiplies h_-1 = 0
    assert v.ratio == 4.0
    assert _sg((0.0, 0.0)).first_step == 0
    assert _sg((0.0, 0.0)).ratio == math.inf
    assert _sg((2.0, 1.0)).ratio == 0.5
    total = 10000.0  # TOLERANCE × total is exactly 1.0
    assert TOLERANCE * total == 1.0
    assert _sg((1.0,), summed=total + 1.0, total=total).agrees  # at the tolerance: agrees
    assert _sg((1.0,), summed=total - 1.0, total=total).agrees
    assert not _sg((1.0,), summed=total + 1.5, total=total).agrees
    assert not _sg((1.0,), summed=total - 1.5, total=total).agrees
    assert _sg((1.0,), summed=0.0, total=0.0).agrees
    assert not _sg((1.0,), summed=1e-20, total=0.0).agrees  # tolerance of a zero gradient


# --- findings -----------------------------------------------------------------------------------


def test_nothing_to_say_about_healthy_gradients() -> None:
    assert find_gradient_problems(_report(_sg((1.0, 1.0, 1.0, 1.0), (True,) * 4))) == ()
    assert with_findings(_report(_sg((1.0, 2.0)))).findings == ()


def test_dead_weights_name_at_most_four_and_count_all() -> None:
    dead = ("a", "b", "c", "d", "e")
    [finding] = find_gradient_problems(_report(dead=dead))
    assert (finding.kind, finding.severity, finding.variables, finding.steps) == (
        "dead_weight", "warning", dead, ())
    assert finding.message == ("5 trainable weight(s) get an exactly zero gradient from the "
                               "loss: training never changes them (a, b, c, d)")
    assert finding.fix == ("connect them to the loss, or drop them (a T=1 recurrent kernel "
                           "with a zero initial state, a layer whose output is never read)")
    assert with_findings(_report(dead=dead)).findings == (finding,)
    # the dead weights stay when the rows come after them
    kinds = [f.kind for f in find_gradient_problems(_report(_sg((1.0, 1.0)), dead=("x",)))]
    assert kinds == ["dead_weight"]


def test_dead_steps_grouped_by_the_steps() -> None:
    rows = (
        _sg((1.0,) * 4, (False, False, False, True), name="fw"),
        _sg((1.0,) * 4, (False, False, False, True), name="fw_b"),
        _sg((1.0,) * 4, (True, False, True, False), name="bw"),
        _sg((1.0,) * 4, (False,) * 4, name="all_dead"),  # none reaches: not "dead steps"
        _sg((1.0,) * 4, (), name="unmeasured"),
    )
    found = find_gradient_problems(_report(*rows))
    assert [(f.kind, f.variables, f.steps) for f in found] == [
        ("dead_steps", ("fw", "fw_b"), (0, 1, 2)), ("dead_steps", ("bw",), (1, 3))]
    assert found[0].message == ("steps 0…2 of fw, fw_b contribute exactly zero: nothing "
                                "computed at those steps reaches the loss")
    assert found[1].message.startswith("steps 1, 3 of bw contribute")
    assert found[0].severity == "warning"
    assert found[0].fix == ("read every step's output (e.g. concatenate both directions' "
                            "outputs at each step rather than taking outputs[-1]), or stop "
                            "computing those steps")
    [two] = find_gradient_problems(_report(_sg((1.0,) * 3, (False, False, True))))
    assert two.message.startswith("steps 0, 1 of w ")
    [late] = find_gradient_problems(_report(_sg((1.0,) * 4, (True, False, False, False))))
    assert late.message.startswith("steps 1…3 of w ")


def test_vanishing_fires_below_the_fade_line_before_the_peak_only() -> None:
    peak = 4.0
    below, at = FADE * peak * 0.5, FADE * peak
    [vanish] = find_gradient_problems(_report(_sg((0.0, below, below * 1.5, at, peak, below))))
    assert (vanish.kind, vanish.severity, vanish.variables) == ("vanishing", "warning", ("w",))
    assert vanish.steps == (1, 2)  # step 3 is at the line, step 5 after the peak
    assert vanish.message == (f"w: step contributions fall below {FADE:g} of the peak (step 4) "
                              "at step 2 going back in time; last/first = 1")
    assert vanish.fix == ("put the loss on every step rather than the last only, or shorten "
                          "the sequences; a plain RNN cell: use a gated one (LSTM/GRU); an "
                          "LSTM: a forget-gate bias of 1")
    assert find_gradient_problems(_report(_sg((at, peak)))) == ()
    assert find_gradient_problems(_report(_sg((0.0, below)))) == ()  # one live step: no trend


def test_exploding_fires_above_the_explode_line() -> None:
    last = 2.0
    [boom] = find_gradient_problems(_report(_sg((0.0, EXPLODE * last * 2, 5.0, last))))
    assert (boom.kind, boom.severity, boom.variables, boom.steps) == (
        "exploding", "warning", ("w",), (1, 2, 3))
    assert boom.message == ("w: contributions grow going back in time: the first contributing "
                            "step gives 2e+03× the last (last/first = 0.0005)")
    assert boom.fix == ("clip gradients (tf.clip_by_global_norm), initialise the recurrent "
                        "kernel orthogonally or smaller, lower the learning rate")
    assert find_gradient_problems(_report(_sg((EXPLODE * last, last)))) == ()


@pytest.mark.parametrize(("norms", "kinds"), [
    ((1e-9, 1.0, 1e-6), ["vanishing"]),  # the first below the last: not exploding
    ((1.0, 1e-9), ["exploding"]),  # the first above the last: exploding, nothing before peak
])
def test_fading_and_exploding_are_told_apart(norms: tuple[float, ...], kinds: list[str]) -> None:
    assert [f.kind for f in find_gradient_problems(_report(_sg(norms)))] == kinds
