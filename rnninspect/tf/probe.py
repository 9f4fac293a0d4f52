"""`probe` on a TF1-style graph: one seeded forward pass, its gates and states per step.

Every model form ends here as a `tf.Graph` with its inputs and outputs named: a zoo TF1
graph (in the TF1 worker, `ProbeLegacy`), a user's TF1 graph (`ProbeUserGraph`), a Keras
model as the graph of its inference function (`rnninspect.probe.run`; while-loop RNN layers
traced unrolled, the same weights). The graph is traced and analysed like `show` does, each
cell's own reads kept apart (`probe.applications`), the gate and state tensors found from
them (`probe.locate`), and one session run fetches them; the cells whose values
`probe.proof` cannot prove the cell's are named as having none. A Keras model's Keras cells
are computed instead by their numpy recurrence on the same batch (`probe.keras_cells`). Only
when a value is non-finite is the whole forward pass fetched again to find the op where it
started.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from rnninspect import zoo
from rnninspect.errors import InvalidOptionError
from rnninspect.model import Inspection
from rnninspect.probe.data import DataBatch
from rnninspect.probe.data_feed import data_feed
from rnninspect.probe.findings import with_findings
from rnninspect.probe.input_file import file_feed
from rnninspect.probe.keras_cells import KerasModel, keras_cell_arrays
from rnninspect.probe.locate import CellTensors, gate_order, locate
from rnninspect.probe.model import NonFinite, ProbeReport
from rnninspect.probe.nonfinite import first_nonfinite, forward_ops
from rnninspect.probe.proof import CellValues, unproven
from rnninspect.probe.stats import CellArrays, cell_probe
from rnninspect.probe.weights import Weights, restore_by_name
from rnninspect.sources.checkpoint import restore_checkpoint
from rnninspect.zoo.base import config_pairs


@dataclass(frozen=True)
class ProbeLegacy:
    """Worker request: a zoo entry's TF1 graph, probed."""

    name: str
    config: Any
    seed: int
    input_file: str | None = None
    weights: Weights | None = None
    data: tuple[str, DataBatch] | None = None

    def run(self) -> ProbeReport:
        built = zoo.get(self.name).build(self.config, "legacy", self.seed)
        return probe_graph(built.graph, list(built.inputs), list(built.outputs),
                           model=self.name, dialect="legacy", config=config_pairs(self.config),
                           seed=self.seed, input_file=self.input_file, weights=self.weights,
                           data=self.data)


@dataclass(frozen=True)
class ProbeUserGraph:
    """Worker request: a user's TF1 graph (code returning a tf.Graph, .meta, .pb), probed."""

    spec: str
    cwd: str
    seed: int
    batch: int | None = None
    input_file: str | None = None
    weights: Weights | None = None

    def run(self) -> ProbeReport:
        from rnninspect.sources.graph_io import graph_inputs_outputs
        from rnninspect.tf.graph_grads import load_graph, seed_python
        from rnninspect.tf.graph_loss import choose_copy

        os.chdir(self.cwd)
        seed_python(self.seed)
        graph, restore = load_graph(self.spec)
        if not hasattr(graph, "get_operations"):  # a tf-keras model: its inference function
            from rnninspect.tf.function_graph import graph_of, keras_concrete, returned

            concrete = keras_concrete(graph, self.spec)
            graph = graph_of(concrete, [])
            inputs, outputs = graph_inputs_outputs(graph, self.spec)
            outputs = returned(graph, concrete) or outputs
        else:
            inputs, outputs = graph_inputs_outputs(graph, self.spec)
            outputs = list(choose_copy(graph, inputs, outputs, self.spec, None).outputs)
        return probe_graph(graph, inputs, outputs, model=self.spec, dialect="legacy",
                           seed=self.seed, batch=self.batch, restore=restore,
                           input_file=self.input_file, weights=self.weights)


