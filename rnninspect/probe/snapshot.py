"""A probe of a live Keras 3 model on any backend (TensorFlow, JAX, torch): what
`train --probe-every` and `rnninspect.keras.ProbeCallback` record.

The model is called once, eagerly, in inference mode on a fixed batch. While it runs, every
Keras recurrent layer (`LSTM`, `GRU`, `SimpleRNN`, also inside `Bidirectional`) records the
sequence it is given and its initial state, and every bare cell (`LSTMCell`, `GRUCell`,
`SimpleRNNCell` called in a Python loop, as the built-in PTB and MNIST models do) records
each call's inputs, states and output. The gates are then computed in numpy from the cell's
weights copied to numpy and its own activation functions (`probe.recurrence`): a layer's by
running its recurrence over the recorded sequence, a bare cell's from each call's own inputs
and states. No TensorFlow graph is built, so it runs on every backend. `rnninspect probe`
computes a Keras model's cells the same way (`probe.keras_cells`, `record_chains` here), so
the two agree (tests/test_probe_snapshot.py).

A bare cell's calls form one chain per sequence it runs: a call whose incoming h is the h an
earlier call returned (that tensor object, else equal values) continues that call's chain,
any other call starts a new one — so a cell object used for two layers (`[cell] * n`) is two
layers here. Layers are numbered in the order their first step ran. Masks are not applied
(masked steps are computed as if present).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnninspect.errors import InvalidOptionError
from rnninspect.probe.findings import with_findings
from rnninspect.probe.model import NonFinite, ProbeReport
from rnninspect.probe.recurrence import GATE_ORDER, KINDS, CellWeights, Step, step
from rnninspect.probe.stats import CellArrays, cell_probe


@dataclass
class Chain:
    """One sequence one cell ran over: its steps in order."""

    cell: Any  # the Keras cell object
    weights: CellWeights
    inputs: list[Any] = field(default_factory=list)  # x_t, float64
    steps: list[Step] = field(default_factory=list)
    last_h: Any = None  # the h the cell itself returned last (to continue the chain)
    last_out: Any = None  # that h as the tensor the cell returned


def snapshot(model: Any, inputs: Sequence[Any], *, name: str | None = None,
             call: Callable[[list[Any]], Any] | None = None,
             notes: tuple[str, ...] = ()) -> ProbeReport:
    """Probe `model` on `inputs` (arrays, one per model input) with its current weights;
    `call` runs the model on a list of inputs (default: `model(x, training=False)`)."""
    arrays = [np.asarray(a) for a in inputs]
    chains = record_chains(model, arrays, call)
    if not chains:
        raise InvalidOptionError(
            f"{name or model.name}: no Keras LSTM, GRU or SimpleRNN layer or cell ran in its "
            "forward pass: a probe measures gates and states through time")
    cells = tuple(cell_probe(chain_arrays(c, f"cell{k}", k)) for k, c in enumerate(chains))
    said = (f"values computed in numpy from the model's weights (Keras {_backend()} backend, "
            "Keras's cell equations; no TensorFlow graph)",)
    report = ProbeReport(
        model=name or str(model.name), dialect="keras", inspection_schema=_inspection_schema(),
        num_steps=max(len(c.steps) for c in chains),
        batch=int(arrays[0].shape[0]) if arrays and arrays[0].ndim else None, cells=cells,
        nonfinite=_first_nonfinite(chains), notes=(*notes, *said))
    return with_findings(report)


def record_chains(model: Any, arrays: list[Any],
                  call: Callable[[list[Any]], Any] | None = None) -> list[Chain]:
    """Run `model` once on `arrays` (eagerly; `call` runs it on a list of inputs) and
    return the sequences its recurrent cells ran, in the order their first steps ran."""
    run = call or (lambda xs: model(xs[0] if len(xs) == 1 else xs, training=False))
    chains: list[Chain] = []
    with _recording(model, chains):
        run(arrays)
    return chains


def chain_arrays(chain: Chain, name: str, layer: int) -> CellArrays:
    """One sequence a cell ran, as the arrays of the cell `name` at `layer`."""
    cell, w = chain.cell, chain.weights
    return CellArrays(
        cell=name, layer=layer, kind=w.kind, units=w.units, gate_order=GATE_ORDER[w.kind],
        kernels=(variable_path(cell.kernel), variable_path(cell.recurrent_kernel)),
        gates=tuple(s.gates for s in chain.steps), h=tuple(s.h for s in chain.steps),
        c=tuple(s.c for s in chain.steps))


def _inspection_schema() -> str:
    from rnninspect.model import SCHEMA

    return SCHEMA


def _backend() -> str:
    import keras

    return str(keras.backend.backend())


def variable_path(variable: Any) -> str:
    """A Keras variable's path: the name the Inspection gives it."""
    return str(getattr(variable, "path", None) or variable.name)


