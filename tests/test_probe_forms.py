"""`rnninspect probe` (the graph probe) on every form of a Keras recurrent cell: every GRU
variant (reset_after either way, with and without a bias) and every activation Keras
accepts for the gates and the candidate of LSTM, GRU and SimpleRNN. Each step's gate
statistics and state norms equal a numpy recurrence of Keras's documented equations (with
Keras's own activation functions), and each h the layer's own output, to 1e-5 — never a
value read off the wrong op (a GRU with reset_after=False was once counted as two steps per
step, a hard-sigmoid LSTM read as a plain RNN)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.probe_numpy import keras_recurrence, stats

BATCH, STEPS, INPUTS, UNITS = 3, 6, 4, 5
GATES = {"LSTM": ("i", "f", "c", "o"), "GRU": ("z", "r", "h"), "SimpleRNN": ("h",)}
CANDIDATE = {"LSTM": "c", "GRU": "h", "SimpleRNN": "h"}  # the block `activation` computes
# 1e-5, relative where an unbounded activation (linear, relu) grows the state to thousands:
# the model multiplies in float32
CLOSE = {"rel": 1e-5, "abs": 1e-5}


def probe_layer(layer: str, options: dict[str, Any], *, scale: float = 1.5) -> None:
    """Probe a one-layer Keras model through `probe_model` (the graph probe) and compare
    every figure with the numpy recurrence and the layer's own outputs."""
    from rnninspect.probe.run import probe_model
    from rnninspect.tf.imports import import_keras_for_tracing

    keras = import_keras_for_tracing()
    keras.backend.clear_session()
    rng = np.random.default_rng(3)
    rnn = getattr(keras.layers, layer)(UNITS, return_sequences=True, name="rnn", **options)
    model = keras.Sequential([keras.Input((STEPS, INPUTS)), rnn, keras.layers.Dense(2)])
    values = [rng.uniform(-scale, scale, w.shape).astype(np.float32) for w in rnn.get_weights()]
    rnn.set_weights(values)
    x = (rng.standard_normal((BATCH, STEPS, INPUTS)) * 2).astype(np.float32)
    report = probe_model(model, [x])
    expected = keras_recurrence(
        "RNN" if layer == "SimpleRNN" else layer, values, x.astype(np.float64),
        activation=options.get("activation", "tanh"),
        recurrent_activation=options.get("recurrent_activation", "sigmoid"),
        reset_after=options.get("reset_after", True), use_bias=options.get("use_bias", True))
    own = keras.Model(model.inputs, rnn.output)(x).numpy().astype(np.float64)
    # the numpy recurrence is Keras's: to float32's noise over 6 steps (a linear recurrence
    # grows to thousands; tanh_shrink cancels to a few ulps near 0)
    assert np.stack([s["h"] for s in expected], axis=1) == pytest.approx(own, rel=1e-4, abs=1e-4)

    (cell,) = report.cells
    assert report.dynamic == ()
    assert cell.gate_order == GATES[layer]
    assert len(cell.steps) == STEPS == report.num_steps
    for got, want in zip(cell.steps, expected, strict=True):
        assert [g.gate for g in got.gates] == list(GATES[layer])
        for g in got.gates:
            assert g.activation == (options.get("activation", "tanh")
                                    if g.gate == CANDIDATE[layer]
                                    else options.get("recurrent_activation", "sigmoid"))
            mean, low, high = stats(g.activation, want["gates"][g.gate])
            assert (g.mean, g.low, g.high) == pytest.approx((mean, low, high), **CLOSE), g
        assert got.h_norm == pytest.approx(float(np.linalg.norm(want["h"], axis=1).mean()),
                                           **CLOSE)
        if want["c"] is not None:
            assert got.c_norm == pytest.approx(float(np.linalg.norm(want["c"], axis=1).mean()),
                                               **CLOSE)
        else:
            assert got.c_norm is None


@pytest.mark.parametrize("reset_after", [True, False], ids=["reset-after", "reset-before"])
@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "no-bias"])
def test_every_gru_variant(reset_after: bool, use_bias: bool) -> None:
    probe_layer("GRU", {"reset_after": reset_after, "use_bias": use_bias})


# every activation Keras 3 accepts by name that maps a tensor to one of its shape, element
# by element or over the units (softmax, log_softmax); `exponential` overflows at these
# weights and is left to the non-finite tests
ACTIVATIONS = ["sigmoid", "hard_sigmoid", "hard_silu", "tanh", "relu", "linear", "relu6",
               "elu", "selu", "gelu", "silu", "softplus", "softsign", "mish", "log_sigmoid",
               "leaky_relu", "hard_tanh", "tanh_shrink", "soft_shrink", "hard_shrink",
               "celu", "squareplus", "sparse_plus", "softmax", "log_softmax"]
