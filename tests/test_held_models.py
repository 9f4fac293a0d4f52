"""Models as people hold them (issue 16): a subclassed model built by calling it once, an
unbuilt model handed to the Python API, and a Keras 3 checkpoint alone."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import json
import re
from pathlib import Path

import keras
import pytest

from rnninspect import inspect
from rnninspect.analysis import analyze
from rnninspect.errors import InvalidOptionError, ModelSourceError
from rnninspect.model import FindingKind, Inspection, Role
from rnninspect.render.graph_export import to_networkx
from rnninspect.sources import load_user
from tests.helpers import run_cli

R = Role
SRC = "tests/models/sources/first_call.py"
TF_KERAS = "tests/models/sources/first_call_tf_keras.py"
LM_ROLES = [
    ("tutorial_lm/embedding/embeddings", R.EMBEDDING),
    ("tutorial_lm/lstm/lstm_cell/kernel", R.INPUT_TO_HIDDEN),
    ("tutorial_lm/lstm/lstm_cell/recurrent_kernel", R.HIDDEN_TO_HIDDEN),
    ("tutorial_lm/lstm/lstm_cell/bias", R.BIAS),
    ("tutorial_lm/head/kernel", R.HIDDEN_TO_OUTPUT),
    ("tutorial_lm/head/bias", R.BIAS),
]


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch):
    monkeypatch.chdir(Path(__file__).parent.parent)


def _load(spec: str) -> Inspection:
    traced = load_user(spec)
    assert not isinstance(traced, Inspection)
    return analyze(traced)


def _roles(ins: Inspection) -> list[tuple[str, Role]]:
    return [(v.name, v.role) for v in ins.variables]


# --- 1. a subclassed model built by a call: the signature of that call --------------------


def test_cli_show_takes_the_signature_of_the_first_call_and_says_so():
    code, out, err = run_cli(["show", f"{SRC}:tutorial_lm", "--format", "json"])
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["config"] == {"input_dtypes": ["int32"], "input_shapes": [[2, 5]],
                              "signature_from": "first_call"}
    assert data["inputs"] == ["ids"]  # the call's own argument name
    assert [(v["name"], v["role"]) for v in data["variables"]] == [
        (name, role.value) for name, role in LM_ROLES]
    assert data["total_params"] == 20 * 6 + (6 + 4 + 1) * 16 + 4 * 20 + 20

    code, out, _ = run_cli(["show", f"{SRC}:tutorial_lm"])
    assert code == 0
    header = {line.split("  ", 1)[0]: line.split("  ", 1)[1].strip()
              for line in out.splitlines()[:8] if "  " in line}
    assert header["inputs"] == "[2, 5] int32 — taken from the model's first call"


def test_ids_looked_up_one_step_at_a_time_stay_integers():
    ins = _load(f"{SRC}:step_lm")
    assert dict(ins.config)["input_dtypes"] == ("int32",)
    assert ins.num_steps == 5
    assert ins.variable("step_lm/embedding/embeddings").role is R.EMBEDDING
    assert ins.variable("step_lm/cell/recurrent_kernel").steps == tuple(range(5))


def test_float_features_stay_float():
    ins = _load(f"{SRC}:rows")
    assert dict(ins.config) == {"input_dtypes": ("float32",), "input_shapes": ((2, 5, 3),),
                                "signature_from": "first_call"}
    assert _roles(ins) == [
        ("rows/cell/kernel", R.INPUT_TO_HIDDEN), ("rows/cell/bias", R.BIAS),
        ("rows/cell/recurrent_kernel", R.HIDDEN_TO_HIDDEN),
        ("rows/head/kernel", R.HIDDEN_TO_OUTPUT), ("rows/head/bias", R.BIAS)]


@pytest.mark.filterwarnings("ignore:`build\\(\\)` was called on layer:UserWarning")
def test_a_model_built_without_data_says_build():
    ins = _load(f"{SRC}:rows_built")
    assert dict(ins.config)["signature_from"] == "build"
    assert ins.num_steps == 5


def test_nothing_usable_recorded_keeps_the_clear_message():
    # Keras 3 records only the first of several call arguments: not guessed.
    with pytest.raises(ModelSourceError) as e:
        load_user(f"{SRC}:with_state")
    assert str(e.value).startswith(
        f"{SRC}:with_state returned a WithState Keras model with no known input shape")


def test_tf_keras_model_built_by_a_call_in_the_worker():
    ins = _load(f"{TF_KERAS}:tutorial_lm")
    assert dict(ins.config) == {"input_dtypes": ("int32",), "input_shapes": ((2, 5),),
                                "signature_from": "first_call"}
    assert _roles(ins) == LM_ROLES


def test_api_takes_a_called_model_as_the_cli_does():
    from tests.models.sources.first_call import tutorial_lm

    cli = inspect(f"{SRC}:tutorial_lm").to_dict()
    api = inspect(tutorial_lm()).to_dict()
    assert api.pop("model") == "tutorial_lm" and cli.pop("model") == f"{SRC}:tutorial_lm"
    assert api == cli


def test_api_without_a_signature_for_an_unbuilt_model_asks_for_one():
    from tests.models.sources.first_call import Loop

    with pytest.raises(InvalidOptionError, match="pass input_signature="):
        inspect(Loop())


# --- 2. an unbuilt subclassed model in the Python API: built as the CLI builds it ---------


_NODE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*) \[")


def test_api_and_cli_give_the_same_inspection_for_an_unbuilt_model():
    from tests.models.sources.first_call import LOOP_SIGNATURE, Loop

    keras.backend.clear_session()  # default names: loop, gru_cell, dense in both paths
    cli = inspect(f"{SRC}:loop")
    keras.backend.clear_session()
    api = inspect(Loop(), input_signature=LOOP_SIGNATURE)
    names = [v.name for v in api.variables]
    assert sorted(names) == sorted([
        "loop/gru_cell/kernel", "loop/gru_cell/recurrent_kernel", "loop/gru_cell/bias",
        "loop/dense/kernel", "loop/dense/bias"])
    assert api.variable("loop/dense/kernel").role is R.HIDDEN_TO_OUTPUT
    assert api.total_params == 3 * 15 + 5 * 15 + 2 * 15 + 5 * 2 + 2
    a, b = api.to_dict(), cli.to_dict()
    assert a.pop("model") == "loop" and b.pop("model") == f"{SRC}:loop"
    assert a == b

    # Every weight its own node in the drawing and in the networkx export.
    source = api.diagram("rolled").source
    weights = [m[1] for line in source.splitlines()
               if (m := _NODE.match(line)) and m[1].startswith("var_")]
    assert len(weights) == len(set(weights)) == len(names)
    assert f"{api.total_params} trainable params" in source
    graph = to_networkx(api)
    exported = {d["name"] for _, d in graph.nodes(data=True) if d["kind"] == "variable"}
    assert exported == set(names)


# --- 4. a checkpoint alone: Keras 3 key forms ----------------------------------------------


def _keras3_checkpoint(folder: Path) -> str:
    import tensorflow as tf

    x = keras.Input((5,), batch_size=2, dtype="int32")
    h = keras.layers.Embedding(50, 8)(x)
    h = keras.layers.LSTM(8, return_sequences=True)(h)
    h = keras.layers.GRU(6, return_sequences=True)(h)
    h = keras.layers.Dropout(0.1)(h)  # no weights: the Dense is still the next saved layer
    model = keras.Model(x, keras.layers.Dense(50)(h))
    return str(tf.train.Checkpoint(model=model).write(str(folder / "ckpt")))


def test_keras3_checkpoint_alone_has_roles_from_its_key_forms(tmp_path):
    prefix = _keras3_checkpoint(tmp_path)
    ins = load_user(prefix)
    assert isinstance(ins, Inspection) and ins.dialect == "checkpoint"
    leaves = [(v.name.split("/", 2)[-1], v.shape, v.role) for v in ins.variables]
    assert leaves == [
        ("1/_embeddings", (50, 8), R.EMBEDDING),
        ("2/cell/bias", (32,), R.BIAS),
        ("2/cell/kernel", (8, 32), R.INPUT_TO_HIDDEN),
        ("2/cell/recurrent_kernel", (8, 32), R.HIDDEN_TO_HIDDEN),
        ("3/cell/bias", (2, 18), R.BIAS),  # a GRU's bias: input and recurrent halves
        ("3/cell/kernel", (8, 18), R.INPUT_TO_HIDDEN),
        ("3/cell/recurrent_kernel", (6, 18), R.HIDDEN_TO_HIDDEN),
        ("5/_kernel", (6, 50), R.HIDDEN_TO_OUTPUT),
        ("5/bias", (50,), R.BIAS),
    ]
    assert all(v.name.startswith("model/_operations/") for v in ins.variables)
    (finding,) = ins.findings
    assert finding.kind is FindingKind.NO_GRAPH
    assert "below" not in finding.message and "above" not in finding.message


def test_no_graph_finding_is_printed_after_the_table_it_speaks_of(tmp_path):
    code, out, _ = run_cli(["show", _keras3_checkpoint(tmp_path)])
    assert code == 0
    flat = " ".join(re.sub("[│╭╮╰╯─]", " ", out).split())  # panels wrap their lines
    table_at = flat.index("trainable parameters (unique)")  # the table's last line
    finding_at = flat.index("no graph: roles rest on names and shapes only")
    assert table_at < finding_at


@pytest.mark.parametrize(("names", "expected"), [
    # tf-keras's key forms for the same layers (Checkpoint(model=...) of a tf_keras model)
    ({"model/layer_with_weights-0/embeddings": (50, 8),
      "model/layer_with_weights-1/cell/kernel": (8, 18),
      "model/layer_with_weights-1/cell/recurrent_kernel": (6, 18),
      "model/layer_with_weights-1/cell/bias": (2, 18),
      "model/layer_with_weights-2/kernel": (6, 50),
      "model/layer_with_weights-2/bias": (50,)},
     [R.EMBEDDING, R.INPUT_TO_HIDDEN, R.HIDDEN_TO_HIDDEN, R.BIAS, R.HIDDEN_TO_OUTPUT, R.BIAS]),
    # a subclassed Keras 3 model: attribute names, `_kernel` behind Dense.kernel
    ({"model/embedding/_embeddings": (20, 6), "model/head/_kernel": (4, 20),
      "model/head/_bias": (20,)},
     [R.EMBEDDING, R.HIDDEN_TO_OUTPUT, R.BIAS]),
    # a Dense whose rows are not the recurrent layer's units is not guessed an output layer
    ({"model/_operations/1/cell/kernel": (3, 4),
      "model/_operations/1/cell/recurrent_kernel": (4, 4),
      "model/_operations/2/_kernel": (7, 2)},
     [R.INPUT_TO_HIDDEN, R.HIDDEN_TO_HIDDEN, R.OTHER]),
    # ... nor one placed before the recurrence
    ({"model/_operations/1/_kernel": (3, 4),
      "model/_operations/2/cell/kernel": (4, 4),
      "model/_operations/2/cell/recurrent_kernel": (4, 4)},
     [R.OTHER, R.INPUT_TO_HIDDEN, R.HIDDEN_TO_HIDDEN]),
])
def test_key_forms(names, expected):
    from rnninspect.sources.checkpoint import guess_role

    assert [guess_role(n, s, names)[0] for n, s in names.items()] == expected
