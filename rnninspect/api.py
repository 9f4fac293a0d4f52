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


def gradients(spec: str, options: LoadOptions | None = None, *, seed: int = 0,
              loss: str | None = None, copy: str | None = None) -> GradientReport:
    """Each time step's share of each shared weight's gradient, for one seeded synthetic batch.

    `spec` is resolved exactly as `inspect` resolves it; built-in models are built by their
    zoo entry. User models: TF1 graphs (``file.py:NAME`` returning a tf.Graph, .meta, .pb),
    whose loss is the one the program trains, else `loss` (a tensor name), else the sum of
    squares of the outputs, taken through `copy` (default: the training copy); Keras 3
    models from ``file.py:NAME``. `options.batch` sizes a user model's unknown dimensions."""
    from dataclasses import replace

    from rnninspect.tf.gradients import user_gradients, zoo_gradients

    options = options or LoadOptions()
    source = resolve(spec, replace(options, batch=None))
    if isinstance(source, UserSource):
        return user_gradients(source.spec, seed, loss=loss, copy=copy, batch=options.batch)
    if loss is not None or copy is not None:
        flag = "--loss" if loss is not None else "--copy"
        raise InvalidOptionError(f"{flag} applies to user graphs; {spec!r} is a built-in model")
    source = resolve(spec, options)
    assert not isinstance(source, UserSource)
    return zoo_gradients(source.entry, source.config, source.dialect, seed)
