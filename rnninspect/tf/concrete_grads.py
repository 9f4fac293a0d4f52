"""Per-step gradients of a SavedModel signature, and of a ConcreteFunction's unrolled twin.

A function's graph is imported into a plain TF1-style `tf.Graph` (`tf/function_graph.py`),
its captured variables becoming graph variables that hold the captured values, so the TF1
path (`graph_grads.concrete_gradients`) applies unchanged: the loss the function's own
gradient tape differentiates (else ``--loss``, else the sum of squares of its outputs),
copies, a seeded synthetic batch, dead steps. Weights inside nested function calls (a
SavedModel signature calls its restored functions) are reported with their total gradient
only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rnninspect.analysis.grads import GradientReport
from rnninspect.tf.graph_grads import concrete_gradients


def concrete_twin(original: GradientReport, concrete: Any, rebuild: Callable[[], Any],
                  model: str, seed: int, *, loss: str | None, batch: int | None
                  ) -> GradientReport:
    """`original` (the report on `concrete`, whose Keras RNN layers run while loops) taken
    through the program's unrolled twin: `rebuild()` runs the user's program again (giving
    its ConcreteFunction) with the layers unrolled; the twin's captured variables get the
    original's values in the order the program reads them (names and shapes
    checked)."""
    from rnninspect.tf.loop_twin import accept_twin, noted
    from rnninspect.tf.trace import _tf_variable
    from rnninspect.tf.twin import unrolled_keras_loops
    from rnninspect.tf.varnames import display_name

    try:
        with unrolled_keras_loops() as layers:
            twin = rebuild()
    except Exception as e:  # e.g. a layer that cannot be unrolled in this program
        return noted(original, f"the program could not be run with its RNN layers unrolled "
                     f"({type(e).__name__}); per-step figures withheld")
    if not layers:
        return noted(original, "no Keras RNN layer saw a sequence of static length, so no "
                     "unrolled twin could be built; per-step figures withheld")
    mine, theirs = _captured(concrete), _captured(twin)
    described = [[(display_name(v), tuple(v.shape)) for v in vs] for vs in (mine, theirs)]
    if described[0] != described[1]:
        return noted(original, "the unrolled twin captures other variables than the original; "
                     "per-step figures withheld")
    for a, b in zip(mine, theirs, strict=True):
        _tf_variable(b).assign(_tf_variable(a).read_value())
    try:  # through the copy the original went through, fed the same
        report = concrete_gradients(twin, model, seed, loss=loss, copy=original.copy,
                                    batch=batch, length=original.feed_length)
    except Exception as e:
        return noted(original, f"the unrolled twin could not be differentiated like the "
                     f"original ({type(e).__name__}); per-step figures withheld")
    return accept_twin(original, report, f"the while-loop layers ({', '.join(layers)})",
                       "the same layers with unroll=True")


def _captured(concrete: Any) -> list[Any]:
    """The function's variables in the order the traced code first read them (the same
    program traced twice reads them in the same order; `concrete.variables` is unordered
    and two attention layers may name their kernels alike)."""
    from rnninspect.tf.trace import _tf_variable

    by_handle = {id(_tf_variable(v).handle): v for v in concrete.variables}
    return [by_handle[id(external)] for external, _ in concrete.graph.captures
            if id(external) in by_handle]


def saved_model_gradients(path: Path, spec: str, seed: int, *, loss: str | None,
                          copy: str | None, batch: int | None) -> GradientReport:
    from rnninspect.sources.files import open_saved_model

    _, concrete, variables = open_saved_model(path, spec)
    return concrete_gradients(concrete, spec, seed, loss=loss, copy=copy, batch=batch,
                              extra=variables)


