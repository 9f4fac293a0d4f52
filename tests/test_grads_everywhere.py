"""Gradients through time for every model `show` accepts (issue 12): TF1 graphs with their
own loss and copies, saved graphs, ConcreteFunctions, while loops through an unrolled twin,
and what the numbers reveal. Everything here is small: the whole file runs in about 40 s."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from rnninspect.analysis.grads import (
    TOLERANCE,
    GradientReport,
    StepGradients,
    find_gradient_problems,
)
from rnninspect.api import gradients, inspect
from rnninspect.errors import RnnInspectError
from rnninspect.sources import LoadOptions
from tests.helpers import corpus_share, run_cli, same_to_float32

REAL = Path(__file__).parent / "models" / "real"
BIRNN = f"{REAL}/static_birnn.py:build"
PTB_MAIN = f"{REAL}/ptb_main.py:build"
BW = "bidirectional_rnn/bw/basic_lstm_cell/"


def _report(*rows: StepGradients, dead: tuple[str, ...] = ()) -> GradientReport:
    return GradientReport("m", "legacy", len(rows[0].steps) if rows else None, 1.0, rows,
                          dead=dead)


# --- the findings, from numbers alone (no TensorFlow) ---------------------------------------


def test_vanishing_names_the_step_where_contributions_fall_below_a_thousandth_of_the_peak():
    norms = (1e-6, 2e-4, 5e-3, 0.1, 1.0)
    v = StepGradients("U", (0, 1, 2, 3, 4), norms, 1.0, 1.0, (True,) * 5)
    kinds = {f.kind: f for f in find_gradient_problems(_report(v))}
    assert set(kinds) == {"vanishing"}
    assert kinds["vanishing"].steps == (0, 1)  # 2e-4 < 1e-3 · 1.0; 5e-3 is not
    assert "step 1" in kinds["vanishing"].message and kinds["vanishing"].fix


def test_exploding_when_early_steps_outweigh_the_last_a_thousandfold():
    v = StepGradients("U", (0, 1, 2), (5e3, 40.0, 1.0), 1.0, 1.0, (True,) * 3)
    kinds = [f.kind for f in find_gradient_problems(_report(v))]
    assert kinds == ["exploding"]


def test_dead_steps_need_no_gradient_arriving_not_merely_a_zero_part():
    # step 0 of a recurrent kernel multiplies h_-1 = 0: a zero part, but alive
    alive = StepGradients("U", (0, 1, 2), (0.0, 0.5, 0.7), 1.0, 1.0, (True, True, True))
    dead = StepGradients("bw/W", (0, 1, 2), (0.9, 0.0, 0.0), 0.9, 0.9, (True, False, False))
    dead_b = StepGradients("bw/b", (0, 1, 2), (0.3, 0.0, 0.0), 0.3, 0.3, (True, False, False))
    found = find_gradient_problems(_report(alive, dead, dead_b, dead=("unused",)))
    assert [(f.kind, f.variables, f.steps) for f in found] == [
        ("dead_weight", ("unused",), ()),
        ("dead_steps", ("bw/W", "bw/b"), (1, 2)),
    ]


def test_sum_check_uses_the_stated_tolerance():
    ok = StepGradients("W", (0, 1), (1.0, 1.0), 2.0 * (1 + TOLERANCE / 2), 2.0)
    bad = StepGradients("W", (0, 1), (1.0, 1.0), 2.0 * (1 + TOLERANCE * 2), 2.0)
    assert ok.agrees and not bad.agrees


# --- TF1 graphs (the worker) ----------------------------------------------------------------


def test_static_birnn_backward_steps_after_the_first_are_exact_zeros():
    report = gradients(BIRNN)
    assert report.loss_source.startswith("Mean:0")  # the program's own loss, found
    rows = {v.variable: v for v in report.variables}
    for name in (BW + "kernel", BW + "bias"):
        v = rows[name]
        assert v.steps == (0, 1, 2, 3)
        assert v.norms[0] > 0 and v.norms[1:] == (0.0, 0.0, 0.0)
        assert v.reaches == (True, False, False, False)
    for v in report.variables:
        assert v.agrees, v
    dead = [f for f in report.findings if f.kind == "dead_steps"]
    assert len(dead) == 1 and dead[0].steps == (1, 2, 3)
    assert sorted(dead[0].variables) == [BW + "bias", BW + "kernel"]


def test_same_command_twice_same_figures():
    # to float32 precision: see same_to_float32
    assert same_to_float32(gradients(BIRNN, seed=4), gradients(BIRNN, seed=4))
    assert not same_to_float32(gradients(BIRNN, seed=4), gradients(BIRNN, seed=5))


def test_ptb_main_trains_its_train_copy_and_other_copies_can_be_chosen():
    train = gradients(PTB_MAIN)
    assert train.copy == "Train" and train.copies == ("Train", "Valid", "Test")
    assert train.loss_source.startswith("Train/Model/Sum:0")
    assert train.num_steps == 4 and len(train.variables) == 4
    assert all(v.agrees and v.total > 0 for v in train.variables)
    valid = gradients(PTB_MAIN, copy="Valid")  # untrained: its own cost, not a made-up loss
    assert valid.copy == "Valid" and valid.loss_source.startswith("Valid/Model/Sum:0")
    assert all(v.agrees for v in valid.variables)
    named = gradients(PTB_MAIN, loss="Train/Model/Sum")
    assert [v.norms for v in named.variables] == [v.norms for v in train.variables]


def test_a_logged_loss_is_still_the_loss_the_optimizer_minimizes():
    # textbook_lstm: cost + λ·Σ l2_loss, logged with tf.summary.scalar, fed to Adam
    report = gradients(f"{REAL}/textbook_lstm.py:build")
    assert "the program's training ops differentiate" in report.loss_source
    assert len(report.variables) == 12 and all(v.agrees for v in report.variables)
    # λ·Σ l2_loss reads every weight outside the steps: that part is measured, not a step
    assert all(v.outside > 0 for v in report.variables)
    # the forget gate at step 0 multiplies c_-1 = 0: an exact zero, yet on a path to the loss
    assert all(all(v.reaches) for v in report.variables) and not report.findings


def test_placeholders_the_loss_does_not_read_are_not_fed(tmp_path):
    # a string input read only by another output: feeding it numbers failed the whole run
    source = tmp_path / "unneeded.py"
    source.write_text(
        "import tensorflow as tf\n\ntf1 = tf.compat.v1\n\n\ndef build():\n"
        "    graph = tf.Graph()\n    with graph.as_default():\n"
        "        x = tf1.placeholder(tf.float32, [2, 3, 4], name='x')\n"
        "        y = tf1.placeholder(tf.int32, [2], name='y')\n"
        "        names = tf1.placeholder(tf.string, [None], name='names')\n"
        "        cell = tf1.nn.rnn_cell.BasicRNNCell(5)\n"
        "        outputs, _ = tf1.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)\n"
        "        logits = tf1.layers.dense(outputs[-1], 3)\n"
        "        loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits(\n"
        "            labels=y, logits=logits))\n"
        "        tf1.train.GradientDescentOptimizer(0.1).minimize(loss)\n"
        "        tf.identity(tf.strings.length(names), name='name_lengths')\n"
        "    return graph\n", encoding="utf-8")
    report = gradients(f"{source}:build")
    assert report.loss_source.startswith("Mean:0") and report.num_steps == 3
    assert not any("names" in n for n in report.notes)
    assert len(report.variables) == 2 and all(v.agrees for v in report.variables)


@pytest.mark.parametrize(("argv", "needle"), [
    (["--loss", "no_such_tensor"], "no tensor"),
    (["--loss", "prediction"], "not a scalar"),
    (["--copy", "Valid"], "one copy"),
])
def test_bad_loss_or_copy_is_one_line_exit_2(argv, needle):
    code, out, err = run_cli(["grads", BIRNN, *argv])
    assert code == 2 and out == ""
    assert needle in err and len(err.strip().splitlines()) == 1


def test_integer_ids_declared_float_are_fed_whole_numbers_in_range(tmp_path):
    """Keras's own way: an Input left float32 before an Embedding is cast to ids."""
    source = tmp_path / "float_ids.py"
    source.write_text(
        "import keras\nimport tensorflow as tf\n\n\ndef build():\n"
        "    model = keras.Sequential([keras.Input((4,)), keras.layers.Embedding(9, 3),\n"
        "                              keras.layers.LSTM(5, unroll=True),\n"
        "                              keras.layers.Dense(2)])\n"
        "    return model, [tf.TensorSpec([2, 4], tf.float32)]\n", encoding="utf-8")
    code, out, err = run_cli(["grads", f"{source}:build", "--format", "json"])
    assert code == 0, err
    assert any("ids in [0, 9) as floats" in note for note in json.loads(out)["notes"])


