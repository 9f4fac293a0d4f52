"""The unrolled twin of a user's program whose RNN runs a while loop.

A while loop reads each weight once for all iterations, so per-iteration parts of its
gradient cannot be addressed. When the number of steps is static, the same program with its
loops unrolled computes the same function with the same variables and one copy of the cell
per step. The twin is the user's program run again with the loops unrolled where they are
built — TF1 `dynamic_rnn` as `static_rnn` over the unstacked inputs, `tf.scan` as its
function called once per element, Keras RNN layers with
``unroll=True`` wherever their call sees a static length (`rnninspect.tf.twin`'s switch, which
also serves Keras models called directly) — given the original's weights, and used only when
its loss and every weight's gradient equal the original's on the same batch (`accept_twin`).
Loops that cannot be unrolled (a hand-written
`tf.while_loop`, `raw_rnn`, an unknown length) stay loops, and the report says so.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from rnninspect.analysis.grads import GradientReport
from rnninspect.tf.twin import TWIN_TOLERANCE


def twin_gradients(original: GradientReport, graph: Any, build: Callable[[], Any],
                   gradients_of: Callable[[Any, str | None, str, GradientReport],
                                          GradientReport]
                   ) -> GradientReport:
    """`original` (the report on `graph`, whose weights are read in a loop) taken through
    the unrolled twin when it computes the same; otherwise `original` with a note saying
    why not. `build()` runs the user's program again (returning its graph);
    `gradients_of(graph, restore, weights_note, original)` is graph_gradients with the
    request's options, the copy `original` went through and its feed."""
    names = ", ".join(original.dynamic[:3])
    with unrolled_dynamic_rnn() as (unrolled, kept), unrolled_scan() as (scans, scans_kept):
        twin_graph = build()
    if kept or scans_kept:
        loop = "dynamic_rnn" if kept else "tf.scan"
        return noted(original, f"{loop} over inputs whose number of steps is unknown "
                      f"when the graph is built ({(kept or scans_kept)[0]}) stays a loop: "
                      "give the inputs a static length for per-step figures")
    if not (unrolled or scans):
        return noted(original, f"{names}: read inside a loop that is neither dynamic_rnn "
                      "nor tf.scan (a hand-written tf.while_loop?), so no unrolled twin "
                      "could be built")
    loops = " and ".join(n for n, found in (("dynamic_rnn", unrolled), ("tf.scan", scans))
                         if found)
    how = " and ".join(h for h, found in (("static_rnn over the same steps", unrolled),
                                          ("the scanned function called per step", scans))
                       if found)
    with tempfile.TemporaryDirectory(prefix="rnninspect-twin-") as tmp:
        prefix = _save_weights(graph, str(Path(tmp) / "weights"))
        try:
            twin = gradients_of(twin_graph, prefix, _weights_note(original), original)
        except Exception as e:  # e.g. the twin's variables are named otherwise
            first = str(e).splitlines()[0] if str(e) else ""
            return noted(original, f"the unrolled twin of {loops} could not be used "
                          f"({type(e).__name__}: {first[:120]}); per-step figures withheld")
    return accept_twin(original, twin, loops, how)


def accept_twin(original: GradientReport, twin: GradientReport, loops: str, how: str
                ) -> GradientReport:
    """The twin's report when it is unrolled and computes what the original computes (loss
    and every weight's gradient within TWIN_TOLERANCE); the original, noted, otherwise."""
    if twin.dynamic or twin.unsplit:
        still = ", ".join((twin.dynamic + twin.unsplit)[:3])
        return noted(original, f"with {loops} unrolled, {still} are still read inside a "
                     "loop or function body; per-step figures withheld")
    diff = _difference(original, twin)
    if diff > TWIN_TOLERANCE:
        return noted(original, f"the unrolled twin of {loops} differs from the original "
                      f"(relative Δ {diff:.2e} > {TWIN_TOLERANCE:g}); per-step figures withheld")
    note = (f"{loops} taken through the unrolled twin ({how}, the same variables and "
            f"weights); its loss and every weight's gradient equal the original's within "
            f"{TWIN_TOLERANCE:g} (max relative Δ = {diff:.1e})")
    return replace(twin, model=original.model, notes=(*twin.notes, note))


@contextmanager
def unrolled_dynamic_rnn() -> Iterator[tuple[list[str], list[str]]]:
    """While active, every module's `dynamic_rnn` is a static unroll of itself where the
    number of steps is static. Yields (the calls unrolled, the calls kept as loops: their
    inputs' shapes)."""
    from tensorflow.python.ops import rnn

    original = rnn.dynamic_rnn
    calls: list[str] = []
    kept: list[str] = []

    def dynamic_rnn(cell: Any, inputs: Any, sequence_length: Any = None,
                    initial_state: Any = None, dtype: Any = None,
                    parallel_iterations: Any = None, swap_memory: bool = False,
                    time_major: bool = False, scope: Any = None) -> Any:
        unrolled = _static_unroll(rnn, cell, inputs, sequence_length, initial_state, dtype,
                                  time_major, scope)
        if unrolled is None:
            kept.append(f"inputs {inputs.shape}" if hasattr(inputs, "shape") else "nested")
            return original(cell, inputs, sequence_length, initial_state, dtype,
                            parallel_iterations, swap_memory, time_major, scope)
        calls.append(getattr(scope, "name", scope) or "rnn")
        return unrolled

    patched = [m for m in list(sys.modules.values())
               if m is not None and getattr(m, "dynamic_rnn", None) is original]
    for module in patched:
        setattr(module, "dynamic_rnn", dynamic_rnn)  # noqa: B010 — a module, typed loosely
    try:
        yield calls, kept
    finally:
        for module in patched:
            setattr(module, "dynamic_rnn", original)  # noqa: B010


