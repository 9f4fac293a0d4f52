"""User models from code (`file.py:NAME`, `package.module:NAME`) and `.keras` files."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from pathlib import Path

import pytest

from rnninspect.analysis import analyze
from rnninspect.errors import ModelSourceError
from rnninspect.model import Role
from rnninspect.sources import load_user

R = Role
SOURCES = Path(__file__).parent / "models" / "sources"
KERAS = "tests/models/sources/keras_models.py"  # relative to the repository root


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch):
    monkeypatch.chdir(Path(__file__).parent.parent)


def inspect(spec):
    return analyze(load_user(spec))


def table(ins):
    return [(v.name, v.shape, v.role, v.steps) for v in ins.variables]


STEPS = (0, 1, 2)


def test_functional_model_from_a_file():
    ins = inspect(f"{KERAS}:functional")
    assert ins.model == f"{KERAS}:functional" and ins.dialect == "keras"
    assert table(ins) == [
        ("lstm/lstm_cell/kernel", (2, 16), R.INPUT_TO_HIDDEN, STEPS),
        ("lstm/lstm_cell/recurrent_kernel", (4, 16), R.HIDDEN_TO_HIDDEN, STEPS),
        ("lstm/lstm_cell/bias", (16,), R.BIAS, STEPS),
        ("head/kernel", (4, 2), R.HIDDEN_TO_OUTPUT, ()),
        ("head/bias", (2,), R.BIAS, ()),
    ]
    assert ins.num_steps == 3 and ins.total_params == 2 * 16 + 4 * 16 + 16 + 8 + 2


def test_module_attribute_and_package_module_spec():
    by_file = inspect(f"{KERAS}:MODEL")
    by_module = inspect("tests.models.sources.keras_models:MODEL")
    assert table(by_file) == table(by_module)
    assert by_module.total_params == 122


def test_sequential_model_signature_from_its_inputs():
    ins = inspect(f"{KERAS}:sequential")
    gru = [v for v in ins.variables if v.cell is not None]
    assert {v.name.split("/")[-1] for v in gru} == {"kernel", "recurrent_kernel", "bias"}
    assert all(v.dynamic and v.shared for v in gru)  # a while loop: every iteration
    assert ins.num_steps is None
    assert ins.total_params == (2 + 4) * 12 + 24 + 4 * 2 + 2


def test_subclassed_model_with_signature_keeps_layer_names():
    ins = inspect(f"{KERAS}:subclassed_with_signature")
    assert table(ins) == [
        ("looped/cell/kernel", (2, 4), R.INPUT_TO_HIDDEN, STEPS),
        ("looped/cell/bias", (4,), R.BIAS, STEPS),
        ("looped/cell/recurrent_kernel", (4, 4), R.HIDDEN_TO_HIDDEN, STEPS),
        ("looped/head/kernel", (4, 2), R.HIDDEN_TO_OUTPUT, ()),
        ("looped/head/bias", (2,), R.BIAS, ()),
    ]


def test_concrete_function_and_tf_module_with_signature():
    concrete = inspect(f"{KERAS}:concrete")
    assert [(v.name, v.role) for v in concrete.variables] == [
        ("cell/kernel", R.INPUT_TO_HIDDEN), ("cell/recurrent_kernel", R.HIDDEN_TO_HIDDEN),
        ("cell/bias", R.BIAS)]
    assert concrete.num_steps == 3
    module = inspect(f"{KERAS}:module_with_signature")
    assert table(module) == [
        ("w", (2, 4), R.INPUT_TO_HIDDEN, STEPS),
        ("u", (4, 4), R.HIDDEN_TO_HIDDEN, STEPS),
        ("b", (4,), R.BIAS, STEPS),
    ]
    assert module.total_params == 28


def test_concrete_function_names_variables_by_keras_path_and_numbers_repeats():
    ins = inspect(f"{KERAS}:concrete_subclassed")
    names = [v.name for v in ins.variables]
    assert names == [
        "looped/cell/kernel", "looped/cell/bias", "looped/cell/recurrent_kernel",
        "looped/head/kernel", "looped/head/bias",
        "twin/out/kernel", "twin/out/bias", "twin/out/kernel#2", "twin/out/bias#2"]
    assert ins.variable("twin/out/kernel#2").role is R.HIDDEN_TO_OUTPUT
    assert ins.variable("looped/cell/recurrent_kernel").steps == STEPS
    as_json = [v["name"] for v in ins.to_dict()["variables"]]
    assert len(set(as_json)) == len(as_json) == 9
    source = ins.diagram("rolled").source
    ids = [line.split()[0] for line in source.splitlines() if line.strip().startswith("var_")
           and "[" in line and "->" not in line]
    assert len(ids) == len(set(ids)) == 9


def test_keras_layer_called_per_step_is_one_cell_whose_steps_are_the_calls():
    ins = inspect(f"{KERAS}:stepped_gru")
    steps = (0, 1, 2, 3)
    assert sorted(table(ins)) == [  # F = 2 features, H = 4 units
        ("stepped/gru_cell/bias", (2, 12), R.BIAS, steps),
        ("stepped/gru_cell/kernel", (2, 12), R.INPUT_TO_HIDDEN, steps),
        ("stepped/gru_cell/recurrent_kernel", (4, 12), R.HIDDEN_TO_HIDDEN, steps),
    ]
    (cell,) = ins.cells
    assert (cell.num_steps, cell.dynamic, cell.layer) == (4, False, 0)
    assert ins.num_steps == 4 and not any(v.dynamic for v in ins.variables)


def test_one_keras_layer_run_twice_over_whole_sequences_is_two_tied_layers():
    ins = inspect(f"{KERAS}:tied_gru")
    assert [(c.layer, c.dynamic) for c in ins.cells] == [(0, True), (1, True)]
    assert all(c.variables == ins.cells[0].variables and c.variables for c in ins.cells)
    assert [f.kind.value for f in ins.findings] == ["shared_across_layers"]


def test_unique_names_keep_the_first_and_number_the_rest_in_order():
    from rnninspect.graph import GraphSpec, Traced, TracedVariable

    table = tuple(TracedVariable(n, f"node{i}", (), "float32", True)
                  for i, n in enumerate(["k", "b", "k", "k#2", "k"]))
    traced = Traced("m", "keras", (), GraphSpec((), {}), table, (), ())
    assert [v.name for v in traced.variables] == ["k", "b", "k#3", "k#2", "k#4"]
    assert [v.node for v in traced.variables] == [v.node for v in table]


def test_subclassed_model_without_signature_asks_for_one():
    with pytest.raises(ModelSourceError) as e:
        load_user(f"{KERAS}:subclassed_without_signature")
    assert str(e.value) == (
        f"{KERAS}:subclassed_without_signature returned a Looped Keras model with no known "
        "input shape (subclassed, or never built on an Input); return (model, "
        "[tf.TensorSpec([batch, steps, features], tf.float32)]) instead so rnninspect can "
        "trace it")


def test_keras_file(tmp_path):
    from tests.models.sources.keras_models import functional

    path = tmp_path / "lm.keras"
    functional().save(path)
    ins = inspect(str(path))
    assert ins.model == str(path)
    assert table(ins) == table(inspect(f"{KERAS}:functional"))


def test_trainer_checkpoint_directory(tmp_path):
    """`rnninspect show runs/ptb`: the zoo's PTBModel saved by the trainer, signature from
    its config (ids [20, num_steps])."""
    from rnninspect.zoo.configs import PTB_CONFIGS
    from rnninspect.zoo.keras_models import build_ptb

    config = PTB_CONFIGS["test"]
    run = tmp_path / "runs" / "ptb"
    run.mkdir(parents=True)
    build_ptb(config).save(run / "model.keras")
    ins = inspect(str(run))
    assert [(v.name, v.role) for v in ins.variables] == [
        ("embedding/embeddings", R.EMBEDDING),
        ("lstm_cell_0/kernel", R.INPUT_TO_HIDDEN),
        ("lstm_cell_0/recurrent_kernel", R.HIDDEN_TO_HIDDEN),
        ("lstm_cell_0/bias", R.BIAS),
        ("softmax/kernel", R.HIDDEN_TO_OUTPUT),
        ("softmax/bias", R.BIAS),
    ]
    assert ins.num_steps == config.num_steps
    assert dict(ins.config)["num_steps"] == config.num_steps
    assert ins.total_params == sum(v.params for v in ins.variables)
