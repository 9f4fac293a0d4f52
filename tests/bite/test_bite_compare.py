"""analysis/compare.py on hand-made Inspections: every field of a change, how weights are
paired (where they sit first, then shape, then name), when two models are versions of one,
and each branch of the seed answer."""

from __future__ import annotations

from dataclasses import replace

from rnninspect.analysis.compare import (
    Change,
    ChangeKind,
    compare,
    describe_place,
    diff,
    looks_like_versions,
    pair_by_structure,
    seed_answer,
)
from rnninspect.model import (
    Cell,
    Finding,
    FindingKind,
    Inspection,
    Placement,
    Role,
    Severity,
)
from tests.models.inspections import _inspection, mnist_like, ptb_like, var

H = 4
CELL = "model/RNN/multi_rnn_cell/cell_{}/basic_lstm_cell"


def _ins(model: str, variables: list, cells: list, **kw: object) -> Inspection:
    return _inspection(model, variables, cells, **{"findings": (), **kw})


def _ptb(layers: int = 2, hidden: int = H) -> Inspection:
    return ptb_like(3, layers=layers, hidden=hidden, vocab=10, step_graph=False)


# --- changes ----------------------------------------------------------------------------------


def test_a_removed_layer_is_every_field_of_its_changes() -> None:
    two, one = _ptb(2), _ptb(1)
    kernel, bias = (two.variable(f"{CELL.format(1)}/{n}") for n in ("kernel", "bias"))
    fused = "input+hidden (fused), in layer 1"
    assert diff(two, one) == (
        Change(ChangeKind.REMOVED, bias.name, (16,), None, -16, 3, 0, "bias, in layer 1"),
        Change(ChangeKind.REMOVED, kernel.name, (8, 16), None, -128, 3, 0, fused),
    )
    assert diff(one, two) == (
        Change(ChangeKind.ADDED, bias.name, None, (16,), 16, 0, 3, "bias, in layer 1"),
        Change(ChangeKind.ADDED, kernel.name, None, (8, 16), 128, 0, 3, fused),
    )


def test_a_reshaped_weight_keeps_its_steps_and_place() -> None:
    a, b = _ptb(1, hidden=4), _ptb(1, hidden=6)
    changes = {c.name: c for c in diff(a, b)}
    assert {c.kind for c in changes.values()} == {ChangeKind.RESHAPED}
    kernel = f"{CELL.format(0)}/kernel"
    assert changes[kernel] == Change(ChangeKind.RESHAPED, kernel, (8, 16), (12, 24),
                                     12 * 24 - 8 * 16, 3, 3, "input+hidden (fused), in layer 0")
    assert changes["model/embedding"].where == "embedding, before the cell"
    assert changes["model/softmax_w"].where == "hidden→output, after the cell"


def test_changes_in_kind_order_then_by_name() -> None:
    a = _ptb(2)
    k0 = f"{CELL.format(0)}/kernel"
    b = replace(_ptb(1), variables=tuple(
        replace(v, shared=False) if v.name == k0
        else replace(v, shared=True) if v.name == "model/softmax_w" else v
        for v in _ptb(1).variables))
    b = replace(b, variables=(*b.variables, var("zz/new", (2, 2), Role.OTHER, Placement.NONE)))
    kinds = [(c.kind, c.name) for c in diff(a, b)]
    assert kinds == [
        (ChangeKind.REMOVED, f"{CELL.format(1)}/bias"),
        (ChangeKind.REMOVED, f"{CELL.format(1)}/kernel"),
        (ChangeKind.ADDED, "zz/new"),
        (ChangeKind.NEWLY_SHARED, "model/softmax_w"), (ChangeKind.NEWLY_UNSHARED, k0)]
    shared = diff(a, b)[3]
    assert (shared.shape_before, shared.shape_after, shared.params_delta) == ((4, 10), (4, 10), 0)
    assert (shared.steps_before, shared.steps_after, shared.where) == (
        0, 0, "hidden→output, after the cell")


def test_describe_place_of_each_placement() -> None:
    assert describe_place(var("w", (2, 2), Role.OTHER, Placement.NONE)) == \
        "other, outside any cell"
    assert describe_place(var("w", (2, 2), Role.INPUT_TO_HIDDEN, Placement.BEFORE)) == \
        "input→hidden, before the cell"
    assert describe_place(var("w", (2, 2), Role.HIDDEN_TO_HIDDEN, Placement.CELL, cell="c",
                              layer=3)) == "hidden→hidden, in layer 3"


# --- pairing ----------------------------------------------------------------------------------


def _model(*weights: tuple[str, tuple[int, ...]], role: Role = Role.INPUT_TO_HIDDEN,
           place: Placement = Placement.BEFORE) -> Inspection:
    return _ins("m", [var(n, s, role, place) for n, s in weights], [])


