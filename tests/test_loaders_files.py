"""Saved models: SavedModel, frozen GraphDef (.pb/.pbtxt), MetaGraph, checkpoint alone, and
the corrupted versions of each, with their one-line messages."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import shutil
from pathlib import Path

import pytest

from rnninspect.analysis import analyze
from rnninspect.errors import ModelSourceError
from rnninspect.model import FindingKind, Inspection, Role
from rnninspect.sources import load_user
from tests.models.sources import saved_files

R = Role
STEPS = (0, 1, 2)
# The hand-written TF1 RNN in saved_files: one fused kernel [x_t, h_t-1] W, bias, output.
TF1_TABLE = [
    ("rnn/w", (6, 4), R.INPUT_HIDDEN_FUSED, STEPS),
    ("rnn/b", (4,), R.BIAS, STEPS),
    ("out/w", (4, 2), R.HIDDEN_TO_OUTPUT, ()),
]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    root = tmp_path_factory.mktemp("saved")
    for sub in ("frozen", "meta", "ckpt"):
        (root / sub).mkdir()
    saved_files.write_frozen(root / "frozen")
    saved_files.write_meta(root / "meta")
    saved_files.write_checkpoint_only(root / "ckpt")
    saved_files.write_saved_model(root / "savedmodel")
    saved_files.write_saved_model(root / "nosignatures", signatures=False)
    return root


def table(ins):
    return [(v.name, v.shape, v.role, v.steps) for v in ins.variables]


def message(spec):
    with pytest.raises(ModelSourceError) as e:
        load_user(str(spec))
    return str(e.value)


def truncated(source, target):
    data = Path(source).read_bytes()
    Path(target).write_bytes(data[: len(data) // 2])
    return target


@pytest.mark.parametrize("name", ["frozen/frozen.pb", "frozen/frozen.pbtxt"])
def test_frozen_graph_def_weights_are_constants(saved, name):
    ins = analyze(load_user(str(saved / name)))
    assert ins.dialect == "legacy" and ins.num_steps == 3
    assert table(ins) == TF1_TABLE
    assert ins.total_params == 24 + 4 + 8


@pytest.mark.parametrize("name", ["meta/model.ckpt.meta", "meta", "meta/model.ckpt"])
def test_meta_graph_with_its_checkpoint(saved, name):
    traced = load_user(str(saved / name))
    assert traced.inputs == ("x",) and traced.outputs == ("logits",)  # no save/ or init ops
    assert table(analyze(traced)) == TF1_TABLE


@pytest.mark.parametrize("name", ["ckpt", "ckpt/model.ckpt", "ckpt/model.ckpt.index"])
def test_checkpoint_alone_lists_variables_and_says_what_rests_on_names(saved, name):
    ins = load_user(str(saved / name))
    assert isinstance(ins, Inspection) and ins.dialect == "checkpoint"
    assert [(v.name, v.shape, v.role, v.dtype) for v in ins.variables] == [
        ("out/w", (4, 2), R.HIDDEN_TO_OUTPUT, "float32"),
        ("rnn/b", (4,), R.BIAS, "float32"),
        ("rnn/w", (6, 4), R.OTHER, "float32"),  # no cell type in the name: not guessed
    ]
    assert ins.total_params == 36 and ins.cells == () and ins.num_steps is None
    (finding,) = ins.findings
    assert finding.kind is FindingKind.NO_GRAPH
    assert finding.message == (f"{saved / name}: no graph: roles rest on names and "
                               "shapes only, steps and sharing cannot be proven")


def test_saved_model_signature_is_traced_through_its_call(saved):
    ins = analyze(load_user(str(saved / "savedmodel")))
    assert table(ins) == [
        ("w", (2, 4), R.INPUT_TO_HIDDEN, STEPS),
        ("u", (4, 4), R.HIDDEN_TO_HIDDEN, STEPS),
        ("b", (4,), R.BIAS, STEPS),
    ]
    assert dict(ins.config) == {"signature": "serving_default"}


def test_keras_export_saved_model(tmp_path):
    from tests.models.sources.keras_models import functional

    functional().export(str(tmp_path / "exported"), verbose=False)
    ins = analyze(load_user(str(tmp_path / "exported")))
    assert [(v.name, v.role) for v in ins.variables] == [
        ("lstm/lstm_cell/kernel", R.INPUT_TO_HIDDEN),
        ("lstm/lstm_cell/recurrent_kernel", R.HIDDEN_TO_HIDDEN),
        ("lstm/lstm_cell/bias", R.BIAS),
        ("head/kernel", R.HIDDEN_TO_OUTPUT),
        ("head/bias", R.BIAS),
    ]
    assert ins.num_steps == 3


# --- bad saved files -------------------------------------------------------------------------


def test_saved_model_without_signatures(saved):
    spec = saved / "nosignatures"
    assert message(spec) == (
        f"SavedModel {str(spec)!r} has no signatures, so there is no computation to trace; "
        "export it with tf.saved_model.save(obj, dir, signatures=obj.__call__."
        "get_concrete_function(tf.TensorSpec(...))) or Keras model.export(dir)")


def test_truncated_saved_model(saved, tmp_path):
    spec = tmp_path / "cut"
    shutil.copytree(saved / "savedmodel", spec)
    truncated(saved / "savedmodel" / "saved_model.pb", spec / "saved_model.pb")
    assert message(spec).startswith(f"cannot load SavedModel {str(spec)!r}: OSError: ")
    assert message(spec).endswith(
        "; it may be truncated — export it again with tf.saved_model.save or model.export")


def test_directory_that_holds_no_model(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    assert message(tmp_path) == (
        f"directory {str(tmp_path)!r} holds no model: expected saved_model.pb (a TF2 "
        "SavedModel), model.keras (a `rnninspect train --checkpoint` directory) or a TF "
        "checkpoint; found: notes.txt")


def test_truncated_graph_def(saved, tmp_path):
    spec = truncated(saved / "frozen" / "frozen.pb", tmp_path / "cut.pb")
    assert message(spec) == (
        f"{str(spec)!r} is not a binary GraphDef (truncated or another format: Error parsing "
        "message with type 'tensorflow.GraphDef': Wire format was corrupt); write it with "
        "tf.io.write_graph(graph, dir, name, as_text=False)")


def test_pbtxt_that_does_not_parse(tmp_path):
    spec = tmp_path / "bad.pbtxt"
    spec.write_text('node { name: "x" op: "Placeholder"\n  attr { key: oops }\n}\n')
    assert message(spec) == (
        f"{str(spec)!r} is not a text GraphDef: 2:15 : '  attr {{ key: oops }}': Expected "
        "string but found: 'oops'; write it with tf.io.write_graph(graph, dir, name, "
        "as_text=True)")


def test_truncated_meta_graph(saved, tmp_path):
    spec = truncated(saved / "meta" / "model.ckpt.meta", tmp_path / "cut.meta")
    assert message(spec) == (
        f"{str(spec)!r} is not a readable TF1 MetaGraph (truncated or another format: Error "
        "parsing message with type 'tensorflow.MetaGraphDef': Wire format was corrupt); "
        "write it with tf.compat.v1.train.Saver().save(session, prefix)")


@pytest.mark.parametrize("content", [b"not a zip", None])
def test_truncated_or_corrupted_keras_file(tmp_path, content):
    from tests.models.sources.keras_models import functional

    spec = tmp_path / "lm.keras"
    if content is None:
        functional().save(tmp_path / "full.keras")
        truncated(tmp_path / "full.keras", spec)
    else:
        spec.write_bytes(content)
    assert message(spec) == (
        f"{str(spec)!r} is not a valid .keras archive (truncated or not a zip file); save "
        "the model again with model.save('lm.keras')")


def test_checkpoint_role_guesses_from_names_and_shapes():
    from rnninspect.model import RowSplit
    from rnninspect.sources.checkpoint import guess_role

    lstm = "lm/rnn/basic_lstm_cell/kernel"
    assert guess_role(lstm, (10, 20)) == (R.INPUT_HIDDEN_FUSED, RowSplit((0, 5), (5, 10)))
    assert guess_role("rnn/gru_cell/gates/kernel", (10, 10)) == (
        R.INPUT_HIDDEN_FUSED, RowSplit((0, 5), (5, 10)))
    keras = frozenset({"lstm/cell/kernel", "lstm/cell/recurrent_kernel"})
    assert guess_role("lstm/cell/kernel", (3, 16), keras) == (R.INPUT_TO_HIDDEN, None)
    assert guess_role("lstm/cell/recurrent_kernel", (4, 16), keras) == (
        R.HIDDEN_TO_HIDDEN, None)
    assert guess_role("model/embedding", (100, 8)) == (R.EMBEDDING, None)
    assert guess_role("model/softmax_w", (8, 100)) == (R.HIDDEN_TO_OUTPUT, None)
    assert guess_role("dense/bias", (8,)) == (R.BIAS, None)
    assert guess_role("mystery", (8, 8)) == (R.OTHER, None)


def test_checkpoint_guesses_never_contradict_structure_words():
    """A `…/kernel` under an `embedding` scope is a dense kernel (multiplied, not
    gathered); a kernel in a sub-scope of an LSTM cell (its projection) is no fused kernel;
    a Keras optimizer's state is bookkeeping wherever it is tracked."""
    from rnninspect.sources.checkpoint import _SKIP, guess_role

    assert guess_role("image_embedding/dense/kernel", (16, 8))[0] is not R.EMBEDDING
    assert guess_role("image_embedding/dense/bias", (8,))[0] is R.BIAS
    assert guess_role("word_embedding/embeddings", (100, 8))[0] is R.EMBEDDING
    assert guess_role("rnn/lstm_cell/projection/kernel", (8, 4))[0] is R.OTHER
    assert guess_role("rnn/lstm_cell/kernel", (12, 32))[0] is R.INPUT_HIDDEN_FUSED
    assert guess_role("rnn/gru_cell/candidate/kernel", (10, 5))[0] is R.INPUT_HIDDEN_FUSED
    assert _SKIP.search("model/optimizer/_iterations")
    assert _SKIP.search("model/optimizer/_learning_rate")
    assert not _SKIP.search("model/optimizer_head/kernel")


