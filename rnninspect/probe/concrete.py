"""`probe FILE.py:NAME` where NAME gives a tf ConcreteFunction (or a tf.function with an
input signature): TF2 code and Keras 3 code traced by its author.

The function's graph is imported as a TF1-style graph (`tf.function_graph.graph_of`, its
captured variables holding their values) and probed like any graph. A Keras RNN layer inside
it runs a while loop, whose iterations cannot be fetched one by one: the program is run a
second time with those layers unrolled (`tf.twin.unrolled_keras_loops`: the same layers and
initial weights, seeded alike), and that twin is probed; when the twin cannot be built the
function itself is, and its loop cells are named as having no per-step values.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any

from rnninspect.errors import InvalidOptionError
from rnninspect.probe.model import ProbeReport
from rnninspect.probe.weights import Weights


def is_function(value: Any) -> bool:
    import tensorflow as tf

    return isinstance(value, tf.types.experimental.ConcreteFunction) or (
        isinstance(value, tf.types.experimental.PolymorphicFunction)
        and bool(value.input_signature))


def probe_function(code: Any, spec: str, seed: int, batch: int | None,
                   input_file: str | None, weights: Weights | None) -> ProbeReport:
    from rnninspect.tf.probe import probe_graph
    from rnninspect.tf.twin import unrolled_keras_loops

    if weights is not None:
        raise InvalidOptionError(
            f"--checkpoint applies to built-in models, Keras models and TF1 graphs; {spec} "
            "gives a tf function, whose variables its own code sets")
    kept: list[Any] = []  # a ConcreteFunction holds its variables weakly: keep the program
    original = _concrete(code, seed, kept)
    concrete, unrolled = original, []
    try:
        with unrolled_keras_loops() as layers:
            concrete = _concrete(code, seed, kept)
        unrolled = list(layers)
    except Exception:  # a layer that cannot be unrolled here: the function as it is
        concrete = original
    notes: tuple[str, ...] = ()
    if unrolled:
        notes = (f"while-loop layers ({', '.join(unrolled)}) traced with unroll=True (the "
                 "program run again, seeded alike): one step per iteration",)
    graph, inputs, outputs = _graph(concrete, spec)
    report = probe_graph(graph, inputs, outputs, model=spec, dialect="keras", seed=seed,
                         batch=batch, input_file=input_file, notes=notes)
    return _with_lost_cells(report, original, spec) if unrolled else report


def _graph(concrete: Any, spec: str) -> tuple[Any, list[str], list[str]]:
    from rnninspect.sources.graph_io import graph_inputs_outputs
    from rnninspect.tf.function_graph import graph_of, returned

    graph = graph_of(concrete, [])
    inputs, outputs = graph_inputs_outputs(graph, spec)
    outputs = returned(graph, concrete) or outputs
    inputs = [n for n in inputs
              if graph.get_operation_by_name(n).outputs[0].dtype.name != "resource"]
    return graph, inputs, outputs


def _with_lost_cells(report: ProbeReport, original: Any, spec: str) -> ProbeReport:
    """The cells of the function as written that the unrolled twin has no values for (a
    layer called once per step on a one-step sequence is a loop of one iteration, and no
    cell once unrolled): named, by the weights they compute with."""
    from rnninspect.analysis.analyze import analyze_with_reads
    from rnninspect.tf.trace import trace_graph

    graph, inputs, outputs = _graph(original, spec)
    inspection, _ = analyze_with_reads(
        trace_graph(graph, inputs, outputs, model=spec, dialect="keras"))
    probed = {k for c in report.cells for k in c.kernels}
    lost = [c for c in inspection.cells if not probed & set(c.variables)]
    if not lost:
        return report
    names = tuple(_label(inspection, c) for c in lost)
    note = (f"{', '.join(names)}: no per-step values — a while loop in the function as "
            "written that unrolls to no recurrence (a layer called on one step at a time)")
    return replace(report, dynamic=report.dynamic + names, notes=(*report.notes, note))


def _label(inspection: Any, cell: Any) -> str:
    from rnninspect.probe.locate import cell_kernels

    kernels = cell_kernels(inspection, cell)
    return f"{cell.name} ({kernels[0].name if kernels else cell.variables[0]})"


def _concrete(code: Any, seed: int, kept: list[Any]) -> Any:
    import tensorflow as tf

    from rnninspect.sources.code import load_object
    from rnninspect.tf.imports import import_keras_for_tracing

    keras = import_keras_for_tracing()
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(seed)
    value, _, _ = load_object(code)
    kept.append((dict(sys.modules), value))
    if isinstance(value, tf.types.experimental.PolymorphicFunction):
        value = value.get_concrete_function(*value.input_signature)
        kept.append(value)
    return value
