"""Findings and explanations that a planted bug once slipped past (issue 17): each test here
fails when its finding stops firing, fires with the wrong numbers, or says something else."""

from __future__ import annotations

import pytest

from rnninspect.model import FindingKind, Inspection, Role, Severity
from rnninspect.render.explain import explain
from tests.models.forms import keras_forms as kf

T = 5
WHILE_LOOP = "Read inside a while loop: those weights serve every iteration (dynamic RNN)."


def _of(ins: Inspection, kind: FindingKind) -> list:  # the findings of one kind
    return [f for f in ins.findings if f.kind is kind]


# --- unused_variable -----------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "name"), [
    ("tests/models/bite/keras_unused.py:build", "rnn/cell/extra"),
    ("tests/models/bite/tf1_unused.py:build", "RNN/spare"),
])
def test_an_extra_trainable_weight_nothing_reads_is_reported(fresh, spec: str, name: str) -> None:
    ins = fresh(spec)
    extra = ins.variable(name)
    assert extra.trainable and extra.reads == 0 and extra.params == 16
    assert extra.role is Role.OTHER  # trainable: no optimizer slot or counter
    [finding] = _of(ins, FindingKind.UNUSED_VARIABLE)
    assert finding.severity is Severity.WARNING
    assert finding.variables == (name,)
    assert finding.params == extra.params == 16
    assert finding.message == (f"{name} [4, 4] is created but no op of the traced computation "
                               "reads it: 16 parameters that never train")
    assert finding.fix == "delete it, or check that the layer that owns it is actually called"
    # the rest of the model is unaffected: the cell still runs at every step, nothing else fires
    assert ins.num_steps == T and len(ins.cells) == 1
    assert [f.kind for f in ins.findings] == [FindingKind.UNUSED_VARIABLE]
    # an unused weight still counts: it exists and would be saved, it just never trains
    assert ins.total_params == sum(v.params for v in ins.variables if v.trainable)


def test_weights_that_are_read_are_never_unused(fresh) -> None:
    ins = fresh("ptb", dialect="legacy", config="test", num_steps=3)
    assert all(v.reads > 0 for v in ins.variables if v.trainable)
    assert _of(ins, FindingKind.UNUSED_VARIABLE) == []


# --- shared_across_layers: the parameter formula with more than two tied layers -------------


@pytest.mark.parametrize("dialect", ["legacy", "keras"])
@pytest.mark.parametrize("layers", [3, 4])
def test_tied_layers_params_count_every_extra_layer(fresh, dialect: str, layers: int) -> None:
    ins = fresh("ptb-tiedlayers", dialect=dialect, config="test", num_steps=T, layers=layers)
    tied = [v for v in ins.variables if v.also_cells]
    assert tied and all(len(v.also_cells) == layers - 1 for v in tied)
    [finding] = _of(ins, FindingKind.SHARED_ACROSS_LAYERS)
    assert finding.params == sum(v.params * len(v.also_cells) for v in tied)
    assert finding.params == (layers - 1) * sum(v.params for v in tied)
    assert finding.params != sum(v.params for v in tied)  # the two-layer formula differs here
    assert finding.severity is Severity.ERROR
    assert finding.variables == tuple(sorted(v.name for v in tied))
    cells = ", ".join(f"cell{k}" for k in range(layers))
    names = ", ".join(finding.variables)
    assert finding.message == (
        f"{layers} layers ({cells}) run on the same weights ({names}): the stack has one "
        f"cell's capacity; separate layers would add {finding.params:,} parameters")
    fixes = {
        "legacy": "build one cell object per layer: MultiRNNCell([make_cell() for _ in "
                  "range(num_layers)]) instead of MultiRNNCell([cell] * num_layers)",
        "keras": "create one cell object per layer ([LSTMCell(n) for _ in range(layers)]) "
                 "instead of repeating one object ([cell] * layers)",
    }
    assert finding.fix == fixes[dialect]


@pytest.mark.parametrize("dialect", ["legacy", "keras"])
@pytest.mark.parametrize(("layers", "steps"), [(3, 2), (4, 3), (2, 1)])
def test_tied_layers_with_fewer_steps_than_layers(fresh, dialect: str, layers: int,
                                                  steps: int) -> None:
    ins = fresh("ptb-tiedlayers", dialect=dialect, config="test", num_steps=steps,
                layers=layers)
    assert ins.num_steps == steps and len(ins.cells) == layers


def test_separate_layers_are_not_shared_across_layers(fresh) -> None:
    ins = fresh("ptb", dialect="keras", config="test", num_steps=3, layers=2)
    assert len(ins.cells) == 2 and not any(v.also_cells for v in ins.variables)
    assert _of(ins, FindingKind.SHARED_ACROSS_LAYERS) == []


# --- weight tying: guarded in both dialects ---------------------------------------------------