def test_meta_graph_restores_its_checkpoint_and_frozen_graph_differentiates_constants(
        tmp_path):
    from tests.models.sources import saved_files

    prefix = saved_files.write_meta(tmp_path / "meta")
    meta = gradients(f"{prefix}.meta")
    assert any("restored" in n for n in meta.notes)
    assert [v.variable for v in meta.variables] == ["rnn/b", "rnn/w"]
    assert all(v.agrees and len(v.steps) == 3 for v in meta.variables)
    frozen, _ = saved_files.write_frozen(tmp_path / "frozen")
    const = gradients(str(frozen))
    assert len(const.variables) == 2 and all(v.agrees for v in const.variables)
    # the frozen constants are the checkpointed values of another initialisation: same shape
    # of profile, one entry per step
    assert [len(v.steps) for v in const.variables] == [3, 3]


def test_saved_model_signature_is_split_per_step_through_its_inlined_call(tmp_path):
    from tests.models.sources import saved_files

    report = gradients(str(saved_files.write_saved_model(tmp_path / "sm")))
    assert any("captured" in n for n in report.notes) and "sum of squares" in report.loss_source
    rows = {v.variable: v for v in report.variables}
    assert sorted(rows) == ["b", "u", "w"] and report.num_steps == 3
    assert all(v.agrees for v in rows.values())
    assert rows["u"].norms[0] == 0.0 and rows["u"].reaches[0]  # h_-1 = 0: alive, zero part
    assert not [f for f in report.findings if f.kind == "dead_steps"]


