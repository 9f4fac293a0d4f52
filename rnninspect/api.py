"""The Python API and the one orchestration every command uses.

`inspect(spec_or_model, **options) -> Inspection` and `gradients(spec, **options) ->
GradientReport`; both resolve a spec through `rnninspect.sources.resolve`, so every command
applies the same option rules (e.g. `--num-steps` is refused for a user model everywhere).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rnninspect.errors import InvalidOptionError
from rnninspect.model import Inspection
from rnninspect.sources import LoadOptions, UserSource, load, resolve

if TYPE_CHECKING:
    from rnninspect.analysis.grads import GradientReport


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

    `model` is a model spec — a built-in model name (``"ptb"``, ``"mnist"``, see
    ``rnninspect models``), ``file.py:NAME``, ``package.module:NAME``, a .keras file, a
    SavedModel, .pb/.pbtxt, .meta or a checkpoint — or a built Keras 3 model together with
    `input_signature` (a list of ``tf.TensorSpec``). `step` picks the time step whose
    op-level graph is kept for the step diagram.
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
            raise InvalidOptionError(
                f"inspect() got a {type(model).__name__} object; pass input_signature="
                "[tf.TensorSpec(...)] so it can be traced"
            )
        name = getattr(model, "name", type(model).__name__)
        traced = trace_keras_model(model, input_signature, model=name)
    return analyze(traced, detail_step=step)


def gradients(spec: str, options: LoadOptions | None = None, *, seed: int = 0
              ) -> GradientReport:
    """Each time step's share of each shared weight's gradient, for one synthetic batch.

    `spec` is resolved exactly as `inspect` resolves it; built-in models are built by their
    zoo entry, user models must be Keras 3 code (``file.py:NAME``)."""
    from rnninspect.tf.gradients import user_gradients, zoo_gradients

    source = resolve(spec, options)
    if isinstance(source, UserSource):
        return user_gradients(source.spec, seed)
    return zoo_gradients(source.entry, source.config, source.dialect, seed)
