"""What the probe tests share (no test module imports another): the logistic function and
the 2015 saturation statistics of one gate's values, as plain numpy."""

from __future__ import annotations

from typing import Any

import numpy as np


def sigmoid(a: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-a))


def stats(activation: str, a: Any) -> tuple[float, float, float]:
    """(mean, share < low, share > high): 0.1 / 0.9 for a sigmoid (hard or not: the gates
    whose values lie in [0, 1]), ∓0.9 for a tanh and any other activation."""
    if activation in ("sigmoid", "hard_sigmoid"):
        return float(a.mean()), float((a < 0.1).mean()), float((a > 0.9).mean())
    return float(a.mean()), float((a < -0.9).mean()), float((a > 0.9).mean())


def keras_activation(name: str) -> Any:
    """Keras's own activation `name` as a numpy function (computed in float32, as the model
    computes it)."""
    import keras

    function = keras.activations.get(name)

    def apply(a: Any) -> Any:
        tensor = keras.ops.convert_to_tensor(np.asarray(a, np.float32))
        return np.asarray(keras.ops.convert_to_numpy(function(tensor)), np.float64)

    return apply


def keras_recurrence(kind: str, weights: list[Any], x: Any, *, activation: str = "tanh",
                     recurrent_activation: str = "sigmoid", reset_after: bool = True,
                     use_bias: bool = True) -> list[dict[str, Any]]:
    """Keras 3's LSTM (i, f, c, o), GRU (z, r, h; `reset_after` either way) or SimpleRNN (h)
    over `x` [batch, steps, in] from zero states, as the layers' documented equations: per
    step the gates (name -> values), h and c (None but for an LSTM)."""
    act, gate = keras_activation(activation), keras_activation(recurrent_activation)
    kernel, recurrent = (np.asarray(w, np.float64) for w in weights[:2])
    bias = np.asarray(weights[2], np.float64) if use_bias else None
    units = recurrent.shape[0]
    h = np.zeros((x.shape[0], units))
    c = np.zeros_like(h)
    steps = []
    for t in range(x.shape[1]):
        xt = np.asarray(x[:, t], np.float64)
        if kind == "LSTM":
            z = xt @ kernel + h @ recurrent + (0.0 if bias is None else bias)
            zi, zf, zc, zo = np.split(z, 4, axis=1)
            gates = {"i": gate(zi), "f": gate(zf), "c": act(zc), "o": gate(zo)}
            c = gates["f"] * c + gates["i"] * gates["c"]
            h = gates["o"] * act(c)
            steps.append({"gates": gates, "h": h, "c": c})
        elif kind == "GRU":
            input_bias = recurrent_bias = 0.0
            if bias is not None:
                input_bias, recurrent_bias = (bias[0], bias[1]) if reset_after else (bias, 0.0)
            xz, xr, xh = np.split(xt @ kernel + input_bias, 3, axis=1)
            inner = h @ recurrent + recurrent_bias
            rz, rr, rh = np.split(inner, 3, axis=1)
            z, r = gate(xz + rz), gate(xr + rr)
            if reset_after:
                candidate = act(xh + r * rh)
            else:
                candidate = act(xh + (r * h) @ recurrent[:, 2 * units:])
            h = z * h + (1 - z) * candidate
            steps.append({"gates": {"z": z, "r": r, "h": candidate}, "h": h, "c": None})
        else:
            h = act(xt @ kernel + h @ recurrent + (0.0 if bias is None else bias))
            steps.append({"gates": {"h": h}, "h": h, "c": None})
    return steps