# --- Keras: while loops through the unrolled twin, ConcreteFunctions ------------------------


def test_while_loop_lstm_goes_through_its_unrolled_twin_checked_equal():
    report = gradients("tests/models/forms/keras_forms.py:lstm", LoadOptions())
    assert report.dynamic == ()
    twin = [n for n in report.notes if "unrolled twin" in n]
    assert len(twin) == 1 and "within 1e-05" in twin[0]
    delta = float(twin[0].rsplit("= ", 1)[1].rstrip(")"))
    assert delta <= 1e-5
    assert report.variables and all(v.agrees for v in report.variables)
    assert all(len(v.steps) == report.num_steps for v in report.variables)


def test_twin_differing_from_the_original_is_refused():
    import numpy as np

    from rnninspect.tf.imports import import_keras_quietly
    from rnninspect.tf.twin import twin_check

    keras = import_keras_quietly()
    layer = keras.layers.SimpleRNN(2, name="rnn")
    x = np.ones((1, 3, 2), "float32")
    layer(x)  # built, and a while loop
    seen: list[bool] = []

    def forward():
        layer(x)
        seen.append(layer.unroll)  # reset after each call: unrolled only during it
        # a stand-in for a twin computing something else: the value depends on the mode
        return np.ones(3) * (2.0 if len(seen) > 1 else 1.0)

    same, note = twin_check(np, [layer], forward)
    assert not same and "differs" in note and layer.unroll is False