# the ones that once broke it, and one of each kind of op Keras builds them from, run by
# default; every one of them with -m slow
QUICK = {"sigmoid", "hard_sigmoid", "hard_silu", "linear", "relu"}


def chosen(names: list[str]) -> list[Any]:
    return [n if n in QUICK else pytest.param(n, marks=pytest.mark.slow) for n in names]


@pytest.mark.parametrize("layer", ["LSTM", "GRU"])
@pytest.mark.parametrize("name", chosen(ACTIVATIONS))
def test_every_recurrent_activation(layer: str, name: str) -> None:
    probe_layer(layer, {"recurrent_activation": name}, scale=0.8)


@pytest.mark.parametrize("layer", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("name", chosen(ACTIVATIONS))
def test_every_activation(layer: str, name: str) -> None:
    probe_layer(layer, {"activation": name}, scale=0.8)


def test_an_rnn_layer_over_stacked_cells() -> None:
    """`RNN(StackedRNNCells([...]))`: each cell a layer, lowest first, its input the h of
    the one below; the layer's own output is the top cell's last h (a generic RNN layer was
    once recorded call by call, its throwaway shape-inference calls as extra sequences)."""
    from rnninspect.probe.run import probe_model
    from rnninspect.tf.imports import import_keras_for_tracing

    keras = import_keras_for_tracing()
    keras.backend.clear_session()
    rng = np.random.default_rng(8)
    lower = keras.layers.LSTMCell(UNITS, recurrent_activation="hard_sigmoid", name="lower")
    upper = keras.layers.GRUCell(UNITS, reset_after=False, name="upper")
    rnn = keras.layers.RNN(keras.layers.StackedRNNCells([lower, upper]), name="rnn")
    model = keras.Sequential([keras.Input((STEPS, INPUTS)), rnn])
    for cell in (lower, upper):
        cell.set_weights([rng.uniform(-1.2, 1.2, w.shape).astype(np.float32)
                          for w in cell.get_weights()])
    x = (rng.standard_normal((BATCH, STEPS, INPUTS)) * 2).astype(np.float32)
    report = probe_model(model, [x])
    first = keras_recurrence("LSTM", lower.get_weights(), x.astype(np.float64),
                             recurrent_activation="hard_sigmoid")
    second = keras_recurrence("GRU", upper.get_weights(),
                              np.stack([s["h"] for s in first], axis=1), reset_after=False)
    assert second[-1]["h"] == pytest.approx(np.asarray(model(x), np.float64), abs=1e-5)
    assert [(c.layer, c.kind) for c in report.cells] == [(0, "LSTM"), (1, "GRU")]
    for cell, expected in zip(report.cells, (first, second), strict=True):
        for got, want in zip(cell.steps, expected, strict=True):
            for g in got.gates:
                assert (g.mean, g.low, g.high) == pytest.approx(
                    stats(g.activation, want["gates"][g.gate]), **CLOSE)
            assert got.h_norm == pytest.approx(
                float(np.linalg.norm(want["h"], axis=1).mean()), **CLOSE)


def test_one_layer_over_several_inputs_is_named_not_guessed() -> None:
    """`TimeDistributed(LSTM)` runs one LSTM over every row: the Inspection shows one cell,
    the cell ran four sequences; which one's values to show is not decided, and said."""
    from rnninspect.probe.run import probe_model
    from rnninspect.tf.imports import import_keras_for_tracing

    keras = import_keras_for_tracing()
    keras.backend.clear_session()
    x = keras.Input((4, STEPS, 1), batch_size=BATCH)
    rows = keras.layers.TimeDistributed(keras.layers.LSTM(UNITS, name="row"), name="rows")(x)
    model = keras.Model(x, keras.layers.LSTM(3, name="col")(rows))
    inputs = np.random.default_rng(9).standard_normal((BATCH, 4, STEPS, 1)).astype(np.float32)
    report = probe_model(model, [inputs])
    assert [c.kind for c in report.cells] == ["LSTM"]  # the column LSTM over the rows
    (lost,) = report.dynamic
    (said,) = [n for n in report.notes if n.startswith(f"{lost}: no per-step values")]
    assert "ran 4 separate sequences" in said and "not decided" in said
