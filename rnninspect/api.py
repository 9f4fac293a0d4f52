"""The Python API and the one orchestration every command uses.

`inspect(spec_or_model, **options) -> Inspection` and `gradients(spec, **options) ->
GradientReport`; both resolve a spec through `rnninspect.sources.resolve`, so every command
applies the same option rules (e.g. `--num-steps` is refused for a user model everywhere).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rnninspect.errors import InvalidOptionError
from rnninspect.graph import Traced
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
    SavedModel, .pb/.pbtxt, .meta or a checkpoint — or a Keras model (or tf.Module) object
    with `input_signature` (a list of ``tf.TensorSpec``); a Keras model that has symbolic
    inputs or has been called once needs no signature. `step` picks the time step whose
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
        traced = _trace_object(model, input_signature)
    return analyze(traced, detail_step=step)


def _trace_object(model: Any, input_signature: Sequence[Any] | None) -> Traced:
    """A model object goes where the CLI sends what `file.py:NAME` returned, so both paths
    build it the same way (an unbuilt subclassed model is built from the signature before
    tracing, its variables named by their layers) and give the same Inspection."""
    from rnninspect.sources.first_call import recorded_signature
    from rnninspect.sources.objects import is_keras_model, to_traced

    name = str(getattr(model, "name", None) or type(model).__name__)
    if input_signature is not None:
        return to_traced((model, list(input_signature)), name)
    if is_keras_model(model) and (getattr(model, "inputs", None)
                                  or recorded_signature(model) is not None):
        return to_traced(model, name)  # its own inputs, or those of its first call
    raise InvalidOptionError(
        f"inspect() got a {type(model).__name__} object; pass input_signature="
        "[tf.TensorSpec(...)] so it can be traced"
    )


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
