"""The Python API and the one orchestration every command uses.

`inspect(spec_or_model, **options) -> Inspection` and `gradients(spec, **options) ->
GradientReport`; both resolve a spec through `rnninspect.sources.resolve`, so every command
applies the same option rules (e.g. `--num-steps` is refused for a user model everywhere).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rnninspect.errors import InvalidOptionError
from rnninspect.graph import Traced
from rnninspect.model import Inspection
from rnninspect.sources import LoadOptions, UserSource, load, resolve

if TYPE_CHECKING:
    from rnninspect.analysis.grads import GradientReport

# called with every Inspection `inspect` returns for a spec, and the files it rests on
# ((path, sha256): the user's sources or saved files); `--watch` listens here
Observer = Callable[[Inspection, tuple[tuple[str, str], ...]], None]
_observers: list[Observer] = []


@contextmanager
def observing(observer: Observer) -> Iterator[None]:
    """Call `observer` with each inspection (and its source files) made inside the block."""
    _observers.append(observer)
    try:
        yield
    finally:
        _observers.remove(observer)


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
    cache: bool = False,
) -> Inspection:
    """Build (or take), trace and analyze an RNN.

    `model` is a model spec — a built-in model name (``"ptb"``, ``"mnist"``, see
    ``rnninspect models``), ``file.py:NAME``, ``package.module:NAME``, a .keras file, a
    SavedModel, .pb/.pbtxt, .meta or a checkpoint — or a Keras model (or tf.Module) object
    with `input_signature` (a list of ``tf.TensorSpec``); a Keras model that has symbolic
    inputs or has been called once needs no signature. `step` picks the time step whose
    op-level graph is kept for the step diagram. `cache=True` reads and writes the result
    cache (`rnninspect.cache`): a hit imports no TensorFlow.
    """
    if isinstance(model, str):
        options = LoadOptions(dialect, config, num_steps, hidden, layers, vocab, batch)
        return _inspect_spec(model, options, step, cache)
    from rnninspect.analysis import analyze

    return analyze(_trace_object(model, input_signature), detail_step=step)


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


def _inspect_spec(spec: str, options: LoadOptions, step: int | None, use_cache: bool
                  ) -> Inspection:
    from rnninspect import cache

    source = resolve(spec, options)  # options are checked before anything is read or built
    key = cache.inspection_key(source, options, step) if use_cache else None
    hit = cache.load_inspection(key) if key is not None else None
    if hit is not None:
        inspection, deps = hit
    else:
        loaded = load(spec, options)
        if isinstance(loaded, Inspection):  # a checkpoint alone: names and shapes, no graph
            inspection, deps = loaded, cache.saved_file_deps(spec)
        else:
            from rnninspect.analysis import analyze

            inspection = analyze(loaded, detail_step=step)
            deps = loaded.sources
            if not deps and isinstance(source, UserSource):
                deps = cache.saved_file_deps(spec)
        if key is not None:
            cache.store_inspection(key, inspection, deps)
    for observer in list(_observers):
        observer(inspection, deps)
    return inspection


def gradients(spec: str, options: LoadOptions | None = None, *, seed: int = 0,
              loss: str | None = None, copy: str | None = None,
              cache: bool = False) -> GradientReport:
    """Each time step's share of each shared weight's gradient, for one seeded synthetic batch.

    `spec` is resolved exactly as `inspect` resolves it; built-in models are built by their
    zoo entry. User models: TF1 graphs (``file.py:NAME`` returning a tf.Graph, .meta, .pb),
    whose loss is the one the program trains, else `loss` (a tensor name), else the sum of
    squares of the outputs, taken through `copy` (default: the training copy); Keras 3
    models from ``file.py:NAME``. `options.batch` sizes a user model's unknown dimensions.
    `cache=True` reads and writes the result cache for built-in models."""
    from dataclasses import replace

    from rnninspect import cache as results
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
    key = results.grads_key(source, options, seed) if cache else None
    hit = results.load_grads(key) if key is not None else None
    if hit is not None:
        return hit
    report = zoo_gradients(source.entry, source.config, source.dialect, seed)
    if key is not None:
        results.store_grads(key, report)
    return report
