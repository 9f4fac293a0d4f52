"""RNNs applied for one time step (T = 1) are read as they are, not as a longer unroll.

At T = 1 there is no chain of reads to count steps with; what tells a cell is the initial
state it reads. Each truth here is also checked at T = 2 and 3, where chains decide."""

from __future__ import annotations

import pytest

from rnninspect import inspect
from rnninspect.model import FindingKind, Inspection, Placement, Role

SMALL = {"config": "test", "hidden": 4, "vocab": 12}
FUSED_ROWS = ((0, 4), (4, 8))  # BasicLSTMCell multiplies concat([inputs, state])


def _tied(dialect: str, layers: int, steps: int) -> Inspection:
    return inspect("ptb-tiedlayers", dialect=dialect, layers=layers, num_steps=steps, **SMALL)


@pytest.mark.parametrize("steps", [1, 2, 3])
@pytest.mark.parametrize("layers", [2, 3])
@pytest.mark.parametrize("dialect", ["legacy", "keras"])
def test_tied_layers_are_layers_at_any_length(dialect: str, layers: int, steps: int) -> None:
    """One cell object run by every layer: N layers on one cell's weights, T steps each —
    one step included, where the N applications form a single chain of reads."""
    ins = _tied(dialect, layers, steps)
    assert ins.num_steps == steps
    assert [(c.layer, c.kind, c.num_steps) for c in ins.cells] == [
        (k, "LSTM", steps) for k in range(layers)]
    names = tuple(c.name for c in ins.cells)
    in_cells = [v for v in ins.variables if v.cell is not None]
    assert in_cells and all((v.cell, *v.also_cells) == names for v in in_cells)
    assert all(v.steps == tuple(range(steps)) for v in in_cells)
    [shared] = [f for f in ins.findings if f.kind is FindingKind.SHARED_ACROSS_LAYERS]
    assert sorted(shared.variables) == sorted(v.name for v in in_cells)
    assert shared.params == (layers - 1) * sum(v.params for v in in_cells)


@pytest.mark.parametrize("steps", [1, 2])
def test_tied_fused_kernel_rows_input_then_state(steps: int) -> None:
    [kernel] = _tied("legacy", 2, steps).by_role(Role.INPUT_HIDDEN_FUSED)
    assert kernel.row_split is not None
    assert (kernel.row_split.input, kernel.row_split.hidden) == FUSED_ROWS


@pytest.mark.parametrize("steps", [1, 2])
def test_tied_keras_kernels_keep_their_roles(steps: int) -> None:
    """Keras' LSTMCell: `kernel` multiplies the inputs, `recurrent_kernel` the state."""
    ins = _tied("keras", 2, steps)
    assert ins.variable("lstm_cell/kernel").role is Role.INPUT_TO_HIDDEN
    assert ins.variable("lstm_cell/recurrent_kernel").role is Role.HIDDEN_TO_HIDDEN
    assert ins.variable("lstm_cell/bias").role is Role.BIAS


# --- TF1 cells over one step (tests/models/forms/tf1_one_step.py), built in the worker -------


def _tf1(name: str, steps: int) -> Inspection:
    from rnninspect.analysis import analyze
    from rnninspect.tf import worker
    from tests.models.forms.tf1_one_step import BuildOneStep

    return analyze(worker.call(BuildOneStep(name, steps)))


def _where(ins: Inspection) -> dict[str, tuple[Role, Placement, str | None]]:
    return {v.name: (v.role, v.placement, v.cell) for v in ins.variables}


IN_CELL = Placement.CELL