@contextmanager
def unrolled_scan() -> Iterator[tuple[list[str], list[str]]]:
    """While active, `tf.scan` (and `tf.compat.v1.scan`) call the scanned function once per
    element, in Python, where the number of elements is static. Yields (the calls unrolled,
    the calls kept as loops: their elements' shapes)."""
    from tensorflow.python.ops import functional_ops

    originals = {"scan": functional_ops.scan, "scan_v2": functional_ops.scan_v2}
    calls: list[str] = []
    kept: list[str] = []

    def patched_for(original: Any) -> Any:
        def scan(fn: Any, elems: Any, initializer: Any = None, *args: Any,
                 reverse: bool = False, name: Any = None, **kwargs: Any) -> Any:
            unrolled = _python_scan(fn, elems, initializer, reverse)
            if unrolled is None:
                kept.append(f"elems {getattr(elems, 'shape', 'nested')}")
                return original(fn, elems, initializer, *args, reverse=reverse, name=name,
                                **kwargs)
            calls.append(name or "scan")
            return unrolled
        return scan

    replacements = {id(f): patched_for(f) for f in originals.values()}
    patched = [(m, attr, getattr(m, attr)) for m in list(sys.modules.values()) if m is not None
               for attr in ("scan", "scan_v2") if id(getattr(m, attr, None)) in replacements]
    for module, attr, original in patched:
        setattr(module, attr, replacements[id(original)])
    try:
        yield calls, kept
    finally:
        for module, attr, original in patched:
            setattr(module, attr, original)


def _python_scan(fn: Any, elems: Any, initializer: Any, reverse: bool) -> Any:
    """tf.scan's result computed by calling `fn` once per element; None when the number of
    elements is not known when the graph is built."""
    import tensorflow as tf

    flat = [tf.convert_to_tensor(t) for t in tf.nest.flatten(elems)]
    steps = flat[0].shape[0] if flat[0].shape.rank else None
    if steps is None:
        return None
    columns = [tf.unstack(t, num=steps, axis=0) for t in flat]
    order = list(range(steps))[::-1] if reverse else list(range(steps))
    outputs: dict[int, Any] = {}
    state = initializer
    for i in order:
        x = tf.nest.pack_sequence_as(elems, [c[i] for c in columns])
        state = x if state is None else fn(state, x)  # no initializer: the first element
        outputs[i] = state
    return tf.nest.map_structure(lambda *o: tf.stack(o), *[outputs[i] for i in range(steps)])


def _static_unroll(rnn: Any, cell: Any, inputs: Any, sequence_length: Any,
                   initial_state: Any, dtype: Any, time_major: bool, scope: Any) -> Any:
    """static_rnn over `inputs` unstacked along time, outputs stacked back: dynamic_rnn's
    result. None when the number of steps is not known when the graph is built."""
    import tensorflow as tf

    axis = 0 if time_major else 1
    flat = tf.nest.flatten(inputs)
    steps = flat[0].shape[axis] if flat[0].shape.rank else None
    if steps is None:
        return None
    columns = [tf.unstack(t, num=steps, axis=axis) for t in flat]
    per_step = [tf.nest.pack_sequence_as(inputs, [c[i] for c in columns]) for i in range(steps)]
    outputs, state = rnn.static_rnn(cell, per_step, initial_state=initial_state, dtype=dtype,
                                    sequence_length=sequence_length, scope=scope)
    stacked = tf.nest.map_structure(lambda *o: tf.stack(o, axis=axis), *outputs)
    return stacked, state


def _save_weights(graph: Any, prefix: str) -> str:
    """The graph's variables as the report used them (seeded initialisers: the seeds were
    set on the ops by graph_gradients), written to a checkpoint."""
    import tensorflow as tf

    with graph.as_default():
        variables = tf.compat.v1.global_variables()
        saver = tf.compat.v1.train.Saver(variables)
        init = tf.compat.v1.global_variables_initializer()
    with tf.compat.v1.Session(graph=graph) as session:
        session.run(init)
        return str(saver.save(session, prefix, write_meta_graph=False))


def _difference(original: GradientReport, twin: GradientReport) -> float:
    """Max relative difference of the loss and every weight's gradient norm."""
    pairs = [(original.loss, twin.loss)]
    totals = dict(twin.totals)
    pairs += [(value, totals.get(name, float("inf"))) for name, value in original.totals]
    return max(abs(a - b) / max(abs(a), 1e-12) for a, b in pairs)


def _weights_note(report: GradientReport) -> str:
    return next((n for n in report.notes if n.startswith("weights ")), "weights seeded")


def noted(report: GradientReport, note: str) -> GradientReport:
    return replace(report, notes=(*report.notes, note))
