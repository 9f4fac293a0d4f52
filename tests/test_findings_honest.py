"""Honest findings (issue 10): redundant_projection only on a linear path, the direction of
bidirectional cells, dead_steps and dead_weight — each with models where it must fire and
models where it must not."""

from __future__ import annotations

import json

import pytest

from rnninspect import FindingKind, inspect
from rnninspect.render.tables import render_text
from tests.models.forms import keras_forms as kf
from tests.models.forms.tf1_forms import T

K = FindingKind


def run(builder, *args):
    model, signature = builder(*args)
    return inspect(model, input_signature=signature)


def tf1(name, *args):
    from rnninspect.analysis import analyze
    from rnninspect.tf import worker
    from tests.models.forms.tf1_forms import BuildForm

    return analyze(worker.call(BuildForm(name, args)))


def of_kind(ins, kind):
    return [f for f in ins.findings if f.kind is kind]


# --- redundant_projection: decided from the op graph --------------------------------------


@pytest.mark.parametrize("unroll", [False, True])
def test_linear_projection_before_the_cell_is_redundant(unroll):
    ins = run(kf.projected, None, unroll)
    (finding,) = of_kind(ins, K.REDUNDANT_PROJECTION)
    assert finding.variables == ("proj/kernel", "rnn/lstm_cell/kernel")
    assert ins.variable("proj/kernel").linear_into == "rnn/lstm_cell/kernel"


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "gelu", "softplus"])
@pytest.mark.parametrize("unroll", [False, True])
def test_a_nonlinearity_in_between_is_not_redundant(activation, unroll):
    ins = run(kf.projected, activation, unroll)
    assert of_kind(ins, K.REDUNDANT_PROJECTION) == []
    proj = ins.variable("proj/kernel")
    assert proj.role.value == "input_to_hidden" and proj.linear_into is None


# --- direction of bidirectional cells -------------------------------------------------------


def _direction_by_name(ins):
    """variable -> its cell's direction, for the recurrent variables."""
    cells = {c.name: c.direction for c in ins.cells}
    return {v.name: cells[v.cell] for v in ins.variables if v.cell}


@pytest.mark.parametrize("unroll", [False, True])
def test_keras_bidirectional_cells_are_forward_and_backward(unroll):
    ins = run(kf.bidirectional, unroll)
    directions = _direction_by_name(ins)
    assert len(directions) == 6
    for name, direction in directions.items():
        assert direction == ("forward" if "forward" in name else "backward"), name
    assert of_kind(ins, K.DEAD_STEPS) == []  # Keras reads the backward cell's last step


def test_tf1_bidirectional_dynamic_rnn_has_directions():
    ins = tf1("bidirectional_dynamic")
    directions = _direction_by_name(ins)
    assert directions and all(d == ("forward" if "/fw/" in n else "backward")
                              for n, d in directions.items())


@pytest.mark.parametrize("builder", [kf.stacked, kf.seq2seq, kf.twin_lstms, kf.lstm])
def test_no_direction_without_a_reversed_twin(builder):
    ins = run(builder)
    assert [c.direction for c in ins.cells] == [None] * len(ins.cells)


def test_direction_is_shown_in_table_explanation_json_and_diagrams():
    ins = run(kf.bidirectional, False)
    fw, bw = sorted(ins.cells, key=lambda c: c.direction != "forward")
    assert (fw.direction, bw.direction) == ("forward", "backward")
    text = render_text(ins, width=160)
    assert f"{fw.name} (fw)" in text and f"{bw.name} (bw)" in text
    assert f"Bidirectional (the input): {fw.name} reads the sequence forward" in text
    data = json.loads(ins.to_json())
    assert {c["name"]: c["direction"] for c in data["cells"]} == {fw.name: "forward",
                                                                  bw.name: "backward"}
    assert all(v["direction"] == ("forward" if v["cell"] == fw.name else "backward")
               for v in data["variables"] if v["cell"])
    assert "direction" not in json.loads(run(kf.lstm).to_json())["cells"][0]
    for view in ("rolled", "unrolled"):
        source = ins.diagram(view).source.replace("&#183;", "·")
        assert "· forward" in source and "· backward" in source, view


# --- dead_steps -------------------------------------------------------------------------------


def test_static_birnn_outputs_last_leaves_backward_steps_dead():
    ins = tf1("static_bidirectional", "last")
    bw = next(c for c in ins.cells if c.direction == "backward")
    (finding,) = of_kind(ins, K.DEAD_STEPS)
    assert finding.severity.value == "warning"
    assert set(finding.variables) == set(bw.variables)
    for name in bw.variables:
        assert ins.variable(name).dead_steps == tuple(range(1, T))
    assert "outputs[0]" in (finding.fix or "")
    fw = next(c for c in ins.cells if c.direction == "forward")
    assert all(ins.variable(n).dead_steps == () for n in fw.variables)


def test_static_birnn_outputs_first_leaves_forward_steps_dead():
    ins = tf1("static_bidirectional", "first")
    (finding,) = of_kind(ins, K.DEAD_STEPS)
    fw = next(c for c in ins.cells if c.direction == "forward")
    assert set(finding.variables) == set(fw.variables)
    assert ins.variable(fw.variables[0]).dead_steps == tuple(range(1, T))


@pytest.mark.parametrize(("name", "args"), [("static_bidirectional", ("all",)),
                                            ("static_unidirectional_last", ())])
def test_every_step_reaching_the_output_is_not_dead(name, args):
    ins = tf1(name, *args)
    assert of_kind(ins, K.DEAD_STEPS) == []
    assert all(v.dead_steps == () for v in ins.variables)


# --- dead_weight ------------------------------------------------------------------------------


@pytest.mark.parametrize("unroll", [False, True])
def test_recurrent_kernel_on_the_zero_state_of_one_step_is_dead(unroll):
    ins = run(kf.one_step_gru, 1, False, unroll)
    (finding,) = of_kind(ins, K.DEAD_WEIGHT)
    assert finding.variables == ("gru/gru_cell/recurrent_kernel",)
    assert finding.severity.value == "warning" and finding.params == 4 * 12
    assert [v.name for v in ins.variables if v.dead] == ["gru/gru_cell/recurrent_kernel"]


@pytest.mark.parametrize(("steps", "with_state"), [(3, False), (1, True), (3, True)])
def test_recurrent_kernel_with_a_real_state_is_not_dead(steps, with_state):
    ins = run(kf.one_step_gru, steps, with_state)
    assert of_kind(ins, K.DEAD_WEIGHT) == []
    assert not any(v.dead for v in ins.variables)