def test_twin_of_a_layer_called_on_an_unknown_length_is_refused():
    import numpy as np

    from rnninspect.tf.twin import twin_check

    class Layer:
        name = "lstm"
        unroll = False

    same, note = twin_check(np, [Layer()], lambda: np.ones(3))  # no RNN call unrolled
    assert not same and "length is unknown" in note


def test_concrete_function_with_a_gradient_tape_uses_the_tapes_loss():
    report = gradients(f"{REAL}/custom_train_step.py:build")
    assert "the scalar the program's training ops differentiate" in report.loss_source
    assert "sparse_categorical_crossentropy" in report.loss_source
    # its LSTM is a while loop inside the traced function: split through the program's
    # unrolled twin, fed what the original was fed (ids found through Keras' lookup)
    assert report.dynamic == () and report.num_steps == 5
    assert sorted(v.variable.rsplit("/", 1)[1] for v in report.variables) == [
        "bias", "kernel", "recurrent_kernel"]
    assert any("lm/lstm" not in n and "taken through the unrolled twin" in n
               for n in report.notes)
    assert any("fn/x: ids in [0, 20)" in n for n in report.notes)
    recurrent = next(v for v in report.variables if v.variable.endswith("recurrent_kernel"))
    assert recurrent.norms[0] == 0.0 and all(n > 0 for n in recurrent.norms[1:])  # h_-1 = 0


def test_grads_json_carries_header_findings_and_reach():
    code, out, _ = run_cli(["grads", BIRNN, "--format", "json"])
    assert code == 0
    doc = json.loads(out)
    assert doc["tolerance"] == TOLERANCE and doc["loss_source"].startswith("Mean:0")
    assert [f["kind"] for f in doc["findings"]] == ["dead_steps"]
    bw = next(v for v in doc["variables"] if v["name"] == BW + "kernel")
    assert bw["reaches_loss"] == [True, False, False, False] and bw["sum_matches_gradient"]


# --- the corpus ------------------------------------------------------------------------------


def _programs() -> list[str]:
    return sorted(p.stem for p in REAL.glob("*.py") if p.stem != "__init__")


# Programs whose loop no unrolled twin reproduces: the total gradient, with the reason.
TOTAL_ONLY = {"raw_rnn_decoder": "raw_rnn's loop_fn decides each next input and when to stop "
               "inside the loop: no unrolled twin",
              "clockwork_rnn": "a hand-written tf.while_loop (neither dynamic_rnn nor tf.scan): "
              "no unrolled twin",
              "keras2_text_generation": "a tf_keras (Keras 2) GRU run as a while loop in a "
              "function: unrolled twins are built for Keras 3 layers",
              "keras2_stateful_lstm": "a tf_keras (Keras 2) LSTM run as a while loop in a "
              "function: unrolled twins are built for Keras 3 layers"}


def _per_step_or_reason(report: GradientReport) -> str:
    """'per-step' (every shared weight split, the parts adding up) or 'total' (weights left
    summed over a loop, each total measured, and a line saying why); fails otherwise."""
    for v in report.variables:
        assert v.agrees, (v.variable, v.summed, v.total)
        assert len(v.norms) == len(v.steps) >= 2
        assert all(math.isfinite(n) and n >= 0 for n in v.norms)
    assert report.loss_source and math.isfinite(report.loss)
    summed = report.dynamic + report.unsplit
    if not summed:
        assert report.variables
        assert not [n for n in report.notes if "conditional" in n or "withheld" in n]
        return "per-step"
    totals = dict(report.totals)
    assert all(name in totals for name in summed)
    # the reason: the table says "read once inside a while loop … rebuild with unroll=True"
    # for dynamic weights, a note for weights in a conditional; a twin refused says why
    from rnninspect.render.grads import grads_renderable
    from tests.helpers import make_console

    out, buf = make_console(200)
    out.print(grads_renderable(report))
    assert "while loop" in buf.getvalue() or "conditional" in buf.getvalue()
    return "total"