def probe_graph(graph: Any, inputs: list[str], outputs: list[str], *, model: str,
                dialect: str, config: tuple[tuple[str, Any], ...] = (), seed: int = 0,
                batch: int | None = None, restore: str | None = None,
                input_file: str | None = None, arrays: list[Any] | None = None,
                notes: tuple[str, ...] = (), weights: Weights | None = None,
                weights_note: str | None = None,
                data: tuple[str, DataBatch] | None = None,
                keras_model: KerasModel | None = None) -> ProbeReport:
    """Probe `graph`: `arrays` (by input position), `input_file` (.npz by input name) or
    `data` (`--data`'s flag and batch, by what each input is) feed it, else a seeded
    synthetic batch; weights from the TF checkpoint `weights`, else
    `restore` (a MetaGraph's own checkpoint), else the initialisers (`weights_note` says
    where a caller's values came from: a Keras model's current values are its graph's
    initial values). `keras_model`: the live Keras model the graph was traced from, whose
    Keras cells are computed by their numpy recurrence on the same batch (`probe.keras_cells`).
    Every other cell's values are read from the graph and kept only where `probe.proof`
    proves them the cell's."""
    import numpy as np
    import tensorflow as tf

    from rnninspect.probe.applications import analyze_by_cell
    from rnninspect.tf.graph_grads import _seed_random_ops
    from rnninspect.tf.trace import trace_graph

    traced = trace_graph(graph, inputs, outputs, model=model, dialect=dialect, config=config)
    inspection, reads = analyze_by_cell(traced)
    if not inspection.cells:
        raise InvalidOptionError(
            f"{model} has no recurrence (no cell reads its own previous state): probe "
            "measures gates and states through time; use `rnninspect show` for this model")
    located = locate(tf, graph, inspection, reads)
    placeholders = [graph.get_operation_by_name(n) for n in traced.inputs]
    if arrays is not None:
        feed = dict(zip([p.outputs[0] for p in placeholders], arrays, strict=True))
        fed = "inputs given by the caller"
    else:
        feed, fed = _feed(np, graph, placeholders, input_file, data, seed, batch,
                          inspection.num_steps)
    from_keras, undecided = _keras_values(keras_model, graph, feed, inspection)
    found = [c for c in located if c.cell.name not in from_keras
             and c.cell.name not in undecided
             and any(s.gates or s.h is not None for s in c.steps)]
    with graph.as_default():
        _seed_random_ops(graph, seed)
        init = tf.compat.v1.global_variables_initializer()
    tensors = _distinct([t for c in found for s in c.steps
                         for t in [*(g.tensor for g in s.gates.values()), s.h, s.c,
                                   *(r.tensor for r in s.state_reads)]
                         if t is not None])
    out_tensors = [t for name in outputs for t in graph.get_operation_by_name(name).outputs
                   if t.dtype.is_floating]
    with tf.compat.v1.Session(graph=graph) as session:
        session.run(init)
        if weights is not None:
            restore = restore_by_name(tf, graph, session, weights)
        elif restore is not None:
            with graph.as_default():
                saver = tf.compat.v1.train.Saver()
            restore_checkpoint(graph, session, saver, restore, model)
        got = session.run(tensors + out_tensors, feed)
        values = {t.name: v for t, v in zip(tensors + out_tensors, got, strict=True)}
        graph_arrays = {c.cell.name: _cell_arrays(np, c, values) for c in found}
        refused = {**undecided, **{c.cell.name: why for c in found if (
            why := _unproven(np, c, values, graph_arrays[c.cell.name]))}}
        proven = [c for c in found if c.cell.name not in refused]
        nonfinite: NonFinite | None = None
        if not all(bool(np.all(np.isfinite(v))) for v in got) or any(
                not _finite(np, a) for a in from_keras.values()):
            nodes = {v.node: v.name for v in traced.variables}
            gate_ops = {g.tensor.op.name: g.gate for c in proven for s in c.steps
                        for g in s.gates.values()}
            nonfinite = first_nonfinite(np, session, forward_ops(graph, outputs), feed,
                                        inspection, reads, nodes, gate_ops)
    by_name = {**from_keras, **{c.cell.name: graph_arrays[c.cell.name] for c in proven}}
    cells = tuple(cell_probe(by_name[c.name]) for c in inspection.cells if c.name in by_name)
    batch_size = next((int(v.shape[0]) for a in by_name.values() for v in a.h[:1]
                       if v is not None and np.ndim(v) > 1), None)
    weights_said = weights_note or (
        f"weights restored from {restore}" if restore else
        f"weights from the program's initialisers (seed {seed})")
    dynamic = tuple(c.name for c in inspection.cells if (c.dynamic or not c.num_steps)
                    and c.name not in from_keras and c.name not in undecided)
    unreached = tuple(c.cell.name for c in located if c.cell.name not in from_keras
                      and c.cell.name not in refused and c not in found)
    # T as probed: a Keras cell's own steps where the graph's count could mislead
    num_steps = max((len(a.h) for a in by_name.values()), default=inspection.num_steps)
    report = ProbeReport(
        model=model, dialect=dialect, inspection_schema=_inspection_schema(),
        num_steps=num_steps, batch=batch_size, cells=cells, nonfinite=nonfinite,
        notes=(fed, weights_said, *notes, *_keras_note(from_keras), *_dynamic_note(dynamic),
               *_unreached_note(unreached), *_refused_notes(refused)),
        dynamic=dynamic + unreached + tuple(refused))
    return with_findings(report)


