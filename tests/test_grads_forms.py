"""`grads` takes what `show` takes (issue 12): a (tf.Module, signature) pair, a tf-keras model
from TF1-style code, and a model whose tracing hits a variable reuse error is explained in
the same one line as `show` gives."""

from __future__ import annotations

from rnninspect.api import gradients
from tests.helpers import run_cli

SOURCES = "tests/models/sources"


def test_a_module_with_its_signature_is_differentiated_through_its_call():
    report = gradients(f"{SOURCES}/keras_models.py:module_with_signature")
    assert sorted(v.variable for v in report.variables) == ["b", "u", "w"]
    assert all(v.agrees and len(v.steps) == report.num_steps == 3 for v in report.variables)


def test_a_tf_keras_model_from_tf1_style_code_goes_through_its_inference_function():
    report = gradients(f"{SOURCES}/tf1_models.py:tf_keras_model")
    assert report.dialect == "legacy" and report.num_steps == 4
    assert {v.variable.rsplit("/", 1)[1] for v in report.variables} == {
        "kernel", "recurrent_kernel", "bias"}
    assert all(v.agrees for v in report.variables)


def test_tied_and_separate_keras_layers_in_tf1_code_each_get_their_steps():
    report = gradients("tests/models/tied/mixed_stacks.py:keras_two_tied_one_separate")
    names = {v.variable for v in report.variables}
    assert any("/tied/" in n for n in names) and any("/separate/" in n for n in names)
    assert all(v.agrees for v in report.variables)


def test_a_reuse_error_while_tracing_is_the_same_one_line_as_show():
    spec = f"{SOURCES}/reuse_tf2.py:layer_in_call"
    shown = run_cli(["show", spec, "--no-cache"])
    grads = run_cli(["grads", spec])
    assert shown[0] == grads[0] == 2
    line = grads[2].strip()
    assert line == shown[2].strip() and len(line.splitlines()) == 1
    assert "variable reuse error" in line and "reuse_tf2.py:26" in line


def test_a_layer_called_once_per_step_in_a_function_is_split_through_its_twin():
    # each call is a one-iteration while loop: the steps are known, but each read sits in a
    # loop body until the program runs again with the layer unrolled
    report = gradients(f"{SOURCES}/keras_models.py:stepped_gru")
    assert report.dialect == "keras" and report.unsplit == () and report.dynamic == ()
    assert [len(v.steps) for v in report.variables] == [4, 4, 4]
    assert all(v.agrees for v in report.variables)
    assert any("taken through the unrolled twin" in n for n in report.notes)
