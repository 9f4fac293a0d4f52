"""`probe` on Keras 3 layers that run a while loop (LSTM, GRU): traced unrolled, their gate
statistics and state norms equal a numpy recurrence on the same weights and inputs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.probe_numpy import sigmoid, stats

BATCH, STEPS, INPUTS, UNITS = 3, 6, 4, 5


def keras_lstm(kernel: Any, recurrent: Any, bias: Any, x: Any) -> list[dict[str, Any]]:
    h = np.zeros((BATCH, UNITS))
    c = np.zeros((BATCH, UNITS))
    steps = []
    for t in range(STEPS):
        z = x[:, t] @ kernel + h @ recurrent + bias
        i, f, g, o = np.split(z, 4, axis=1)
        gates = {"i": sigmoid(i), "f": sigmoid(f), "c": np.tanh(g), "o": sigmoid(o)}
        c = gates["f"] * c + gates["i"] * gates["c"]
        h = gates["o"] * np.tanh(c)
        steps.append({"gates": gates, "h": h, "c": c})
    return steps


def keras_gru(kernel: Any, recurrent: Any, bias: Any, x: Any) -> list[dict[str, Any]]:
    """Keras 3 GRU, reset_after=True: bias[0] on the input, bias[1] on the recurrence."""
    h = np.zeros((BATCH, UNITS))
    steps = []
    for t in range(STEPS):
        xz, xr, xh = np.split(x[:, t] @ kernel + bias[0], 3, axis=1)
        rz, rr, rh = np.split(h @ recurrent + bias[1], 3, axis=1)
        z, r = sigmoid(xz + rz), sigmoid(xr + rr)
        cand = np.tanh(xh + r * rh)
        h = z * h + (1 - z) * cand
        steps.append({"gates": {"z": z, "r": r, "h": cand}, "h": h, "c": None})
    return steps


@pytest.mark.parametrize("layer", ["LSTM", "GRU"])
def test_keras_loop_layers_equal_a_numpy_recurrence(layer: str) -> None:
    from rnninspect.probe.run import probe_model
    from rnninspect.tf.imports import import_keras_for_tracing

    keras = import_keras_for_tracing()
    keras.backend.clear_session()
    rng = np.random.default_rng(3)
    rnn = getattr(keras.layers, layer)(UNITS, name="rnn")
    model = keras.Sequential([keras.Input((STEPS, INPUTS)), rnn, keras.layers.Dense(2)])
    values = [rng.uniform(-0.8, 0.8, w.shape).astype(np.float32) for w in rnn.get_weights()]
    rnn.set_weights(values)
    x = rng.standard_normal((BATCH, STEPS, INPUTS)).astype(np.float32)
    report = probe_model(model, [x])
    kernel, recurrent, bias = (v.astype(np.float64) for v in values)
    recurrence = keras_lstm if layer == "LSTM" else keras_gru
    expected = recurrence(kernel, recurrent, bias, x.astype(np.float64))
    (cell,) = report.cells
    assert cell.gate_order == (("i", "f", "c", "o") if layer == "LSTM" else ("z", "r", "h"))
    assert len(cell.steps) == STEPS
    for got, want in zip(cell.steps, expected, strict=True):
        assert [g.gate for g in got.gates] == list(cell.gate_order)
        for g in got.gates:
            mean, low, high = stats(g.activation, want["gates"][g.gate])
            assert (g.mean, g.low, g.high) == pytest.approx((mean, low, high), abs=1e-5)
        assert got.h_norm == pytest.approx(float(np.linalg.norm(want["h"], axis=1).mean()),
                                           abs=1e-5)
        if want["c"] is not None:
            assert got.c_norm == pytest.approx(
                float(np.linalg.norm(want["c"], axis=1).mean()), abs=1e-5)
    assert any("unroll=True" in n for n in report.notes)