# Known wrong today (strict: a fix turns it red until the mark goes).
SUM_MISSES: dict[str, str] = {
    # wave 3, session 4: corpus programs added this session that grads does not serve yet
    "indrnn_mnist": "an elementwise recurrence (IndRNN) unrolled by the twin is analysed as "
    "no_recurrence (docs/analysis.md §6, limit): no per-step parts",
    "sru_classifier": "an elementwise recurrence (SRU) unrolled by the twin is analysed as "
    "no_recurrence (docs/analysis.md §6, limit): no per-step parts",
    "keras_masked_recurrent_cell": "a recurrent kernel masked by a constant (W * mask): the "
    "parts are split at the masked product and do not add up to the gradient (shown as no)",
    "attention_sentiment": "built for one batch size the graph does not show: grads asks for "
    "--batch N in one line",
}


# programs TensorFlow cannot differentiate here: one line that names the op and the fix
CANNOT_RUN = {"cudnn_lstm_classifier": "no kernel on the devices", "cudnn_gru_stack":
              "no kernel on the devices", "ptb_cudnn_params": "no kernel on the devices",
              "block_cell_unrolled": "defines no gradient for the model's op"}
FUSED = {"block_lstm_lm": "one BlockLSTM op runs every step: no per-step reads to split"}


@pytest.mark.parametrize("program", corpus_share(_programs(), part=0, marks={
    p: pytest.mark.xfail(strict=True, reason=reason) for p, reason in SUM_MISSES.items()}))
def test_every_corpus_program_gets_per_step_gradients_or_says_why_not(program):
    if program in CANNOT_RUN:
        with pytest.raises(RnnInspectError, match=CANNOT_RUN[program]):
            gradients(f"{REAL}/{program}.py:build")
        return
    report = gradients(f"{REAL}/{program}.py:build")
    if program in FUSED:
        assert _per_step_or_reason(report) == "total", report.notes
        return
    outcome = _per_step_or_reason(report)
    assert outcome == ("total" if program in TOTAL_ONLY else "per-step"), report.notes


# --- generated programs (tests/generated/): what nobody hand-picked -------------------------

GENERATED_FAST = (0, 2, 6, 8)  # a static unroll, dynamic_rnn with dropout, two Keras forms
GENERATED_SLOW = 40


def _generated(indices: list[int]) -> list[Any]:
    from tests.generated.description import programs

    found = programs(0, max(indices) + 1)
    return [pytest.param(i, found[i], id=f"{i}-{found[i].key}") for i in indices]


def _grads_of_generated(index: int, d: Any, folder: Path) -> None:
    from tests.generated.runner import file_name, write

    source, _ = write(d)
    path = folder / file_name(index, d)
    path.write_text(source, encoding="utf-8")
    code, out, err = run_cli(["grads", f"{path}:build", "--format", "json"])
    assert code == 0 and "Traceback" not in err, err  # never a traceback, never refused
    doc = json.loads(out)
    # named as `show` names them, with their shapes
    shown = {v.name: list(v.shape) for v in inspect(f"{path}:build").variables}
    for v in doc["variables"]:
        assert shown.get(v["name"]) == v["shape"], v["name"]
    assert set(doc["gradient_norms"]) <= set(shown)
    _per_step_or_reason(gradients(f"{path}:build"))


@pytest.mark.parametrize(("index", "d"), _generated(list(GENERATED_FAST)))
def test_generated_programs_get_per_step_gradients_or_say_why_not(index, d, tmp_path):
    _grads_of_generated(index, d, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize(("index", "d"), _generated(
    [i for i in range(GENERATED_SLOW) if i not in GENERATED_FAST]))
def test_generated_programs_get_per_step_gradients_or_say_why_not_slow(index, d, tmp_path):
    _grads_of_generated(index, d, tmp_path)
