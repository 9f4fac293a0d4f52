"""Per-step gradients of a TF1 graph: user code returning a `tf.Graph`, a `.meta` MetaGraph
(its checkpoint restored when there is one) or a GraphDef (frozen: weights as constants).

Everything runs in the TF1 worker (`GraphGradients` is its request). The loss is, in order:
the scalar the program's own training ops differentiate (found by structure: the tensor whose
shape seeds `tf.gradients`), the tensor named by ``--loss``, else the sum of squares of the
model's outputs. With several copies (Train/Valid/Test) the gradients go through one copy:
the training copy by default, ``--copy NAME`` otherwise. Weights and the synthetic batch are
seeded, so the same command gives the same figures.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rnninspect.analysis.grads import GradientReport, report_from, with_findings
from rnninspect.errors import InvalidOptionError, ModelSourceError
from rnninspect.sources.checkpoint import import_meta_file, restore_checkpoint
from rnninspect.sources.user import parse_code_spec
from rnninspect.tf.feeds import (
    DEFAULT_BATCH,
    feed_length,
    sizes_the_graph_fixes,
    synthetic_feed,
)
from rnninspect.tf.loop_twin import twin_gradients


@dataclass(frozen=True)
class GraphGradients:
    """Worker request: load a TF1 graph, pick its loss and copy, one Session run."""

    spec: str
    cwd: str
    seed: int = 0
    loss: str | None = None
    copy: str | None = None
    batch: int | None = None

    def run(self) -> GradientReport:
        os.chdir(self.cwd)
        seed_python(self.seed)  # initialisers that draw their own seed at build time
        graph, restore = load_graph(self.spec)
        if not hasattr(graph, "get_operations"):  # a tf-keras model: through its function
            from rnninspect.tf.function_graph import keras_concrete

            return concrete_gradients(keras_concrete(graph, self.spec), self.spec, self.seed,
                                      loss=self.loss, copy=self.copy, batch=self.batch,
                                      dialect="legacy")
        report = graph_gradients(graph, self.spec, self.seed, loss_name=self.loss,
                                 copy=self.copy, batch=self.batch, restore=restore)
        if not (report.dynamic or report.unsplit) or restore is not None \
                or parse_code_spec(self.spec) is None:
            return report
        return twin_gradients(report, graph, lambda: load_graph(self.spec)[0], self._through)

    def _through(self, graph: Any, restore: str | None, weights_note: str,
                 twin_of: GradientReport) -> GradientReport:
        return graph_gradients(graph, self.spec, self.seed, loss_name=self.loss,
                               copy=twin_of.copy, batch=self.batch, restore=restore,
                               weights_note=weights_note, length=twin_of.feed_length)


def seed_python(seed: int) -> None:
    """Seed Python's, NumPy's and TensorFlow's global generators: Keras-style initialisers
    with no seed draw one from them while the graph is built."""
    import random

    import numpy as np
    import tensorflow as tf

    random.seed(seed)
    np.random.seed(seed)
    tf.random.set_seed(seed)


def load_graph(spec: str) -> tuple[Any, str | None]:
    """The tf.Graph a spec names, and the checkpoint prefix to restore (None: initialise).
    Code may also return a tf-keras model (or a (model, signature) pair): returned as is."""
    import tensorflow as tf

    from rnninspect.sources.code import load_object
    from rnninspect.sources.objects import is_keras_model

    code = parse_code_spec(spec)
    if code is not None:
        value, _, _ = load_object(code)
        keras = is_keras_model(value) or (
            isinstance(value, tuple) and len(value) == 2 and is_keras_model(value[0]))
        if not isinstance(value, tf.Graph) and not keras:
            raise ModelSourceError(
                f"{spec} returned {type(value).__name__}; grads takes a tf.Graph or a Keras "
                "model from TF1-style code")
        return value, None
    path = Path(spec)
    prefix = str(path.with_suffix("")) if path.suffix in (".meta", ".index") else spec
    if path.suffix in (".pb", ".pbtxt"):
        from rnninspect.sources.files import import_graph_file

        return import_graph_file(path, spec), None
    meta = Path(f"{prefix}.meta")
    if not meta.exists():
        raise ModelSourceError(f"{spec!r}: no MetaGraph ({meta}) to take gradients through")
    graph, _ = import_meta_file(meta, spec)
    return graph, prefix if Path(f"{prefix}.index").exists() else None


def graph_gradients(graph: Any, model: str, seed: int, *, loss_name: str | None = None,
                    copy: str | None = None, batch: int | None = None,
                    restore: str | None = None, weights_note: str | None = None,
                    length: int | None = None, outputs: list[str] | None = None
                    ) -> GradientReport:
    """`length`: what sequence-length inputs are fed (default: the number of steps); an
    unrolled twin is fed what its original was. `outputs`: the model's outputs when they
    are known (a function's return values), else found from the graph's structure."""
    import numpy as np
    import tensorflow as tf

    from rnninspect.analysis.analyze import analyze_with_reads
    from rnninspect.sources.graph_io import graph_inputs_outputs
    from rnninspect.tf.graph_loss import choose_copy, find_loss
    from rnninspect.tf.step_grads import gradients_in_graph
    from rnninspect.tf.trace import trace_graph

    inputs, found = graph_inputs_outputs(graph, model)
    outputs = outputs or found
    choice = choose_copy(graph, inputs, outputs, model, copy)
    loss, source = find_loss(tf, graph, choice, loss_name)
    # the copy's own outputs stay in the trace, so steps that never reach the loss are
    # still steps (their contribution is an exact zero: dead steps)
    outputs = [o for o in choice.outputs if o != loss.op.name] + [loss.op.name]
    placeholders = _placeholders_of([graph.get_operation_by_name(o) for o in outputs])
    traced = trace_graph(graph, [p.name for p in placeholders], outputs, model=model,
                         dialect="legacy")
    if not traced.variables:  # frozen: the weights are constants
        from rnninspect.sources.frozen import with_frozen_weights

        traced = with_frozen_weights(traced, graph)
    inspection, reads = analyze_with_reads(traced)
    nodes = {v.name: v.node for v in traced.variables}
    split, unsplit = _addressable(graph, reads, nodes)
    trainable = [v for v in traced.variables if v.trainable]
    with graph.as_default():
        labels, norms, arriving, summed, outside = gradients_in_graph(tf, loss, graph, split,
                                                                      nodes)
        weights = [_weight_tensor(tf, graph, v.node) for v in trainable]
        direct = tf.gradients(loss, weights) if weights else []
        totals = {v.name: tf.norm(g) if g is not None else tf.constant(0.0)
                  for v, g in zip(trainable, direct, strict=True)}
        _seed_random_ops(graph, seed)
        init = tf.compat.v1.global_variables_initializer()
    length = length or feed_length(placeholders, inspection.num_steps)
    # only what the loss reads is fed: every fetched value descends from it (another
    # output's placeholder, e.g. an inference decoder's start token, is not required)
    needed = _placeholders_of([loss.op])
    with tf.compat.v1.Session(graph=graph) as session:
        if restore is not None:
            with graph.as_default():
                saver = tf.compat.v1.train.Saver()
            restore_checkpoint(graph, session, saver, restore, model)
        else:
            session.run(init)
        fetched, feed_note = _run_on_a_fitting_batch(
            tf, session, [loss, norms, arriving, summed, totals, outside],
            lambda size: synthetic_feed(np, graph, needed, seed, size, length),
            [batch] if batch else [DEFAULT_BATCH, *sizes_the_graph_fixes(needed)], model)
    value, got_norms, got_arriving, sums, got_totals, apart = fetched
    report = report_from(inspection, float(value), labels, [float(n) for n in got_norms],
                         {k: float(v) for k, v in sums.items()},
                         {k: float(v) for k, v in got_totals.items()},
                         [float(a) > 0 for a in got_arriving],
                         {k: float(v) for k, v in apart.items()})
    seeded = f"weights from the program's initialisers, seeded ({seed})"
    restored = f"weights restored from {restore}" if restore else seeded
    notes = [feed_note, weights_note or restored]
    if unsplit:
        notes.append(
            f"{len(unsplit)} weight(s) are read inside a conditional or function body "
            f"({', '.join(unsplit[:3])}): their per-step parts cannot be addressed from the "
            "graph (static_rnn with sequence_length wraps each step in a cond); their total "
            "gradient is still checked")
    dead = tuple(k for k, v in got_totals.items() if float(v) == 0.0)
    return with_findings(replace(
        report, model=model, loss_source=source, copy=choice.chosen, copies=choice.names,
        notes=tuple(notes), dead=dead, unsplit=tuple(unsplit),
        totals=tuple(sorted((k, float(v)) for k, v in got_totals.items())),
        feed_length=length,
        dynamic=tuple(n for n in report.dynamic if n not in unsplit)))


def _run_on_a_fitting_batch(tf: Any, session: Any, fetches: list[Any], feed_of: Any,
                            sizes: list[int], model: str) -> tuple[Any, str]:
    """`fetches` run on the synthetic batch whose unknown dimensions take the first of
    `sizes` (the default, then those the graph fixes; --batch alone when given) that the
    program's own shapes accept, and the line saying how the batch was made. One line when
    none does."""
    tried: list[int] = []
    failure: Any = None
    for size in dict.fromkeys(sizes[:4]):
        feed, note = feed_of(size)
        try:
            return session.run(fetches, feed), note
        except tf.errors.InvalidArgumentError as e:
            tried.append(size)
            failure = failure or e
    raise InvalidOptionError(
        f"{model}: the program rejects the synthetic batch (unknown dimensions = "
        f"{' or '.join(map(str, tried))}): {_cause(failure.message)}; if it is built for one "
        "batch size, give it with --batch N")


def _cause(message: str) -> str:
    """The line of a TensorFlow run error that says what failed (not the stack it adds)."""
    skip = ("Graph execution error", "Detected at node", "Node:", "Original stack trace")
    lines = [line.strip() for line in message.splitlines()
             if line.strip() and not line[0].isspace() and not line.startswith(skip)]
    said = lines[0] if lines else message.strip().splitlines()[0]
    return said if len(said) <= 240 else said[:237] + "..."


def concrete_gradients(concrete: Any, model: str, seed: int, *, loss: str | None,
                       copy: str | None, batch: int | None, extra: list[Any] | None = None,
                       length: int | None = None, dialect: str = "keras") -> GradientReport:
    """A ConcreteFunction (Keras 3 or TF2 code: dialect keras; a tf-keras model from TF1
    code: legacy) through the TF1 path, its graph imported with the captured values."""
    from rnninspect.tf.function_graph import graph_of, returned

    graph = graph_of(concrete, extra or [])
    report = graph_gradients(graph, model, seed, loss_name=loss, copy=copy, batch=batch,
                             weights_note="weights: the values the function captured",
                             length=length, outputs=returned(graph, concrete))
    return replace(report, dialect=dialect)


def _placeholders_of(ops: list[Any]) -> list[Any]:
    """The placeholders `ops` depend on, in graph order."""
    seen = {op.name for op in ops}
    stack, found = list(ops), []
    while stack:
        current = stack.pop()
        if current.type == "Placeholder":
            found.append(current)
        for t in list(current.inputs):
            if t.op.name not in seen:
                seen.add(t.op.name)
                stack.append(t.op)
    order = {o.name: i for i, o in enumerate(ops[0].graph.get_operations())}
    return sorted(found, key=lambda o: order[o.name])


def _addressable(graph: Any, reads: dict[str, dict[int, list[tuple[str, int]]]],
                 nodes: dict[str, str]) -> tuple[dict[str, dict[int, list[tuple[str, int]]]],
                                                 list[str]]:
    """Reads whose op is an op of `graph` that really computes with the variable (ops in a
    function body are not: their names may even collide with outer ops)."""
    split: dict[str, dict[int, list[tuple[str, int]]]] = {}
    unsplit: list[str] = []
    for name, by_step in reads.items():
        ok = all(_computes_with(graph, op, k, nodes.get(name, name))
                 for uses in by_step.values() for op, k in uses)
        if ok:
            split[name] = by_step
        elif len(by_step) > 1:
            unsplit.append(name)
    return split, sorted(unsplit)


def _computes_with(graph: Any, op_name: str, k: int, var_node: str) -> bool:
    from rnninspect.analysis.opgraph import COND_OPS
    from rnninspect.tf.step_grads import entry_of, read_of

    try:
        op = graph.get_operation_by_name(op_name)
    except (KeyError, ValueError):
        return False
    if k < 0:  # a conditional around the step: the weight is one of its arguments
        return op.type in COND_OPS and entry_of(op, var_node) >= 0
    return k < len(op.inputs) and read_of(op.inputs[k], var_node) is not None


def _weight_tensor(tf: Any, graph: Any, node: str) -> Any:
    op = graph.get_operation_by_name(node)
    with graph.as_default():
        for v in tf.compat.v1.global_variables():
            if v.op.name == node:
                return v
    return op.outputs[0]  # a resource handle or a frozen constant


def _seed_random_ops(graph: Any, seed: int) -> None:
    """Give every stateful random op (initialisers, dropout) a fixed seed, so the same
    command gives the same weights and masks."""
    from tensorflow.core.framework import attr_value_pb2

    for i, op in enumerate(graph.get_operations()):
        if "seed2" not in op.node_def.attr:
            continue
        op._set_attr("seed", attr_value_pb2.AttrValue(i=seed + 1))
        op._set_attr("seed2", attr_value_pb2.AttrValue(i=i + 1))
