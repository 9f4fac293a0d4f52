"""Per-step gradients through the loop forms of TF1 code (issue 12): static_rnn with
`sequence_length` (every step inside a conditional) and dynamic_rnn (a while loop, through a
statically unrolled twin). One LSTM with the same weights written four ways
(tests/models/forms/tf1_loops.py): at full lengths they compute the same function, so each
step's contribution must be the same in all four."""

from __future__ import annotations

import pytest

from rnninspect.api import gradients

FORMS = "tests/models/forms/tf1_loops.py"
KERNEL, BIAS = "rnn/lstm_cell/kernel", "rnn/lstm_cell/bias"


@pytest.fixture(scope="module")
def plain():
    return gradients(f"{FORMS}:static_plain")


def _norms(report):
    return {v.variable: v.norms for v in report.variables}


def test_static_rnn_gives_a_part_per_step_that_adds_up(plain):
    rows = _norms(plain)
    assert sorted(rows) == [BIAS, KERNEL]
    assert all(len(n) == 4 and min(n) > 0 for n in rows.values())
    assert all(v.agrees for v in plain.variables)


def test_sequence_length_steps_inside_conditionals_are_split_like_plain_steps(plain):
    report = gradients(f"{FORMS}:static_lengths")
    assert report.dynamic == ()
    assert not [n for n in report.notes if "conditional" in n]
    assert all(v.agrees for v in report.variables)
    got, want = _norms(report), _norms(plain)
    assert sorted(got) == sorted(want)
    for name, norms in want.items():
        assert got[name] == pytest.approx(norms, rel=1e-5), name


@pytest.mark.parametrize("form", ["dynamic_plain", "dynamic_lengths"])
def test_dynamic_rnn_goes_through_its_static_twin_with_the_same_parts(plain, form):
    report = gradients(f"{FORMS}:{form}")
    assert report.dynamic == () and report.num_steps == 4
    twin = [n for n in report.notes if "unrolled twin" in n]
    assert len(twin) == 1 and "within 1e-05" in twin[0]
    assert float(twin[0].rsplit("= ", 1)[1].rstrip(")")) <= 1e-5
    assert all(v.agrees for v in report.variables)
    got, want = _norms(report), _norms(plain)
    assert sorted(got) == sorted(want)
    for name, norms in want.items():
        assert got[name] == pytest.approx(norms, rel=1e-5), name


def test_bidirectional_dynamic_rnn_unrolls_both_directions():
    report = gradients(f"{FORMS}:bidirectional_dynamic")
    assert report.dynamic == ()
    names = {v.variable for v in report.variables}
    assert {n.split("/")[1] for n in names} == {"fw", "bw"}
    assert all(len(v.steps) == 4 and v.agrees for v in report.variables)
    # the classifier reads fw at its last step and bw at its first: every step reaches it
    assert all(all(v.reaches) for v in report.variables)


def test_a_loop_with_an_unknown_length_stays_a_loop_and_says_why():
    report = gradients(f"{FORMS}:unknown_length")
    assert report.variables == () and len(report.dynamic) >= 2
    said = [n for n in report.notes if "stays a loop" in n]
    assert len(said) == 1 and "(inputs (2, None, 3))" in said[0]


def test_the_twin_is_refused_when_it_computes_something_else():
    from rnninspect.analysis.grads import GradientReport
    from rnninspect.tf.loop_twin import _difference

    a = GradientReport("m", "legacy", None, 1.0, (), totals=(("w", 2.0), ("u", 3.0)))
    assert _difference(a, a) == 0.0
    assert _difference(a, GradientReport("m", "legacy", 4, 1.0, (),
                                         totals=(("w", 2.0), ("u", 3.3)))) == pytest.approx(0.1)
    assert _difference(a, GradientReport("m", "legacy", 4, 1.0, (), totals=(("w", 2.0),))) \
        == float("inf")


# --- Keras loops inside a ConcreteFunction the program traced -----------------------------

REAL = "tests/models/real"


