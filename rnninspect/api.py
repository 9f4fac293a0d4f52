"""The Python API: `inspect(spec_or_model, **options) -> Inspection`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rnninspect.model import Inspection
from rnninspect.sources import LoadOptions, load


def inspect(
    model: Any,
    *,
    dialect: str | None = None,
    config: str | None = None,
    num_steps: int | None = None,
    hidden: int | None = None,
    layers: int | None = None,
    vocab: int | None = None,
    batch: int | None = None,
    input_signature: Sequence[Any] | None = None,
    step: int | None = None,
) -> Inspection:
    """Build (or take), trace and analyze an RNN.

    `model` is a built-in model name (``"ptb"``, ``"mnist"``, see ``rnninspect models``) or
    a built Keras 3 model together with `input_signature` (a list of ``tf.TensorSpec``).
    `step` picks the time step whose op-level graph is kept for the step diagram.
    """
    from rnninspect.analysis import analyze

    if isinstance(model, str):
        options = LoadOptions(dialect, config, num_steps, hidden, layers, vocab, batch)
        loaded = load(model, options)
        if isinstance(loaded, Inspection):  # a checkpoint alone: names and shapes, no graph
            return loaded
        traced = loaded
    else:
        from rnninspect.tf.trace import trace_keras_model

        if input_signature is None:
            from rnninspect.errors import InvalidOptionError

            raise InvalidOptionError(
                f"inspect() got a {type(model).__name__} object; pass input_signature="
                "[tf.TensorSpec(...)] so it can be traced"
            )
        name = getattr(model, "name", type(model).__name__)
        traced = trace_keras_model(model, input_signature, model=name)
    return analyze(traced, detail_step=step)