# -- recording the forward pass ---------------------------------------------------------------


@contextmanager
def _recording(model: Any, chains: list[Chain]) -> Iterator[None]:
    """Wrap the `call` of every recurrent layer and cell of `model` for one forward pass (an
    instance attribute, removed afterwards). A layer records its whole sequence; a cell
    records the calls made outside any recorded layer (a cell run by an `RNN` layer and then
    called step by step records both, as one sequence when the calls carry its state on)."""
    layers = list(model._flatten_layers(include_self=True, recursive=True))
    inside: list[Any] = []  # the layer whose sequence is being recorded, if any
    wrapped = []
    for layer in layers:
        if _layer_cells(layer) is not None:
            wrapped.append((layer, _sequence_recorder(layer, chains, inside)))
        elif type(layer).__name__ in KINDS:
            wrapped.append((layer, _call_recorder(layer, chains, inside)))
    try:
        for layer, wrapper in wrapped:
            object.__setattr__(layer, "call", wrapper)
        yield
    finally:
        for layer, _ in wrapped:
            object.__delattr__(layer, "call")


def _layer_cells(layer: Any) -> list[Any] | None:
    """The cells a Keras `RNN` layer (`LSTM`, `GRU`, `SimpleRNN`, or `RNN` over one cell or
    `StackedRNNCells`) runs, lowest first; None for any other layer, or when a cell is of no
    kind `probe.recurrence` computes."""
    if not any(k.__name__ == "RNN" for k in type(layer).__mro__) or not hasattr(layer, "cell"):
        return None
    cell = layer.cell
    cells = list(cell.cells) if type(cell).__name__ == "StackedRNNCells" else [cell]
    return cells if all(type(c).__name__ in KINDS for c in cells) else None


def _numpy(value: Any) -> Any:
    import keras

    return np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)


def _weights(cell: Any) -> CellWeights:
    kind = KINDS[type(cell).__name__]
    bias = _numpy(cell.bias) if getattr(cell, "use_bias", False) else None
    gate = getattr(cell, "recurrent_activation", None) if kind != "RNN" else None
    dtype = str(getattr(cell, "compute_dtype", None) or "float32")
    return CellWeights(
        kind=kind, units=int(cell.units), activation=_name(cell.activation),
        recurrent_activation=_name(gate), kernel=_numpy(cell.kernel),
        recurrent_kernel=_numpy(cell.recurrent_kernel), bias=bias,
        act=_applied(cell.activation, dtype),
        gate=None if gate is None else _applied(gate, dtype),
        reset_after=bool(getattr(cell, "reset_after", False)), matmul=_backend_matmul(dtype))


def _applied(function: Any, dtype: str) -> Callable[[Any], Any]:
    """The cell's own activation function on numpy values: computed by Keras at the cell's
    compute dtype, as the cell computes it, returned as float64."""
    import keras

    def apply(values: Any) -> Any:
        return _numpy(function(keras.ops.convert_to_tensor(values, dtype=dtype)))

    return apply


def _backend_matmul(dtype: str) -> Callable[[Any, Any], Any]:
    """a · b computed by Keras at the cell's compute dtype (as the cell computes it)."""
    import keras

    def matmul(a: Any, b: Any) -> Any:
        convert = keras.ops.convert_to_tensor
        return _numpy(keras.ops.matmul(convert(a, dtype=dtype), convert(b, dtype=dtype)))

    return matmul


def _name(activation: Any) -> str:
    return "" if activation is None else str(getattr(activation, "__name__", activation))


def _states(states: Any) -> list[Any]:
    return [states] if not isinstance(states, (list, tuple)) else list(states)


