"""`probe` on a TF1-style graph: one seeded forward pass, its gates and states per step.

Every model form ends here as a `tf.Graph` with its inputs and outputs named: a zoo TF1
graph (in the TF1 worker, `ProbeLegacy`), a user's TF1 graph (`ProbeUserGraph`), a Keras
model as the graph of its inference function (`rnninspect.probe.run`; while-loop RNN layers
traced unrolled, the same weights). The graph is traced and analysed like `show` does
(`analyze_with_reads`), the gate and state tensors found from it (`probe.locate`), and one
session run fetches them. Only when a value is non-finite is the whole forward pass fetched
again to find the op where it started.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from rnninspect import zoo
from rnninspect.errors import InvalidOptionError
from rnninspect.probe.data import DataBatch
from rnninspect.probe.data_feed import data_feed
from rnninspect.probe.findings import with_findings
from rnninspect.probe.input_file import file_feed
from rnninspect.probe.locate import CellTensors, locate
from rnninspect.probe.model import CellProbe, NonFinite, ProbeReport
from rnninspect.probe.nonfinite import first_nonfinite, forward_ops
from rnninspect.probe.stats import CellArrays, cell_probe
from rnninspect.probe.weights import Weights, restore_by_name
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
                data: tuple[str, DataBatch] | None = None) -> ProbeReport:
    """Probe `graph`: `arrays` (by input position), `input_file` (.npz by input name) or
    `data` (`--data`'s flag and batch, by what each input is) feed it, else a seeded
    synthetic batch; weights from the TF checkpoint `weights`, else
    `restore` (a MetaGraph's own checkpoint), else the initialisers (`weights_note` says
    where a caller's values came from: a Keras model's current values are its graph's
    initial values)."""
    import numpy as np
    import tensorflow as tf

    from rnninspect.analysis.analyze import analyze_with_reads
    from rnninspect.tf.feeds import synthetic_feed
    from rnninspect.tf.graph_grads import _seed_random_ops
    from rnninspect.tf.trace import trace_graph

    traced = trace_graph(graph, inputs, outputs, model=model, dialect=dialect, config=config)
    inspection, reads = analyze_with_reads(traced)
    if not inspection.cells:
        raise InvalidOptionError(
            f"{model} has no recurrence (no cell reads its own previous state): probe "
            "measures gates and states through time; use `rnninspect show` for this model")
    located = locate(tf, graph, inspection, reads)
    found = [c for c in located if any(s.gates or s.h is not None for s in c.steps)]
    unreached = tuple(c.cell.name for c in located if c not in found)
    placeholders = [graph.get_operation_by_name(n) for n in traced.inputs]
    if arrays is not None:
        feed = dict(zip([p.outputs[0] for p in placeholders], arrays, strict=True))
        fed = "inputs given by the caller"
    elif input_file is not None:
        feed, fed = file_feed(np, placeholders, input_file)
    elif data is not None:
        feed, fed = data_feed(np, placeholders, data[1], data[0], lambda rest: synthetic_feed(
            np, graph, rest, seed, batch, inspection.num_steps))
    else:
        feed, fed = synthetic_feed(np, graph, placeholders, seed, batch, inspection.num_steps)
    with graph.as_default():
        _seed_random_ops(graph, seed)
        init = tf.compat.v1.global_variables_initializer()
    tensors = _distinct([t for c in found for s in c.steps
                         for t in [*(g.tensor for g in s.gates.values()), s.h, s.c]
                         if t is not None])
    out_tensors = [t for name in outputs for t in graph.get_operation_by_name(name).outputs
                   if t.dtype.is_floating]
    with tf.compat.v1.Session(graph=graph) as session:
        session.run(init)
        if weights is not None:
            restore = restore_by_name(tf, graph, session, weights)
        elif restore is not None:
            with graph.as_default():
                tf.compat.v1.train.Saver().restore(session, restore)
        got = session.run(tensors + out_tensors, feed)
        values = {t.name: v for t, v in zip(tensors + out_tensors, got, strict=True)}
        nonfinite: NonFinite | None = None
        if not all(bool(np.all(np.isfinite(v))) for v in got):
            nodes = {v.node: v.name for v in traced.variables}
            gate_ops = {g.tensor.op.name: g.gate for c in found for s in c.steps
                        for g in s.gates.values()}
            nonfinite = first_nonfinite(np, session, forward_ops(graph, outputs), feed,
                                        inspection, reads, nodes, gate_ops)
    cells = tuple(_cell_probe(np, c, values) for c in found)
    batch_size = next((int(v.shape[0]) for c in found for s in c.steps[:1]
                       for v in [values.get(s.h.name) if s.h is not None else None]
                       if v is not None and v.ndim > 1), None)
    weights_said = weights_note or (
        f"weights restored from {restore}" if restore else
        f"weights from the program's initialisers (seed {seed})")
    dynamic = tuple(c.name for c in inspection.cells if c.dynamic or not c.num_steps)
    report = ProbeReport(
        model=model, dialect=dialect, inspection_schema=_inspection_schema(),
        num_steps=inspection.num_steps, batch=batch_size, cells=cells, nonfinite=nonfinite,
        notes=(fed, weights_said, *notes, *_dynamic_note(dynamic), *_unreached_note(unreached)),
        dynamic=dynamic + unreached)
    return with_findings(report)


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


def _distinct(tensors: list[Any]) -> list[Any]:
    return list({t.name: t for t in tensors}.values())


def _cell_probe(np: Any, found: CellTensors, values: dict[str, Any]) -> CellProbe:
    def cut(gate: Any) -> Any:
        return np.asarray(values[gate.tensor.name])[..., gate.start:gate.stop]

    def value(t: Any) -> Any:
        return None if t is None else values[t.name]

    cell = found.cell
    return cell_probe(CellArrays(
        cell=cell.name, layer=cell.layer, kind=cell.kind, units=cell.units,
        gate_order=cell.gate_order, kernels=found.kernels,
        gates=tuple({g: (a.activation, cut(a)) for g, a in s.gates.items()}
                    for s in found.steps),
        h=tuple(value(s.h) for s in found.steps), c=tuple(value(s.c) for s in found.steps)))