@pytest.mark.parametrize("steps", [1, 2, 3])
def test_gru_candidate_is_in_the_cell_at_any_length(steps: int) -> None:
    """The candidate kernel multiplies concat([x, r * h]): at T = 1 r * h_init lies after
    the gates' read, yet it is the cell's own fused kernel, not an output layer."""
    ins = _tf1("gru", steps)
    assert ins.num_steps == steps
    assert [(c.name, c.kind, c.gate_order) for c in ins.cells] == [("cell0", "GRU", ("r", "u"))]
    fused, bias = Role.INPUT_HIDDEN_FUSED, Role.BIAS
    assert _where(ins) == {
        "rnn/gru_cell/gates/kernel": (fused, IN_CELL, "cell0"),
        "rnn/gru_cell/gates/bias": (bias, IN_CELL, "cell0"),
        "rnn/gru_cell/candidate/kernel": (fused, IN_CELL, "cell0"),
        "rnn/gru_cell/candidate/bias": (bias, IN_CELL, "cell0"),
    }
    for v in ins.by_role(fused):  # rows: 3 input features, then the 5 state units
        assert v.row_split is not None and (v.row_split.input, v.row_split.hidden) == (
            (0, 3), (3, 8))
        assert v.steps == tuple(range(steps))
    assert ins.findings == ()


@pytest.mark.parametrize("steps", [1, 2, 3])
def test_peephole_projection_lstm_is_one_cell_at_any_length(steps: int) -> None:
    """LSTMCell(use_peepholes=True, num_proj=2): three peephole vectors of one shape, each
    read once at T = 1, are one cell's weights, not per-step copies; the projection makes
    the 2-wide state the kernel's last rows multiply, so it is the cell's too."""
    ins = _tf1("peephole_projection", steps)
    assert ins.num_steps == steps
    assert [(c.name, c.kind, c.num_steps) for c in ins.cells] == [("cell0", "LSTM", steps)]
    state = Role.HIDDEN_TO_HIDDEN
    assert _where(ins) == {
        "rnn/lstm_cell/kernel": (Role.INPUT_HIDDEN_FUSED, IN_CELL, "cell0"),
        "rnn/lstm_cell/bias": (Role.BIAS, IN_CELL, "cell0"),
        "rnn/lstm_cell/w_f_diag": (state, IN_CELL, "cell0"),
        "rnn/lstm_cell/w_i_diag": (state, IN_CELL, "cell0"),
        "rnn/lstm_cell/w_o_diag": (state, IN_CELL, "cell0"),
        "rnn/lstm_cell/projection/kernel": (state, IN_CELL, "cell0"),
    }
    kernel = ins.variable("rnn/lstm_cell/kernel")
    assert kernel.row_split is not None
    assert (kernel.row_split.input, kernel.row_split.hidden) == ((0, 3), (3, 5))
    assert all(v.steps == tuple(range(steps)) for v in ins.variables)
    kinds = [f.kind for f in ins.findings]
    assert FindingKind.DUPLICATED_ACROSS_STEPS not in kinds
    # At one step the forget and input peepholes multiply only the zero initial c.
    dead = [f for f in ins.findings if f.kind is FindingKind.DEAD_WEIGHT]
    assert [sorted(f.variables) for f in dead] == (
        [["rnn/lstm_cell/w_f_diag", "rnn/lstm_cell/w_i_diag"]] if steps == 1 else [])
    assert len(kinds) == len(dead)


@pytest.mark.parametrize(("name", "weight", "later"), [
    ("square_projection", "rnn/lstm_cell/projection/kernel",
     (Role.HIDDEN_TO_HIDDEN, Placement.CELL, "cell0")),
    ("square_head", "head", (Role.HIDDEN_TO_OUTPUT, Placement.AFTER, None)),
])
def test_square_map_after_one_step_is_unresolved(name: str, weight: str, later: tuple) -> None:
    """An LSTMCell with num_proj = num_units and an LSTM followed by a bias-free [H, H]
    layer are the same ops at T = 1: which one it is, is not in the graph. At T = 2 the
    second step reads the projection's result and not the output layer's."""
    once = _tf1(name, 1)
    assert once.num_steps == 1 and len(once.cells) == 1
    assert _where(once)[weight] == (Role.OTHER, Placement.NONE, None)
    [unresolved] = once.findings
    assert unresolved.kind is FindingKind.UNRESOLVED and unresolved.variables == (weight,)
    assert unresolved.params == once.variable(weight).params
    twice = _tf1(name, 2)
    assert _where(twice)[weight] == later
    assert twice.findings == ()


