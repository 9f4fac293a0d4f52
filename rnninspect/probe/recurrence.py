"""One step of a Keras 3 recurrent cell in numpy (float64): its gates and its new state.

The maths of `keras.layers.LSTMCell`, `GRUCell` (`reset_after` either way) and
`SimpleRNNCell` at inference (no dropout), on the cell's weights copied to numpy, so that a
probe snapshot can be computed on any Keras backend (TensorFlow, JAX, torch) without a
TensorFlow graph. Gate names and order are the Inspection's: LSTM i, f, c, o; GRU z, r, h; a
plain RNN's one block, h, is its activation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

KINDS = {"LSTMCell": "LSTM", "GRUCell": "GRU", "SimpleRNNCell": "RNN"}
GATE_ORDER = {"LSTM": ("i", "f", "c", "o"), "GRU": ("z", "r", "h"), "RNN": ("h",)}


def _sigmoid(a: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-a))


def _hard_sigmoid(a: Any) -> Any:  # Keras 3: relu6(x + 3) / 6
    return np.clip(a + 3.0, 0.0, 6.0) / 6.0


ACTIVATIONS: dict[str, Callable[[Any], Any]] = {
    "sigmoid": _sigmoid, "tanh": np.tanh, "hard_sigmoid": _hard_sigmoid,
    "relu": lambda a: np.maximum(a, 0.0), "linear": lambda a: a,
}


@dataclass(frozen=True)
class CellWeights:
    """A Keras cell's kind, sizes, activations (by name) and weights as float64 arrays."""

    kind: str  # "LSTM", "GRU", "RNN"
    units: int
    activation: str
    recurrent_activation: str  # "" for a plain RNN
    kernel: Any
    recurrent_kernel: Any
    bias: Any  # None without a bias; GRU reset_after: [2, 3·units]
    reset_after: bool = False


@dataclass(frozen=True)
class Step:
    """One step's gates (name -> (activation, [batch, units])) and new states."""

    gates: dict[str, tuple[str, Any]]
    h: Any
    c: Any  # None for a GRU or a plain RNN


def supported(weights: CellWeights) -> bool:
    return (weights.activation in ACTIVATIONS
            and (weights.kind == "RNN" or weights.recurrent_activation in ACTIVATIONS))


def step(weights: CellWeights, x: Any, h: Any, c: Any = None) -> Step:
    """The cell applied once to inputs `x` [batch, in] from states `h` (and `c`)."""
    act = ACTIVATIONS[weights.activation]
    if weights.kind == "LSTM":
        gate = ACTIVATIONS[weights.recurrent_activation]
        z = x @ weights.kernel + h @ weights.recurrent_kernel
        if weights.bias is not None:
            z = z + weights.bias
        zi, zf, zc, zo = np.split(z, 4, axis=-1)
        i, f, g, o = gate(zi), gate(zf), act(zc), gate(zo)
        c = f * c + i * g
        return Step({"i": (weights.recurrent_activation, i), "f": (weights.recurrent_activation,
                                                                   f),
                     "c": (weights.activation, g), "o": (weights.recurrent_activation, o)},
                    o * act(c), c)
    if weights.kind == "GRU":
        return _gru(weights, act, x, h)
    z = x @ weights.kernel + h @ weights.recurrent_kernel
    if weights.bias is not None:
        z = z + weights.bias
    h = act(z)
    return Step({"h": (weights.activation, h)}, h, None)


def _gru(weights: CellWeights, act: Callable[[Any], Any], x: Any, h: Any) -> Step:
    gate = ACTIVATIONS[weights.recurrent_activation]
    n = weights.units
    bias = weights.bias
    input_bias = None if bias is None else (bias[0] if weights.reset_after else bias)
    matrix_x = x @ weights.kernel + (0.0 if input_bias is None else input_bias)
    xz, xr, xh = np.split(matrix_x, 3, axis=-1)
    if weights.reset_after:
        inner = h @ weights.recurrent_kernel + (0.0 if bias is None else bias[1])
        rz, rr, rh = np.split(inner, 3, axis=-1)
    else:
        rz, rr = np.split(h @ weights.recurrent_kernel[:, :2 * n], 2, axis=-1)
    z, r = gate(xz + rz), gate(xr + rr)
    recurrent_h = r * rh if weights.reset_after else (r * h) @ weights.recurrent_kernel[:, 2 * n:]
    candidate = act(xh + recurrent_h)
    kind = weights.recurrent_activation
    return Step({"z": (kind, z), "r": (kind, r), "h": (weights.activation, candidate)},
                z * h + (1.0 - z) * candidate, None)