def _pairs(a: Inspection, b: Inspection) -> list[tuple[str, str]]:
    return sorted((x.name, y.name) for x, y in pair_by_structure(a, b)[0])


def test_pairing_prefers_shape_and_name_then_shape_then_name_then_order() -> None:
    # name and shape beat the order
    assert _pairs(_model(("a", (4, 4)), ("b", (4, 4))), _model(("b", (4, 4)), ("a", (4, 4)))) \
        == [("a", "a"), ("b", "b")]
    # shape beats name
    a, b = _model(("n1", (4, 4))), _model(("n1", (4, 8)), ("n2", (4, 4)))
    pairs, only_a, only_b = pair_by_structure(a, b)
    assert [(x.name, y.name) for x, y in pairs] == [("n1", "n2")]
    assert (only_a, [v.name for v in only_b]) == ([], ["n1"])
    # name beats order when no shape matches
    assert _pairs(_model(("n1", (2, 2)), ("n2", (3, 3))), _model(("n2", (5, 5)), ("n1", (6, 6)))) \
        == [("n1", "n1"), ("n2", "n2")]
    # finally anything left in the same place pairs up
    assert _pairs(_model(("a", (1, 1))), _model(("b", (2, 2)))) == [("a", "b")]


def test_weights_in_other_places_never_pair() -> None:
    a = _ins("m", [var("p", (4, 4), Role.INPUT_TO_HIDDEN, Placement.BEFORE),
                          var("q", (4, 4), Role.BIAS, Placement.AFTER)], [])
    b = _ins("m", [var("x", (4, 4), Role.HIDDEN_TO_OUTPUT, Placement.AFTER),
                          var("y", (4, 4), Role.EMBEDDING, Placement.BEFORE)], [])
    pairs, only_a, only_b = pair_by_structure(a, b)
    assert pairs == []
    assert [v.name for v in only_a] == ["p", "q"] and [v.name for v in only_b] == ["x", "y"]


def test_layers_keep_weights_apart() -> None:
    a = _ptb(2)
    renamed = {f"{CELL.format(k)}/{n}": f"L{k}/{n}" for k in (0, 1) for n in ("kernel", "bias")}
    b = replace(a, variables=tuple(reversed([replace(v, name=renamed.get(v.name, v.name))
                                             for v in a.variables])))
    pairs = dict(_pairs(a, b))
    assert all(pairs[old] == new for old, new in renamed.items())


def _birnn(order: tuple[str, ...], names: dict[str, str]) -> Inspection:
    direction = {"fw": "forward", "bw": "backward", "top": None}
    layer = {"fw": 0, "bw": 0, "top": 1}
    cells = [Cell(c, layer[c], "RNN", 4, (), ("h",), (names[c],), 3, False, direction[c])
             for c in order]
    variables = [var(names[c], (8, 4), Role.INPUT_HIDDEN_FUSED, Placement.CELL, cell=c,
                     layer=layer[c], steps=(0, 1, 2)) for c in order]
    return _ins("birnn", variables, cells, num_steps=3)


def test_directions_keep_forward_and_backward_apart() -> None:
    a = _birnn(("fw", "bw", "top"), {"fw": "fw/k", "bw": "bw/k", "top": "top/k"})
    b = _birnn(("bw", "fw", "top"), {"fw": "f/k", "bw": "b/k", "top": "t/k"})
    assert _pairs(a, b) == [("bw/k", "b/k"), ("fw/k", "f/k"), ("top/k", "t/k")]


# --- versions -----------------------------------------------------------------------------------


def test_versions_need_one_dialect_and_a_third_of_the_names() -> None:
    a = _model(("a", (1, 1)), ("b", (1, 1)), ("c", (1, 1)))
    assert looks_like_versions(a, a)
    assert not looks_like_versions(a, replace(a, dialect="keras"))
    one_of_three = _model(("a", (1, 1)), ("x", (1, 1)), ("y", (1, 1)))
    assert looks_like_versions(a, one_of_three)  # 3 × 1 ≥ 3
    four = _model(("a", (1, 1)), ("b2", (1, 1)), ("c2", (1, 1)), ("d2", (1, 1)))
    one_of_four = _model(("a", (1, 1)), ("x", (1, 1)), ("y", (1, 1)), ("z", (1, 1)))
    assert not looks_like_versions(four, one_of_four)  # 3 × 1 < 4
    assert not looks_like_versions(a, _model(("q", (1, 1))))
    state = _ins("m", [var("a", (1,), Role.TRAINING_STATE, Placement.NONE)], [])
    assert not looks_like_versions(state, state)  # optimizer slots are no model weights