def _frozen(tmp_path, build):
    """A frozen GraphDef of `build(x)` (x: a [2, 3] float placeholder), analysed."""
    import tensorflow as tf

    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [2, 3], name="x")
        tf.identity(build(tf, x), name="y")
    path = tmp_path / "frozen.pb"
    path.write_bytes(graph.as_graph_def().SerializeToString())
    return analyze(load_user(str(path)))


def test_frozen_constants_a_use_proves_are_weights_the_rest_is_named(tmp_path):
    """A bias split per gate and squeezed, a one-element bias, a convolution's filter: weights.
    A gain multiplied elementwise: not provably a weight, named `unresolved`, not counted.
    A constant as large as the data it meets (an initial state, a mask): not a weight."""
    import numpy as np

    def build(tf, x):
        kernel = tf.constant(np.arange(18, dtype="float32").reshape(3, 6), name="kernel")
        bias = tf.constant(np.arange(12, dtype="float32").reshape(2, 6), name="gru_bias")
        b_in = tf.squeeze(tf.split(bias, 2, axis=0)[0], axis=0)
        h = tf.tanh(tf.matmul(x, kernel) + b_in)
        gain = tf.constant(np.arange(6, dtype="float32") + 2, name="gain")
        mask = tf.constant(np.ones((2, 6), "float32"), name="mask")
        score = tf.constant(np.arange(6, dtype="float32").reshape(6, 1), name="score_w")
        one = tf.constant([0.5], name="score_b")
        image = tf.reshape(x, [2, 3, 1, 1])
        conv = tf.nn.conv2d(image, tf.constant(np.full((1, 1, 1, 2), 3.0, "float32"),
                                               name="filter"), 1, "SAME")
        return tf.matmul(h * gain * mask, score) + one + tf.reduce_sum(conv)

    ins = _frozen(tmp_path, build)
    names = {v.name for v in ins.variables}
    assert {"kernel", "gru_bias", "score_w", "score_b", "filter"} <= names
    assert not {"gain", "mask"} & names
    assert ins.total_params == 18 + 12 + 6 + 1 + 2
    unresolved = [f for f in ins.findings if f.kind is FindingKind.UNRESOLVED]
    assert [f.variables for f in unresolved] == [("gain",)]
    assert unresolved[0].params == 6
