"""Per-step gradients: each step's contribution, and they add up to the weight's gradient."""

from __future__ import annotations

import json

import pytest

from rnninspect.api import gradients as zoo_gradients
from rnninspect.cli import main
from rnninspect.sources import LoadOptions
from tests.helpers import make_console, same_to_float32

SMALL = LoadOptions(num_steps=6, hidden=16, vocab=50, batch=4)


@pytest.mark.parametrize("dialect", ["legacy", "keras"])
def test_step_contributions_add_up_to_the_frameworks_gradient(dialect):
    options = LoadOptions(dialect, None, 6, 16, None, 50, 4)
    report = zoo_gradients("ptb", options, seed=3)
    assert len(report.variables) == (4 if dialect == "legacy" else 6)
    for v in report.variables:
        assert v.steps == tuple(range(6))
        assert v.total > 0
        assert v.summed == pytest.approx(v.total, rel=1e-4)
        # Triangle inequality: the parts are at least as large as their sum.
        assert sum(v.norms) >= v.summed * (1 - 1e-6)
    recurrent = [v for v in report.variables if "recurrent" in v.variable]
    for v in recurrent:  # h_-1 = 0, so step 0 cannot contribute to U
        assert v.norms[0] == 0.0 and v.first_step == 1


def test_same_seed_same_numbers():
    a = zoo_gradients("ptb", SMALL, seed=5)
    b = zoo_gradients("ptb", SMALL, seed=5)
    # Same weights, same batch; TensorFlow's CPU kernels may still add float32 partial sums
    # in a thread-dependent order (CI saw one ulp of a gradient norm move), so the floats
    # agree to float32 precision and everything else exactly.
    assert same_to_float32(a, b)
    assert not same_to_float32(a, zoo_gradients("ptb", SMALL, seed=6))


def test_static_rnn_shared_read_is_still_split_per_step():
    # static_rnn caches one read of the kernel for all steps: the split must still work.
    report = zoo_gradients("mnist", LoadOptions(dialect="legacy", batch=8, num_steps=6), seed=1)
    for v in report.variables:
        assert len(v.steps) == 6
        assert v.summed == pytest.approx(v.total, rel=1e-4)
        assert len(set(v.norms)) == 6  # not one shared number repeated


def test_mnist_late_steps_dominate_because_only_the_last_output_is_read():
    report = zoo_gradients("mnist", LoadOptions(dialect="keras", batch=8), seed=0)
    kernel = next(v for v in report.variables if v.variable == "lstm_cell/kernel")
    assert len(kernel.steps) == 28
    assert kernel.ratio > 10


def test_grads_cli_json():
    out, buf = make_console(120)
    err, _ = make_console(120)
    status = main(["grads", "ptb", "--num-steps", "4", "--hidden", "8", "--vocab", "30",
                   "--format", "json"], console=out, err_console=err)
    assert status == 0
    doc = json.loads(buf.getvalue())
    assert doc["schema"] == "rnninspect.grads/1" and doc["num_steps"] == 4
    assert all(len(v["norms"]) == 4 for v in doc["variables"])


def test_user_keras_model_unrolled_adds_up():
    report = zoo_gradients("tests/models/sources/keras_models.py:functional", LoadOptions())
    assert len(report.variables) == 3 and report.num_steps == 3
    for v in report.variables:
        assert v.summed == pytest.approx(v.total, rel=1e-4)


def test_while_loop_weights_left_unsplit_are_explained():
    # A while loop nothing could unroll (e.g. inside a traced ConcreteFunction): explained.
    from rnninspect.analysis.grads import GradientReport
    from rnninspect.render.grads import grads_renderable

    report = GradientReport("m", "keras", None, 1.0, (), ("lstm/kernel", "lstm/bias"))
    out, buf = make_console(100)
    out.print(grads_renderable(report))
    assert "unroll=True" in buf.getvalue() and "while loop" in buf.getvalue()