def test_sides_list_every_role_but_training_state() -> None:
    a = _ins("m", [var("s", (1,), Role.TRAINING_STATE, Placement.NONE),
                          var("o", (2, 2), Role.OTHER, Placement.NONE)], [])
    cmp = compare(a, a)
    assert cmp.a.label == "A: m (legacy)" and cmp.b.label == "B: m (legacy)"
    assert [(r.role, r.placement, r.variables) for r in cmp.a.roles] == [
        (Role.OTHER, Placement.NONE, ("o",))]


# --- the seed answer ------------------------------------------------------------------------


def _without(ins: Inspection, *names: str) -> Inspection:
    return replace(ins, variables=tuple(v for v in ins.variables if v.name not in names))


def test_seed_answer_for_a_cell_fed_directly() -> None:
    projected = mnist_like(4, hidden=8)
    direct = _without(projected, "Variable", "Variable_2")
    lines = seed_answer(direct, projected)
    assert lines[0] == ("mnist (legacy): x_t enters the cell directly; its input→hidden "
                        "weights are rows 0–7 of the fused kernel rnn/basic_lstm_cell/kernel "
                        "[16, 32], applied at every step.")
    assert lines[1] == (
        "mnist (legacy): Variable [28, 8] multiplies the input once, outside and before the "
        "cell, then rows 0–7 of the fused kernel rnn/basic_lstm_cell/kernel [16, 32] multiply "
        "its output inside the cell at every step — two input→hidden matrices in a row.")
    assert seed_answer(projected, direct) == lines


def test_seed_answer_names_the_first_layer_0_cell_by_name() -> None:
    direct = _birnn(("fw", "bw"), {"fw": "fw/k", "bw": "bw/k"})
    lines = seed_answer(direct, mnist_like(4, hidden=8))
    assert "fused kernel bw/k [8, 4]" in lines[0]


def test_seed_answer_without_a_cell_input_in_the_projected_model() -> None:
    projected = mnist_like(4, hidden=8)
    kernel = "rnn/basic_lstm_cell/kernel"
    projected = replace(projected, variables=tuple(
        replace(v, role=Role.OTHER, row_split=None) if v.name == kernel else v
        for v in projected.variables))
    lines = seed_answer(_ptb(1), projected)
    assert lines[1].endswith("outside and before the cell — two input→hidden matrices in a row.")


def _adds(projected: Inspection) -> str:
    return seed_answer(_ptb(1), projected)[2]


def test_what_a_projection_adds_from_its_own_finding_only() -> None:
    base = mnist_like(4, hidden=8)
    p = base.variable("Variable")
    other = Finding(FindingKind.REDUNDANT_PROJECTION, Severity.WARNING, "m", ("Variable_1",))
    wrong_kind = Finding(FindingKind.DEAD_WEIGHT, Severity.WARNING, "m", ("Variable", "x"))
    none = replace(base, findings=(other, wrong_kind))
    assert _adds(none) == (
        f"What Variable adds: the analysis found no linear composition with the cell "
        f"(something nonlinear sits between), so it is a nonlinear input layer of "
        f"{p.params:,} parameters.")
    [rp] = base.findings
    rp = replace(rp, params=224)
    assert _adds(replace(base, findings=(rp,))) == (
        "What Variable adds: no nonlinearity sits between it and the cell, so it composes with "
        "those input rows into one [28, 32] matrix of rank ≤ 8: 1,120 parameters where 896 "
        f"express the same functions — 224 extra parameters "
        f"({100 * 224 / base.total_params:.0f}% of the model's {base.total_params:,}), and no "
        "extra expressive power.")
    assert _adds(replace(base, findings=(rp,), total_params=0)).count("(0% of the model's 0)")


def test_what_a_projection_adds_when_the_shapes_do_not_say() -> None:
    base = mnist_like(4, hidden=8)
    [rp] = base.findings
    rp = replace(rp, params=224, message="it composes")
    fallback = "What Variable adds: 224 parameters; it composes."
    assert _adds(replace(base, findings=(replace(rp, variables=("Variable",)),))) == fallback
    into_bias = replace(rp, variables=("Variable", "Variable_2"))
    assert _adds(replace(base, findings=(into_bias,))) == fallback
    unknown = replace(base, findings=(rp,), variables=tuple(
        replace(v, shape=(None, 8)) if v.name == "Variable" else v for v in base.variables))
    assert _adds(unknown) == fallback
    unknown_out = replace(base, findings=(rp,), variables=tuple(
        replace(v, shape=(28, None)) if v.name == "Variable" else v for v in base.variables))
    assert _adds(unknown_out) == fallback
