"""Keras cells whose steps read a weight twice, or whose gates use other activations:
T counts applications of the cell, and the cell kind does not depend on the activation op."""

from __future__ import annotations

import keras
import pytest

import rnninspect.api
from rnninspect.model import Inspection, Role

T = 6


def inspect_layer(layer: keras.layers.Layer) -> Inspection:
    x = keras.Input((T, 4), batch_size=2)
    return rnninspect.api.inspect(keras.Model(x, layer(x)))


@pytest.mark.parametrize("layer", [
    keras.layers.GRU(5, reset_after=False, unroll=True),
    keras.layers.RNN(keras.layers.GRUCell(5, reset_after=False), unroll=True),
], ids=["GRU", "RNN(GRUCell)"])
def test_gru_reset_before_counts_one_step_per_application(layer):
    ins = inspect_layer(layer)
    (cell,) = ins.cells
    assert (ins.num_steps, cell.num_steps, cell.kind) == (T, T, "GRU")
    recurrent = next(v for v in ins.variables if v.name.endswith("recurrent_kernel"))
    assert recurrent.role is Role.HIDDEN_TO_HIDDEN
    assert recurrent.steps == tuple(range(T))


@pytest.mark.parametrize(("kwargs", "kind", "gates"), [
    ({"recurrent_activation": "hard_sigmoid"}, "LSTM", ("i", "f", "c", "o")),
    ({"activation": "relu"}, "LSTM", ("i", "f", "c", "o")),
    ({"recurrent_activation": "hard_sigmoid", "activation": "relu"}, "LSTM",
     ("i", "f", "c", "o")),
], ids=["hard_sigmoid", "relu", "both"])
def test_lstm_kind_does_not_depend_on_its_activations(kwargs, kind, gates):
    ins = inspect_layer(keras.layers.LSTM(5, unroll=True, **kwargs))
    (cell,) = ins.cells
    assert (cell.kind, cell.gate_order, cell.state, cell.num_steps) == (
        kind, gates, ("c", "h"), T)


def test_gru_kind_does_not_depend_on_its_activations():
    ins = inspect_layer(keras.layers.GRU(5, unroll=True, recurrent_activation="hard_sigmoid"))
    (cell,) = ins.cells
    assert (cell.kind, cell.gate_order, cell.num_steps) == ("GRU", ("z", "r", "h"), T)



def test_gates_are_named_in_a_program_that_trains():
    """The gradient computation also reads each gate's activation (SigmoidGrad, a Mul's
    gradient): the gates are followed through the forward ops only (ptb-main trains)."""
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "rnninspect", "show", "ptb-main", "--config", "small",
         "--hidden", "8", "--vocab", "50", "--format", "json", "--no-cache"],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    cells = json.loads(done.stdout)["cells"]
    assert cells and all(c["kind"] == "LSTM" and c["gate_order"] == ["i", "j", "f", "o"]
                         for c in cells)
