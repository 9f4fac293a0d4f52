"""The graph probe's values for Keras cells: the numpy recurrence the snapshots use.

A Keras model's recurrent cells (`LSTMCell`, `GRUCell`, `SimpleRNNCell`, bare or inside
`LSTM`, `GRU`, `SimpleRNN`, `Bidirectional`) are probed by running the model once, eagerly,
on the batch the graph is fed, and computing each application's gates and states in numpy
from the cell's weights, with Keras's cell equations and the cell's own activation functions
(`probe.snapshot.record_chains`). That is what Keras computes whatever the activations or the
GRU variant: no op of the graph has to be recognised as a gate. The graph still gives the
Inspection (cells, layers, names), the batch and the first non-finite op.

An Inspection cell takes the values of the Keras cell whose kernel it computes with (by the
kernel's path, which is its Inspection name when no other variable has that path). One cell
object applied as several layers (tied layers) runs several sequences, in the order the
layers run: they are the Inspection's cells that read its kernel, in layer order. Where the
counts differ (one cell over independent sequences — `TimeDistributed(LSTM)` — which the
Inspection shows as one cell) the cell is named as having no per-step values, and why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rnninspect.model import Inspection
from rnninspect.probe.stats import CellArrays


@dataclass(frozen=True)
class KerasModel:
    """A live Keras model beside its graph: `run` calls it on a list of arrays, one per
    graph input named in `inputs` (the placeholders of its arguments, in order)."""

    model: Any
    run: Callable[[list[Any]], Any]
    inputs: tuple[str, ...]


def keras_cell_arrays(keras_model: KerasModel, arrays: list[Any], inspection: Inspection
                      ) -> tuple[dict[str, CellArrays], dict[str, str]]:
    """Inspection cell name -> its values from the numpy recurrence of its Keras cell; and
    cell name -> why it has none (a Keras cell that runs more or fewer sequences than the
    Inspection has cells for it)."""
    from rnninspect.probe.snapshot import chain_arrays, record_chains, variable_path

    chains = record_chains(keras_model.model, arrays, keras_model.run)
    paths = Counter(variable_path(v) for v in keras_model.model.variables)
    runs: dict[str, list[Any]] = {}
    for chain in chains:
        path = variable_path(chain.cell.kernel)
        if paths[path] == 1:  # a path two variables share names neither for sure
            runs.setdefault(path, []).append(chain)
    found: dict[str, CellArrays] = {}
    unmatched: dict[str, str] = {}
    for path, sequences in runs.items():
        cells = sorted((c for c in inspection.cells if path in c.variables),
                       key=lambda c: (c.layer, c.name))
        if len(cells) == len(sequences):
            for cell, chain in zip(cells, sequences, strict=True):
                found[cell.name] = chain_arrays(chain, cell.name, cell.layer)
            continue
        for cell in cells:
            unmatched[cell.name] = (
                f"its Keras cell ({path}) ran {len(sequences)} separate sequences (a layer "
                f"applied to each of several inputs, as TimeDistributed does) where the "
                f"Inspection shows {len(cells)} cell{'s' if len(cells) > 1 else ''}: which "
                "sequence's values to show is not decided")
    return found, unmatched