def _assert_tied(ins: Inspection, name: str, shape: str) -> None:
    emb = ins.variable(name)
    assert emb.role is Role.EMBEDDING and emb.also_roles == (Role.HIDDEN_TO_OUTPUT,)
    assert emb.cell is None and emb.reads == 2 and emb.steps == ()
    assert emb.shared  # read twice, outside the steps
    [finding] = _of(ins, FindingKind.WEIGHT_TYING)
    assert finding.severity is Severity.INFO and finding.variables == (name,)
    assert finding.params == 0  # nothing wrong, nothing at stake
    assert finding.message == (
        f"{name} {shape} is tied: gathered as the input embedding and, transposed, "
        "multiplied as the output matrix — one variable, two roles, counted once")
    # counted once: the tied matrix contributes its parameters a single time
    assert ins.total_params == sum(v.params for v in ins.variables if v.trainable)
    assert not ins.by_role(Role.HIDDEN_TO_OUTPUT)  # no second, phantom output matrix


def test_weight_tying_in_a_tf1_lm(fresh) -> None:
    ins = fresh("tests/models/real/tied_lm.py:build")
    _assert_tied(ins, "Model/embedding", "[24, 8]")
    assert ins.total_params == 624


def test_weight_tying_in_a_keras_lm(fresh_keras) -> None:
    ins = fresh_keras("tied", kf.tied)
    _assert_tied(ins, "embed/embeddings", "[20, 4]")


def test_an_untied_lm_has_no_weight_tying(fresh) -> None:
    ins = fresh("ptb", dialect="legacy", config="test", num_steps=3)
    assert ins.by_role(Role.HIDDEN_TO_OUTPUT) and not any(v.also_roles for v in ins.variables)
    assert _of(ins, FindingKind.WEIGHT_TYING) == []


# --- the other findings, word for word ---------------------------------------------------------


@pytest.mark.parametrize("dialect", ["legacy", "keras"])
def test_missing_reuse_names_each_step_and_the_waste(fresh, dialect: str) -> None:
    ins = fresh("ptb-noreuse", dialect=dialect, config="test", num_steps=3, layers=2)
    findings = _of(ins, FindingKind.DUPLICATED_ACROSS_STEPS)
    assert [f.message.split(":")[0] for f in findings] == ["cell0", "cell1"]
    for f, cell in zip(findings, ("cell0", "cell1"), strict=True):
        members = [ins.variable(n) for n in f.variables]
        assert all(v.cell == cell and len(v.steps) == 1 for v in members)
        assert sorted({v.steps[0] for v in members}) == [0, 1, 2]
        per_step = len(members) // 3
        assert f.params == sum(v.params for v in members) * 2 // 3  # all but one copy
        assert f.severity is Severity.ERROR
        what = {"legacy": "bias [8] + input+hidden (fused) [4, 8]",
                "keras": "bias [8] + hidden→hidden [2, 8] + input→hidden [2, 8]"}[dialect]
        assert f.message == (
            f"{cell}: new weights ({what}) are created at each of 3 steps — missing reuse: "
            f"{3 * per_step} variables, {f.params:,} parameters more than one shared copy, "
            "and each step learns its own cell")
    fix = findings[0].fix or ""
    assert ("reuse_variables()" in fix) is (dialect == "legacy")
    assert ("outside the loop over time steps" in fix) is (dialect == "keras")


def test_redundant_projection_counts_both_ways(fresh) -> None:
    ins = fresh("mnist", dialect="keras")
    [f] = _of(ins, FindingKind.REDUNDANT_PROJECTION)
    proj, kernel = ins.variable("hidden/kernel"), ins.variable("lstm_cell/kernel")
    assert f.variables == (proj.name, kernel.name)
    through = proj.params + 128 * kernel.shape[1]  # projection + the kernel's input rows
    direct = 28 * kernel.shape[1]
    assert f.params == through - direct == 54_784
    assert f.severity is Severity.INFO
    assert f.message == (
        "hidden/kernel [28, 128] is a linear projection outside the cell feeding the input "
        "rows of lstm_cell/kernel; with no nonlinearity in between the two compose into one "
        "[28, 512] matrix (rank ≤ 28): 69,120 parameters where 14,336 express the same "
        "functions")
    assert f.fix == ("drop the projection and feed the input to the cell directly, or add an "
                     "activation if a nonlinear input layer was intended")


def test_no_recurrence_is_the_only_finding_of_a_plain_mlp(fresh_keras) -> None:
    ins = fresh_keras("mlp", kf.no_recurrence)
    [f] = ins.findings
    assert f.kind is FindingKind.NO_RECURRENCE and f.severity is Severity.INFO
    assert f.variables == () and f.params == 0 and f.fix is None
    assert f.message == ("no recurrence found: no weight is read at successive time steps "
                         "(a single step, or a model without RNN layers)")
    assert explain(ins)[-1] == "No recurrence found: no weight is read at successive time steps."