def _feed(np: Any, graph: Any, placeholders: list[Any], input_file: str | None,
          data: tuple[str, DataBatch] | None, seed: int, batch: int | None,
          num_steps: int | None) -> tuple[dict[Any, Any], str]:
    from rnninspect.tf.feeds import synthetic_feed

    if input_file is not None:
        return file_feed(np, placeholders, input_file)
    if data is not None:
        return data_feed(np, placeholders, data[1], data[0], lambda rest: synthetic_feed(
            np, graph, rest, seed, batch, num_steps))
    return synthetic_feed(np, graph, placeholders, seed, batch, num_steps)


def _keras_values(keras_model: KerasModel | None, graph: Any, feed: dict[Any, Any],
                  inspection: Inspection) -> tuple[dict[str, CellArrays], dict[str, str]]:
    """The Keras cells' values on the batch `feed` holds, and the cells whose Keras cell
    ran other sequences than the Inspection's cells (`keras_cell_arrays`); none without a
    Keras model, or when an argument of it is no input the graph is fed."""
    if keras_model is None:
        return {}, {}
    tensors = [graph.get_operation_by_name(n).outputs[0] for n in keras_model.inputs]
    if not all(t in feed for t in tensors):
        return {}, {}
    return keras_cell_arrays(keras_model, [feed[t] for t in tensors], inspection)


def _keras_note(cells: dict[str, CellArrays]) -> tuple[str, ...]:
    if not cells:
        return ()
    return (f"{', '.join(cells)}: Keras cells, computed in numpy from their weights with "
            "Keras's cell equations and their own activations, on the inputs each "
            "application received",)


def _finite(np: Any, arrays: CellArrays) -> bool:
    return all(bool(np.all(np.isfinite(v))) for s in arrays.gates for _, v in s.values()) and \
        all(bool(np.all(np.isfinite(v))) for v in (*arrays.h, *arrays.c) if v is not None)


def _inspection_schema() -> str:
    from rnninspect.model import SCHEMA

    return SCHEMA


def _dynamic_note(dynamic: tuple[str, ...]) -> tuple[str, ...]:
    if not dynamic:
        return ()
    return (f"{', '.join(dynamic)} run inside a while loop whose length is unknown or that "
            "could not be unrolled: no per-step values for them",)


def _unreached_note(cells: tuple[str, ...]) -> tuple[str, ...]:
    if not cells:
        return ()
    return (f"{', '.join(cells)}: no per-step values — the kernel is read only inside a "
            "conditional (tf.cond: static_rnn with sequence_length) or its gates and state "
            "could not be followed to an activation; `rnninspect show` has their structure",)


def _refused_notes(refused: dict[str, str]) -> tuple[str, ...]:
    """One line per cell whose values could not be proven (or decided) its own."""
    return tuple(f"{name}: no per-step values — {why}; `rnninspect show` has its structure"
                 for name, why in refused.items())


def _distinct(tensors: list[Any]) -> list[Any]:
    return list({t.name: t for t in tensors}.values())


def _cell_arrays(np: Any, found: CellTensors, values: dict[str, Any]) -> CellArrays:
    def cut(gate: Any) -> Any:
        return np.asarray(values[gate.tensor.name])[..., gate.start:gate.stop]

    def value(t: Any) -> Any:
        return None if t is None else values[t.name]

    cell = found.cell
    return CellArrays(
        cell=cell.name, layer=cell.layer, kind=cell.kind, units=cell.units,
        gate_order=gate_order(cell, found.steps), kernels=found.kernels,
        gates=tuple({g: (a.activation, cut(a)) for g, a in s.gates.items()}
                    for s in found.steps),
        h=tuple(value(s.h) for s in found.steps), c=tuple(value(s.c) for s in found.steps))


def _unproven(np: Any, found: CellTensors, values: dict[str, Any],
              arrays: CellArrays) -> str | None:
    """Why the values located for the cell are not proven its own (`probe.proof`)."""
    return unproven(CellValues(
        kind=arrays.kind, gates=tuple({g: v for g, (_, v) in s.items()} for s in arrays.gates),
        h=arrays.h, c=arrays.c,
        state_reads=tuple(tuple(np.asarray(values[r.tensor.name])[..., r.start:r.stop]
                                for r in s.state_reads) for s in found.steps)))
