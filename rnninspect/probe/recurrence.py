"""One step of a Keras 3 recurrent cell in numpy (float64): its gates and its new state.

The maths of `keras.layers.LSTMCell`, `GRUCell` (`reset_after` either way, with or without a
bias) and `SimpleRNNCell` at inference (no dropout), on the cell's weights copied to numpy,
so that a probe can be computed on any Keras backend (TensorFlow, JAX, torch) without a
TensorFlow graph. The activations are the cell's own functions (`activation`,
`recurrent_activation`: whatever Keras accepts, a custom callable included), applied by
Keras to the step's values at the cell's compute dtype: no activation is looked up by name,
so none can be read wrong. Gate names and order are the Inspection's: LSTM i, f, c, o; GRU
z, r, h; a plain RNN's one block, h, is its activation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

KINDS = {"LSTMCell": "LSTM", "GRUCell": "GRU", "SimpleRNNCell": "RNN"}
GATE_ORDER = {"LSTM": ("i", "f", "c", "o"), "GRU": ("z", "r", "h"), "RNN": ("h",)}

Activation = Callable[[Any], Any]  # float64 array -> float64 array


@dataclass(frozen=True)
class CellWeights:
    """A Keras cell's kind, sizes, activations (names, for the report, and the functions
    themselves) and weights as float64 arrays."""

    kind: str  # "LSTM", "GRU", "RNN"
    units: int
    activation: str
    recurrent_activation: str  # "" for a plain RNN
    kernel: Any
    recurrent_kernel: Any
    bias: Any  # None without a bias; GRU reset_after: [2, 3·units]
    act: Activation
    gate: Activation | None  # the recurrent activation; None for a plain RNN
    reset_after: bool = False
    # the products x·W and h·U (numpy's by default; a snapshot multiplies on the backend:
    # numpy's threaded BLAS and TensorFlow's thread pool slow each other down ten-fold)
    matmul: Callable[[Any, Any], Any] = np.matmul


@dataclass(frozen=True)
class Step:
    """One step's gates (name -> (activation, [batch, units])) and new states."""

    gates: dict[str, tuple[str, Any]]
    h: Any
    c: Any  # None for a GRU or a plain RNN


def step(weights: CellWeights, x: Any, h: Any, c: Any = None) -> Step:
    """The cell applied once to inputs `x` [batch, in] from states `h` (and `c`)."""
    act = weights.act
    if weights.kind == "LSTM":
        gate = _gate(weights)
        z = weights.matmul(x, weights.kernel) + weights.matmul(h, weights.recurrent_kernel)
        if weights.bias is not None:
            z = z + weights.bias
        zi, zf, zc, zo = np.split(z, 4, axis=-1)
        i, f, g, o = gate(zi), gate(zf), act(zc), gate(zo)
        c = f * c + i * g
        kind = weights.recurrent_activation
        return Step({"i": (kind, i), "f": (kind, f), "c": (weights.activation, g),
                     "o": (kind, o)}, o * act(c), c)
    if weights.kind == "GRU":
        return _gru(weights, x, h)
    z = weights.matmul(x, weights.kernel) + weights.matmul(h, weights.recurrent_kernel)
    if weights.bias is not None:
        z = z + weights.bias
    h = act(z)
    return Step({"h": (weights.activation, h)}, h, None)


def _gate(weights: CellWeights) -> Activation:
    assert weights.gate is not None, "a gated cell has a recurrent activation"
    return weights.gate


def _gru(weights: CellWeights, x: Any, h: Any) -> Step:
    gate = _gate(weights)
    n = weights.units
    bias = weights.bias
    input_bias = None if bias is None else (bias[0] if weights.reset_after else bias)
    dot = weights.matmul
    matrix_x = dot(x, weights.kernel) + (0.0 if input_bias is None else input_bias)
    xz, xr, xh = np.split(matrix_x, 3, axis=-1)
    if weights.reset_after:
        inner = dot(h, weights.recurrent_kernel) + (0.0 if bias is None else bias[1])
        rz, rr, rh = np.split(inner, 3, axis=-1)
    else:
        rz, rr = np.split(dot(h, weights.recurrent_kernel[:, :2 * n]), 2, axis=-1)
    z, r = gate(xz + rz), gate(xr + rr)
    recurrent_h = r * rh if weights.reset_after else dot(r * h, weights.recurrent_kernel[:, 2 * n:])
    candidate = weights.act(xh + recurrent_h)
    kind = weights.recurrent_activation
    return Step({"z": (kind, z), "r": (kind, r), "h": (weights.activation, candidate)},
                z * h + (1.0 - z) * candidate, None)