@pytest.mark.parametrize("steps", [2, 3])
def test_calls_on_a_zero_state_with_fresh_input_are_steps(steps: int) -> None:
    """Each call starts from zeros, like a tied layer at T = 1, but reads its own step's
    input: T calls of one layer, not T layers."""
    ins = _tf1("restarted", steps)
    assert ins.num_steps == steps and len(ins.cells) == 1
    assert all(not v.also_cells for v in ins.variables)
    assert ins.variable("rnn/basic_rnn_cell/kernel").steps == tuple(range(steps))


def _layer_of(ins: Inspection, prefix: str) -> set[str | None]:
    """The cells of every weight whose name starts with `prefix` (one layer's scope)."""
    return {v.cell for v in ins.variables if v.name.startswith(prefix)}


@pytest.mark.parametrize("steps", [1, 2])
def test_stacked_gru_layers_of_one_shape_are_two_layers(steps: int) -> None:
    ins = _tf1("gru_stack", steps)
    assert ins.num_steps == steps
    assert [(c.name, c.kind, c.gate_order) for c in ins.cells] == [
        ("cell0", "GRU", ("r", "u")), ("cell1", "GRU", ("r", "u"))]
    assert _layer_of(ins, "rnn/multi_rnn_cell/cell_0/") == {"cell0"}
    assert _layer_of(ins, "rnn/multi_rnn_cell/cell_1/") == {"cell1"}
    assert {v.role for v in ins.variables} == {Role.INPUT_HIDDEN_FUSED, Role.BIAS}
    assert ins.findings == ()


@pytest.mark.parametrize("steps", [1, 2, 3])
def test_tied_gru_layers(steps: int) -> None:
    """Both the gates' and the candidate's kernels chain across the two layers; the
    candidate's state part is r * h (at T = 1, r * h_init), and r is computed from the
    layer's input, so the layer's own chain runs through h (at T = 2 the peel paired the
    candidate's reads wrongly: a third layer, roles lost)."""
    ins = _tf1("gru_tied", steps)
    assert ins.num_steps == steps
    assert [(c.name, c.kind) for c in ins.cells] == [("cell0", "GRU"), ("cell1", "GRU")]
    assert all((v.cell, v.also_cells) == ("cell0", ("cell1",)) for v in ins.variables)
    assert {v.role for v in ins.variables} == {Role.INPUT_HIDDEN_FUSED, Role.BIAS}
    [finding] = ins.findings
    assert finding.kind is FindingKind.SHARED_ACROSS_LAYERS
    assert len(finding.variables) == 4


@pytest.mark.parametrize("steps", [1, 2])
def test_stacked_peephole_projections_stay_in_their_layers(steps: int) -> None:
    ins = _tf1("peephole_stack", steps)
    assert ins.num_steps == steps and [c.name for c in ins.cells] == ["cell0", "cell1"]
    for layer in (0, 1):
        scope = f"rnn/multi_rnn_cell/cell_{layer}/lstm_cell/"
        assert _layer_of(ins, scope) == {f"cell{layer}"}
        assert ins.variable(scope + "projection/kernel").role is Role.HIDDEN_TO_HIDDEN
        assert ins.variable(scope + "kernel").role is Role.INPUT_HIDDEN_FUSED


def test_a_one_step_model_is_not_said_to_share_anything_across_steps() -> None:
    from rnninspect.render.explain import explain

    lines = explain(_tied("legacy", 2, 1))
    assert any(line.startswith("One step: ") for line in lines)
    assert not any("Shared across steps" in line for line in lines)
    longer = explain(_tied("legacy", 2, 2))
    assert any("Shared across steps" in line for line in longer)