def test_encoder_decoder_function_goes_through_its_twin_on_the_copy_with_a_float_output():
    report = gradients(f"{REAL}/lstm_seq2seq.py:build")
    # two copies: teacher-forced training (float output) and greedy decoding (int tokens);
    # the loss is built on the one with a float output, the function's own return value
    assert report.copy == "copy 1" and report.loss_source.endswith("fn/Identity:0")
    steps = {v.variable: v.steps for v in report.variables}
    assert {k for k in steps if k.startswith("encoder/")} == {
        f"encoder/lstm_cell/{w}" for w in ("kernel", "recurrent_kernel", "bias")}
    assert steps["decoder/lstm_cell/kernel"] == (0, 1, 2, 3)  # each decoder step its own read
    assert steps["encoder/lstm_cell/kernel"] == (0, 1, 2, 3, 4)
    assert all(v.agrees for v in report.variables)


def test_attention_decoder_function_twin_keeps_alike_named_weights_apart():
    report = gradients(f"{REAL}/nmt_attention.py:build")
    names = [v.variable for v in report.variables]
    assert len(names) == len(set(names)) >= 10  # decoder/kernel, decoder/kernel_1, ...
    assert report.dynamic == () and all(v.agrees for v in report.variables)
    twin = next(n for n in report.notes if "unrolled twin" in n)
    assert float(twin.rsplit("= ", 1)[1].rstrip(")")) <= 1e-5


def test_dynamic_rnn_program_is_fed_one_hot_labels_and_split_through_its_twin():
    report = gradients(f"{REAL}/dynamic_rnn_seqlen.py:build")
    assert report.num_steps == 6 and report.dynamic == ()
    assert any("y: one-hot labels of 2 classes" in n for n in report.notes)
    assert report.loss > 0  # a softmax cross-entropy of one-hot rows (never negative)
    assert {v.variable for v in report.variables} == {
        "rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias"}
    assert all(v.agrees and len(v.steps) == 6 for v in report.variables)


def test_a_hand_written_while_loop_keeps_its_total_and_says_no_twin_exists():
    report = gradients(f"{FORMS}:hand_written_loop")
    assert report.variables == () and sorted(report.dynamic) == ["u", "w"]
    said = [n for n in report.notes if "no unrolled twin" in n]
    assert len(said) == 1 and "neither dynamic_rnn nor tf.scan" in said[0]
    assert dict(report.totals).keys() == {"u", "w"} and all(
        v > 0 for v in dict(report.totals).values())


def test_grads_json_names_what_stays_summed_and_every_gradient_norm():
    import json

    from tests.helpers import run_cli

    code, out, _ = run_cli(["grads", f"{FORMS}:hand_written_loop", "--format", "json"])
    doc = json.loads(out)
    assert code == 0 and doc["variables"] == [] and sorted(doc["dynamic"]) == ["u", "w"]
    assert doc["unsplit"] == [] and sorted(doc["gradient_norms"]) == ["u", "w"]


def test_the_text_report_gives_each_summed_weight_its_gradient_norm():
    from tests.helpers import run_cli

    code, out, _ = run_cli(["grads", f"{FORMS}:hand_written_loop"])
    assert code == 0 and "(w, u):" in out  # both named, no ellipsis
    assert "Each step reads a shared weight" not in out  # no table to explain
    line = next(ln for ln in out.splitlines() if ln.startswith("summed over the steps"))
    assert "w ‖∇‖ = " in line and "u ‖∇‖ = " in line


@pytest.mark.parametrize(("initializer", "reverse"), [(None, False), (1.0, True)])
def test_the_scan_twin_computes_what_tf_scan_computes(initializer, reverse):
    import numpy as np
    import tensorflow as tf

    from rnninspect.tf.loop_twin import _python_scan

    elems = tf.constant(np.arange(1.0, 5.0, dtype="float32"))

    def fn(a, x):
        return a * 0.5 + x * x

    init = None if initializer is None else tf.constant(initializer)
    want = tf.scan(fn, elems, initializer=init, reverse=reverse)
    got = _python_scan(fn, elems, init, reverse)
    np.testing.assert_allclose(got.numpy(), want.numpy())


def test_a_batch_the_program_rejects_is_one_line_exit_2():
    from tests.helpers import run_cli

    # hunkim_char_seq reshapes to a fixed batch of 1 (and gets it by default); 3 it rejects
    code, out, err = run_cli(["grads", f"{REAL}/hunkim_char_seq.py:build", "--batch", "3"])
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "[3 6]" in err and "--batch" in err