def _sequence_recorder(layer: Any, chains: list[Chain], inside: list[Any]) -> Any:
    original = layer.call

    def call(*args: Any, **kwargs: Any) -> Any:
        sequences = args[0] if args else kwargs["sequences"]
        initial = args[1] if len(args) > 1 else kwargs.get("initial_state")
        x = _numpy(sequences)
        if getattr(layer, "go_backwards", False):
            x = x[:, ::-1]
        given = [_numpy(s) for s in _flat(initial)]
        run = []
        for cell in _layer_cells(layer) or []:
            weights = _weights(cell)
            zeros = np.zeros((x.shape[0], weights.units))
            taken = 2 if weights.kind == "LSTM" else 1
            mine, given = given[:taken], given[taken:]
            h = mine[0] if mine else zeros
            c = mine[1] if len(mine) > 1 else zeros
            chain = Chain(cell, weights)
            for t in range(x.shape[1]):
                found = step(weights, x[:, t], h, c)
                chain.inputs.append(x[:, t])
                chain.steps.append(found)
                h, c = found.h, found.c
            chains.append(chain)
            run.append(chain)
            x = np.stack([s.h for s in chain.steps], axis=1)
        inside.append(layer)
        try:
            out = original(*args, **kwargs)
        finally:
            inside.pop()
        if getattr(layer, "return_state", False) and len(run) == 1:
            run[0].last_out = out[1]  # the final h, as a later call of the cell is given it
            run[0].last_h = _numpy(out[1])
        return out

    return call


def _flat(states: Any) -> list[Any]:
    if states is None:
        return []
    if isinstance(states, (list, tuple)):
        return [s for part in states for s in _flat(part)]
    return [states]


def _call_recorder(cell: Any, chains: list[Chain], inside: list[Any]) -> Any:
    """Each call of a cell outside a recorded layer continues the chain whose last call
    returned the state it is given (the same tensor object, else equal values), or starts
    a new one."""
    original = cell.call

    def call(*args: Any, **kwargs: Any) -> Any:
        out = original(*args, **kwargs)
        if inside:
            return out  # a step of a layer's sequence, recorded with the sequence
        weights = _weights(cell)
        x = _numpy(args[0] if args else kwargs["inputs"])
        given = _states(args[1] if len(args) > 1 else kwargs["states"])
        states = [_numpy(s) for s in given]
        mine = [c for c in chains if c.cell is cell and c.last_h is not None]
        chain = next((c for c in mine if c.last_out is given[0]), None) or next(
            (c for c in mine if np.array_equal(c.last_h, states[0])), None)
        if chain is None:
            chain = Chain(cell, weights)
            chains.append(chain)
        chain.inputs.append(x)
        chain.steps.append(step(weights, x, states[0], states[1] if len(states) > 1 else None))
        h = out[0] if isinstance(out, (list, tuple)) else out
        chain.last_out, chain.last_h = h, _numpy(h)
        return out

    return call


# -- the first non-finite value ---------------------------------------------------------------


def _first_nonfinite(chains: list[Chain]) -> NonFinite | None:
    """The first value (by step, then layer, then gate order) that is Inf/NaN: in a weight
    of the cell, in its input, or in a gate or state it computed."""
    for t in range(max(len(c.steps) for c in chains)):
        for k, chain in enumerate(chains):
            if t >= len(chain.steps):
                continue
            found = _nonfinite_at(k, chain, t)
            if found is not None:
                return found
    return None


def _nonfinite_at(k: int, chain: Chain, t: int) -> NonFinite | None:
    cell, w = chain.cell, chain.weights

    def found(op: str, op_type: str, values: Any, gate: str | None,
              weight: str | None) -> NonFinite:
        return NonFinite(op=op, op_type=op_type, value=_what(values), step=t, layer=k,
                         cell=f"cell{k}", gate=gate, weight=weight)

    for variable, value in (("kernel", w.kernel), ("recurrent_kernel", w.recurrent_kernel),
                            ("bias", w.bias)):
        if value is not None and not np.all(np.isfinite(value)):
            path = variable_path(getattr(cell, variable))
            return found(path, "weight", value, None, path)
    if not np.all(np.isfinite(chain.inputs[t])):
        return found(f"{cell.name} input", "input", chain.inputs[t], None, None)
    s = chain.steps[t]
    for gate, (activation, values) in s.gates.items():
        if not np.all(np.isfinite(values)):
            return found(f"{cell.name} gate {gate}", activation, values, gate,
                         variable_path(cell.kernel))
    for state, values in (("h", s.h), ("c", s.c)):
        if values is not None and not np.all(np.isfinite(values)):
            return found(f"{cell.name} state {state}", "state", values, None,
                         variable_path(cell.kernel))
    return None


def _what(values: Any) -> str:
    bad = np.asarray(values)[~np.isfinite(values)].ravel()
    first = float(bad[0])
    return "nan" if math.isnan(first) else ("inf" if first > 0 else "-inf")
