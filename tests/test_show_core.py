"""The seed programs: variables, roles, steps and sharing, checked against the facts."""

from __future__ import annotations

import pytest

from rnninspect import Placement, Role

DIALECTS = ["legacy", "keras"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_ptb_small_total_matches_the_paper(inspect_cached, dialect):
    ins = inspect_cached("ptb", dialect=dialect)
    assert ins.total_params == 4_651_600
    assert ins.total_params == sum(v.params for v in ins.variables if v.trainable)
    assert ins.num_steps == 20
    assert ins.layers == 2


@pytest.mark.parametrize(("config", "total"), [("medium", 19_775_200), ("large", 66_022_000),
                                               ("test", 50_040)])
def test_ptb_config_totals(inspect_cached, config, total):
    ins = inspect_cached("ptb", dialect="legacy", config=config)
    assert ins.total_params == total


@pytest.mark.parametrize("dialect", DIALECTS)
def test_mnist_total(inspect_cached, dialect):
    ins = inspect_cached("mnist", dialect=dialect)
    assert ins.total_params == 136_586
    assert ins.num_steps == 28


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_ptb_cell_weight_is_read_at_all_20_steps(inspect_cached, dialect):
    ins = inspect_cached("ptb", dialect=dialect)
    cell_vars = [v for v in ins.variables if v.cell is not None]
    assert len(cell_vars) == (4 if dialect == "legacy" else 6)
    for v in cell_vars:
        assert v.steps == tuple(range(20)), v.name
        assert v.shared and not v.dynamic
        assert v.logical_params == v.params * 20
    outside = [v for v in ins.variables if v.cell is None]
    assert all(v.steps == () for v in outside)


def test_legacy_ptb_kernels_are_fused_with_row_split_and_tf1_gate_order(inspect_cached):
    ins = inspect_cached("ptb", dialect="legacy")
    kernels = ins.by_role(Role.INPUT_HIDDEN_FUSED)
    assert [k.layer for k in kernels] == [0, 1]
    for k in kernels:
        assert k.shape == (400, 800)
        assert k.row_split is not None
        assert k.row_split.input == (0, 200) and k.row_split.hidden == (200, 400)
        assert [g.gate for g in k.gates] == ["i", "j", "f", "o"]
        assert [g.columns for g in k.gates] == [(0, 200), (200, 400), (400, 600), (600, 800)]


def test_keras_ptb_separates_input_and_recurrent_kernels_with_keras_gate_order(inspect_cached):
    ins = inspect_cached("ptb", dialect="keras")
    inputs = [v for v in ins.by_role(Role.INPUT_TO_HIDDEN) if v.cell]
    recurrent = ins.by_role(Role.HIDDEN_TO_HIDDEN)
    assert sorted(v.layer for v in inputs) == [0, 1]
    assert sorted(v.layer for v in recurrent) == [0, 1]
    for v in (*inputs, *recurrent):
        assert [g.gate for g in v.gates] == ["i", "f", "c", "o"]


def test_legacy_and_keras_ptb_agree_on_totals_and_roles(inspect_cached):
    legacy = inspect_cached("ptb", dialect="legacy")
    keras = inspect_cached("ptb", dialect="keras")
    assert legacy.total_params == keras.total_params
    assert legacy.logical_params == keras.logical_params

    def outside(ins):
        return sorted((v.role, v.placement, v.shape) for v in ins.variables if v.cell is None)

    assert outside(legacy) == outside(keras)
    for layer in (0, 1):
        fused = next(v for v in legacy.by_role(Role.INPUT_HIDDEN_FUSED) if v.layer == layer)
        k_in = next(v for v in keras.by_role(Role.INPUT_TO_HIDDEN) if v.layer == layer)
        k_rec = next(v for v in keras.by_role(Role.HIDDEN_TO_HIDDEN) if v.layer == layer)
        rows_in = fused.row_split.input[1] - fused.row_split.input[0]
        rows_h = fused.row_split.hidden[1] - fused.row_split.hidden[0]
        assert (rows_in, rows_h) == (k_in.shape[0], k_rec.shape[0])
        assert fused.shape[1] == k_in.shape[1] == k_rec.shape[1]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_mnist_hidden_is_input_to_hidden_outside_the_cell(inspect_cached, dialect):
    ins = inspect_cached("mnist", dialect=dialect)
    hidden = next(v for v in ins.variables if v.shape == (28, 128))
    assert hidden.role is Role.INPUT_TO_HIDDEN
    assert hidden.placement is Placement.BEFORE
    assert hidden.cell is None and hidden.steps == ()
    out = next(v for v in ins.variables if v.shape == (128, 10))
    assert out.role is Role.HIDDEN_TO_OUTPUT and out.placement is Placement.AFTER
    kinds = [f.kind.value for f in ins.findings]
    assert kinds == ["redundant_projection"]
    assert hidden.name in ins.findings[0].variables


def test_ptb_embedding_is_the_input_matrix(inspect_cached):
    ins = inspect_cached("ptb", dialect="legacy")
    (emb,) = ins.by_role(Role.EMBEDDING)
    assert emb.shape == (10000, 200) and emb.placement is Placement.BEFORE
    assert ins.findings == ()


def test_num_steps_override_changes_what_the_graph_shows(inspect_cached):
    ins = inspect_cached("ptb", dialect="keras", num_steps=7, hidden=16, vocab=50)
    assert ins.num_steps == 7
    kernel = next(v for v in ins.by_role(Role.HIDDEN_TO_HIDDEN) if v.layer == 0)
    assert kernel.shape == (16, 64) and kernel.steps == tuple(range(7))


def test_keras_total_equals_the_frameworks_own_count(inspect_cached):
    import numpy as np

    from rnninspect.zoo import configs, keras_models

    model = keras_models.build_ptb(configs.PTB_CONFIGS["small"])
    own = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert inspect_cached("ptb", dialect="keras").total_params == own


def test_inspection_is_plain_data(inspect_cached):
    import pickle

    ins = inspect_cached("mnist", dialect="keras")
    assert pickle.loads(pickle.dumps(ins)) == ins
    assert str(ins).startswith("model")


@pytest.mark.slow  # ~90 s: TensorFlow traces 10,000 steps
def test_a_static_unroll_of_10000_steps_completes_with_collapsed_views():
    from rnninspect import inspect

    ins = inspect("ptb", dialect="keras", num_steps=10_000, hidden=8, vocab=50, layers=1)
    assert ins.num_steps == 10_000
    assert all(v.steps == tuple(range(10_000)) for v in ins.variables if v.cell)
    dot = ins.diagram(view="unrolled").source
    assert "9,996 steps" in dot  # the elided middle, not 10,000 clusters
    assert dot.count("cluster_") < 20


@pytest.mark.slow  # allocates the 66M-parameter model
def test_keras_large_total(inspect_cached):
    assert inspect_cached("ptb", dialect="keras", config="large").total_params == 66_022_000
