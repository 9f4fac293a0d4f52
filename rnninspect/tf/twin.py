"""The unrolled twin of a Keras model whose RNN layers run a while loop.

A while loop reads each weight once for all iterations, so its gradient arrives already
summed over the steps. For layers whose sequence length is static, the same layers with
``unroll=True`` compute the same function with the same weights, one copy of the cell per
step: per-step contributions become addressable. The twin is the model itself, called
while `unrolled_keras_loops` is active: each RNN layer call that sees a static length runs
with ``unroll=True`` (its weights are the original's by construction); before it is used, its
outputs are checked equal to the original's. The same switch unrolls the layers of a program
run again for its twin (`rnninspect.tf.loop_twin`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

TWIN_TOLERANCE = 1e-5  # max |twin − original| allowed on the synthetic batch


def looping_layers(model: Any) -> list[Any]:
    """Keras RNN layers (Bidirectional's two directions included) that run a while loop."""
    found = []
    layers = model._flatten_layers(include_self=True, recursive=True)
    for layer in layers:
        if hasattr(layer, "unroll") and hasattr(layer, "cell") and not layer.unroll:
            found.append(layer)
    return found


@contextmanager
def unrolled_keras_loops() -> Iterator[list[str]]:
    """While active, a Keras RNN layer called on a sequence of static length runs with
    ``unroll=True`` for that call (layers built while active keep their call signature:
    the wrapper carries `__wrapped__`). Yields the names of the layers so unrolled."""
    import functools

    from keras.src.layers.rnn.rnn import RNN

    original = RNN.call
    names: list[str] = []

    @functools.wraps(original)
    def call(self: Any, sequences: Any, *args: Any, **kwargs: Any) -> Any:
        shape = getattr(sequences, "shape", None)
        if self.unroll or shape is None or len(shape) < 2 or shape[1] is None:
            return original(self, sequences, *args, **kwargs)
        self.unroll = True
        try:
            out = original(self, sequences, *args, **kwargs)
        finally:
            self.unroll = False
        if self.name not in names:
            names.append(self.name)
        return out

    RNN.call = call
    try:
        yield names
    finally:
        RNN.call = original


def twin_check(np: Any, layers: list[Any], forward: Callable[[], Any]) -> tuple[bool, str]:
    """Run `forward` with the loops, then unrolled; (equal within TWIN_TOLERANCE, a note)."""
    names = ", ".join(sorted({str(layer.name) for layer in layers}))
    original = _flat(np, forward())
    try:
        with unrolled_keras_loops() as done:
            twin = _flat(np, forward())
    except Exception as e:  # e.g. a layer whose unrolled form cannot build
        return False, (f"while-loop layers ({names}) could not be unrolled: "
                       f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    if not done:
        return False, (f"while-loop layers ({names}) could not be unrolled: their sequence "
                       "length is unknown when they are called")
    diff = max((float(np.max(np.abs(a - b))) if a.size else 0.0
                for a, b in zip(original, twin, strict=True)), default=0.0)
    if diff > TWIN_TOLERANCE:
        return False, (f"the unrolled twin of {names} differs from the original by {diff:.2e} "
                       f"(> {TWIN_TOLERANCE:g}); per-step figures withheld")
    return True, (f"while-loop layers ({names}) taken through their unrolled twin (the same "
                  f"layers with unroll=True, the same weights); its outputs equal the "
                  f"original's within {TWIN_TOLERANCE:g} (max |Δ| = {diff:.1e})")


def _flat(np: Any, out: Any) -> list[Any]:
    if isinstance(out, (list, tuple)):
        return [a for item in out for a in _flat(np, item)]
    if isinstance(out, dict):
        return [a for key in sorted(out) for a in _flat(np, out[key])]
    return [np.asarray(out)]
