"""compare: side-by-side totals add up, diffs of versions, the seed answer from the analysis."""

from __future__ import annotations

import json
from dataclasses import replace

from rnninspect.analysis.compare import ChangeKind, compare, looks_like_versions
from rnninspect.render.compare import comparison_renderable, comparison_to_dict
from tests.helpers import make_console

SMALL = {"num_steps": 4, "hidden": 8, "vocab": 50}


def render(cmp: object, width: int = 100) -> str:
    console, buffer = make_console(width)
    console.print(comparison_renderable(cmp))  # type: ignore[arg-type]
    return buffer.getvalue()


def test_seed_question_ptb_vs_mnist(inspect_cached, golden):
    ptb, mnist = inspect_cached("ptb", dialect="legacy"), inspect_cached("mnist", dialect="legacy")
    cmp = compare(ptb, mnist)
    text = render(cmp)
    golden("sharing/compare-ptb-mnist-legacy-100.txt", text)
    # Invariant: per-role unique params add up to each inspection's total.
    for side, ins in ((cmp.a, ptb), (cmp.b, mnist)):
        assert sum(r.params for r in side.roles) == ins.total_params
        assert sum(len(r.variables) for r in side.roles) == len(ins.variables)
    assert not cmp.versions and cmp.changes == ()
    ptb_line, mnist_line, adds = cmp.seed_answer
    assert "model/embedding [10000, 200]" in ptb_line and "rows 0–199" in ptb_line
    assert "Variable [28, 128]" in mnist_line and "rows 0–127" in mnist_line
    (finding,) = [f for f in mnist.findings if f.kind.value == "redundant_projection"]
    assert f"{finding.params:,} extra parameters" in adds and "rank ≤ 28" in adds
    assert max(len(line) for line in text.splitlines()) <= 100


def test_seed_answer_either_order_and_keras(inspect_cached):
    ptb, mnist = inspect_cached("ptb", dialect="keras"), inspect_cached("mnist", dialect="keras")
    forward, backward = compare(ptb, mnist).seed_answer, compare(mnist, ptb).seed_answer
    assert forward == backward and len(forward) == 3
    assert "hidden/kernel [28, 128]" in forward[1]
    assert "lstm_cell/kernel [128, 512]" in forward[1]
    assert compare(ptb, ptb).seed_answer == ()


def test_noreuse_diff_accounts_for_every_parameter(inspect_cached):
    a = inspect_cached("ptb", dialect="keras", **SMALL)
    b = inspect_cached("ptb-noreuse", dialect="keras", **SMALL)
    cmp = compare(a, b)
    assert cmp.versions and looks_like_versions(a, b)
    # Paired by structure, each shared weight of ptb becomes its step-0 copy (now read at one
    # step: unshared), and the copies of steps 1-3 are new weights.
    kinds = {c.kind for c in cmp.changes}
    assert kinds == {ChangeKind.NEWLY_UNSHARED, ChangeKind.ADDED}
    unshared = [c for c in cmp.changes if c.kind is ChangeKind.NEWLY_UNSHARED]
    added = [c for c in cmp.changes if c.kind is ChangeKind.ADDED]
    assert len(unshared) == 6 and all(c.steps_before == 4 and c.steps_after == 1
                                      for c in unshared)
    assert len(added) == 6 * 3 and all(c.steps_after == 1 for c in added)
    assert sum(c.params_delta for c in cmp.changes) == b.total_params - a.total_params
    assert "duplicated_across_steps" in render(cmp)


def test_resized_model_is_reshaped_only(inspect_cached):
    a = inspect_cached("ptb", dialect="keras", **SMALL)
    b = inspect_cached("ptb", dialect="keras", num_steps=4, hidden=16, vocab=50)
    cmp = compare(a, b)
    assert {c.kind for c in cmp.changes} == {ChangeKind.RESHAPED}
    resized = [v.name for v in a.variables if v.shape != b.variable(v.name).shape]
    assert [c.name for c in cmp.changes] == sorted(resized) and len(resized) == 8
    assert sum(c.params_delta for c in cmp.changes) == b.total_params - a.total_params


def test_newly_shared_and_unshared(inspect_cached):
    a = inspect_cached("ptb", dialect="keras", **SMALL)
    first, softmax = a.variable("lstm_cell_0/kernel"), a.variable("softmax/kernel")
    b = replace(a, variables=tuple(
        replace(v, shared=False, steps=(0,)) if v is first
        else replace(v, shared=True) if v is softmax else v for v in a.variables))
    cmp = compare(a, b)
    assert [(c.kind, c.name) for c in cmp.changes] == [
        (ChangeKind.NEWLY_SHARED, "softmax/kernel"),
        (ChangeKind.NEWLY_UNSHARED, "lstm_cell_0/kernel")]
    assert "newly unshared" in render(cmp)


def test_different_models_get_no_diff(inspect_cached):
    a = inspect_cached("ptb", dialect="keras", **SMALL)
    b = inspect_cached("ptb", dialect="legacy", **SMALL)
    cmp = compare(a, b)
    assert not cmp.versions and cmp.changes == ()
    assert "no variable-by-variable diff" in " ".join(render(cmp).split())


def test_comparison_json(inspect_cached, golden):
    a = inspect_cached("ptb", dialect="keras", **SMALL)
    b = inspect_cached("ptb-noreuse", dialect="keras", **SMALL)
    data = json.loads(json.dumps(comparison_to_dict(compare(a, b))))
    assert data["schema"] == "rnninspect.comparison/1" and data["versions"] is True
    assert data["a"]["total_params"] == a.total_params
    assert sum(r["params"] for r in data["b"]["roles"]) == b.total_params
    assert len(data["changes"]) == 6 + 6 * 3
    golden("sharing/compare-ptb-noreuse-keras.json", json.dumps(data, indent=2) + "\n")