# --- explanations of while-loop models --------------------------------------------------------


@pytest.mark.parametrize("model", ["keras-lstm", "gru", "dynamic"])
def test_while_loop_models_say_so(fresh, model: str) -> None:
    ins = fresh(model)
    assert ins.num_steps is None and any(v.dynamic for v in ins.variables)
    # not every variable is in the loop (the output layer is not): `any`, not `all`
    assert not all(v.dynamic for v in ins.variables)
    lines = explain(ins)
    assert lines.count(WHILE_LOOP) == 1
    assert not any(line.startswith("No recurrence") for line in lines)


def test_a_static_unroll_has_no_while_loop_line(fresh) -> None:
    ins = fresh("ptb", dialect="legacy", config="test", num_steps=3)
    lines = explain(ins)
    assert WHILE_LOOP not in lines
    cell = [v for v in ins.variables if v.steps]
    cell_params = sum(v.params for v in cell)
    n = len(cell)
    assert (f"Shared across steps: {n} of {n} cell variables ({cell_params:,} parameters) are read "
            f"at all 3 steps — one copy of the weights, {ins.logical_params:,} logical parameter "
            "uses in total.") in lines


# --- edges of the rules, on real inspections altered where no real program goes ----------------


def test_missing_reuse_at_two_steps_is_already_a_finding(fresh) -> None:
    ins = fresh("ptb-noreuse", dialect="legacy", config="test", num_steps=2)
    [f] = _of(ins, FindingKind.DUPLICATED_ACROSS_STEPS)
    assert "created at each of 2 steps" in f.message


def test_fixes_for_an_unknown_dialect_are_the_keras_wording(fresh) -> None:
    from dataclasses import replace

    from rnninspect.analysis.findings import find_problems

    for spec, options, kind in [
        ("ptb-noreuse", {"num_steps": 2}, FindingKind.DUPLICATED_ACROSS_STEPS),
        ("ptb-tiedlayers", {"num_steps": 3, "layers": 2}, FindingKind.SHARED_ACROSS_LAYERS),
    ]:
        keras = fresh(spec, dialect="keras", config="test", **options)
        [want] = _of(keras, kind)
        [got] = [f for f in find_problems(replace(keras, dialect="graphdef")) if f.kind is kind]
        assert got.fix == want.fix and got.fix is not None


@pytest.mark.parametrize("dialect", ["legacy", "keras"])
def test_redundant_projection_in_both_dialects(fresh, dialect: str) -> None:
    ins = fresh("mnist", dialect=dialect)
    [f] = _of(ins, FindingKind.REDUNDANT_PROJECTION)
    kernel = ins.variable(f.variables[1])
    rows = 128  # the input rows: all of a Keras input kernel, rows 0–127 of a fused TF1 one
    assert kernel.shape[0] == (rows if dialect == "keras" else 2 * rows)
    assert f.params == 28 * 128 + rows * 512 - 28 * 512


def test_redundant_projection_arithmetic_with_unknown_dimensions(fresh) -> None:
    from dataclasses import replace

    from rnninspect.analysis.findings import find_problems

    ins = fresh("mnist", dialect="keras")
    proj, kernel = ins.variable("hidden/kernel"), ins.variable("lstm_cell/kernel")

    def at_stake(*, kernel_shape: tuple, extra: tuple = ()) -> list[int]:
        k = replace(kernel, shape=kernel_shape)
        variables = (*extra, *(k if v is kernel else v for v in ins.variables))
        return [f.params for f in find_problems(replace(ins, variables=variables))
                if f.kind is FindingKind.REDUNDANT_PROJECTION]

    assert at_stake(kernel_shape=(128, 512)) == [54_784]
    assert at_stake(kernel_shape=(128, None)) == [proj.params]  # no columns known: 0 direct
    assert at_stake(kernel_shape=(1, 512)) == [0]  # fewer through than direct: nothing at stake
    assert at_stake(kernel_shape=(None, 4)) == [proj.params - 28 * 4]  # rows unknown: 0
    # a projection of unknown width is skipped, and the one after it still reported
    blind = replace(proj, name="blind/kernel", shape=(None, 128))
    assert at_stake(kernel_shape=(128, 512), extra=(blind,)) == [54_784]
    # ... as is a variable before it whose output reaches no cell linearly
    other = replace(proj, name="x/kernel", role=Role.HIDDEN_TO_OUTPUT, linear_into=None)
    assert at_stake(kernel_shape=(128, 512), extra=(other,)) == [54_784]


def test_stacked_while_loops_are_layers_0_and_1(fresh_keras) -> None:
    ins = fresh_keras("stacked_loops", lambda: kf.stacked(False))
    assert ins.num_steps is None and all(c.dynamic for c in ins.cells)
    assert sorted(c.layer for c in ins.cells) == [0, 1]
    assert {v.layer for v in ins.variables if v.cell} == {0, 1}
