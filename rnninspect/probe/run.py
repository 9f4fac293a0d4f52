"""`probe(spec, …)`: any model form `grads` takes, to a `ProbeReport`.

Built-in models: the TF1 dialect in the TF1 worker (`ProbeLegacy`), the Keras dialect here.
User models: TF1 graphs in the worker (`ProbeUserGraph`), Keras 3 models here. A Keras model
is probed through the graph of its inference function; RNN layers that run a while loop are
traced with ``unroll=True`` for that call (`rnninspect.tf.twin`: the same layers and weights),
so every iteration is a step whose values can be fetched.

Weights (`rnninspect.probe.weights`): the initialisers, or `checkpoint`. A run directory of
`rnninspect train` (given as the model, or as `checkpoint` to a built-in model) is probed as
its family's Keras model at the run's config (unless config options are given), with the
run's values assigned in order; a TF checkpoint restores a TF1 graph by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from rnninspect.errors import InvalidOptionError
from rnninspect.probe.data import DataBatch, read_batch, run_vocabulary
from rnninspect.probe.model import ProbeReport
from rnninspect.probe.weights import (
    MODEL_FILE,
    Weights,
    assign_in_order,
    read_run,
    run_file,
    run_note,
    weights_from,
)
from rnninspect.sources import LoadOptions, UserSource, ZooSource, resolve


def probe(spec: str, options: LoadOptions | None = None, *, seed: int = 0,
          input_file: str | None = None, checkpoint: str | None = None,
          data: str | None = None) -> ProbeReport:
    """One forward pass of the model `spec` names (resolved as `show` resolves it) on a
    seeded synthetic batch, on `input_file` (.npz, one array per input), or on the first
    batch of `data` (a built-in ptb or mnist model's training data, `probe.data`); weights
    from `checkpoint` (a run directory or a TF checkpoint) when given."""
    from rnninspect.tf import worker
    from rnninspect.tf.probe import ProbeLegacy

    options = options or LoadOptions()
    if input_file is not None and not Path(input_file).is_file():
        raise InvalidOptionError(f"--input {input_file}: no such file")
    if input_file is not None and data is not None:
        raise InvalidOptionError(f"--data {data} and --input {input_file} both give the "
                                 "batch; pass one of them")
    if checkpoint is None and (family := run_family(spec)) is not None:
        spec, checkpoint = family, spec  # a run directory as the model: its family, its weights
    weights = weights_from(checkpoint) if checkpoint is not None else None
    source = resolve(spec, replace(options, batch=None))
    if isinstance(source, UserSource):
        if data is not None:
            raise InvalidOptionError(
                f"--data {data} reads the training data of the built-in ptb and mnist models; "
                f"{spec} is your own model: save its batch with np.savez and pass --input "
                "FILE.npz")
        return _user(spec, seed, options.batch, input_file, weights)
    source = resolve(spec, options)
    assert not isinstance(source, UserSource)
    if data is not None and source.entry.data_family() is None:
        raise InvalidOptionError(
            f"--data {data}: {source.entry.name} reads no training data of its own (--data "
            "takes the ptb and mnist models and their variants); pass --input FILE.npz")
    if weights is not None and weights.kind == "run":
        return _zoo_run(source, options, weights, seed, input_file, data)
    config, fed = source.config, None
    if data is not None:
        fed = _data_batch(source.entry, config, data, None)
        if options.vocab is None and fed[1].vocab_size is not None:
            config = replace(config, vocab_size=fed[1].vocab_size)  # as train sizes it
    if source.dialect == "legacy":
        report: ProbeReport = worker.call(ProbeLegacy(source.entry.name, config, seed,
                                                      input_file, weights, fed))
        return report
    if weights is not None:
        raise InvalidOptionError(
            f"--checkpoint {weights.given} is a TF checkpoint: it restores the TF1 graph; "
            "drop --dialect keras (a Keras model takes a run of `rnninspect train`)")
    return _zoo_keras(source.entry, config, seed, input_file, data=fed)


def _data_batch(entry: Any, config: Any, data: str,
                vocab: dict[str, int] | None) -> tuple[str, DataBatch]:
    """`--data`'s first batch for a built-in model at `config` (its batch and steps)."""
    batch = read_batch(entry.data_family(), data, config.batch_size, config.num_steps,
                       vocab=vocab, width=getattr(config, "n_input", None))
    return f"--data {data}", batch


def run_family(spec: str) -> str | None:
    """The built-in model a run directory (or its checkpoint.npz) trained; None when `spec`
    names no run. A run of anything else is one line."""
    from rnninspect import zoo
    from rnninspect.train.checkpoint import read_meta

    found = None if spec in zoo.MODELS else run_file(Path(spec))
    if found is None:
        return None
    family = (read_meta(found.parent) or {}).get("settings", {}).get("family")
    if family not in zoo.MODELS:
        raise InvalidOptionError(f"{spec}: the run record names no built-in model "
                                 f"({family!r}); use probe MODEL --checkpoint {spec}")
    return str(family)


def _zoo_run(source: ZooSource, options: LoadOptions, weights: Weights, seed: int,
             input_file: str | None, data: str | None) -> ProbeReport:
    """A built-in model with a run's weights: Keras dialect; the run's config unless the
    user named one (then every variable must fit it)."""
    if options.dialect == "legacy":
        raise InvalidOptionError(
            f"--checkpoint {weights.given} is a run of `rnninspect train`: Keras weights; "
            "probe it with --dialect keras (the default with a run)")
    meta, values = read_run(weights)
    config = source.config
    chosen = options.config is not None or any(
        v is not None for k, v in options.overrides().items() if k != "batch")
    settings = meta.get("settings", {})
    if not chosen and settings.get("family") == source.entry.name:
        config = type(config)(**settings["config"])
        if options.batch is not None:
            config = replace(config, batch_size=options.batch)
    fed = None if data is None else _data_batch(source.entry, config, data,
                                                run_vocabulary(settings))
    return _zoo_keras(source.entry, config, seed, input_file,
                      weights=(values, weights.given, run_note(weights, meta)), data=fed)


def probe_model(model: Any, inputs: Sequence[Any], *, name: str | None = None) -> ProbeReport:
    """Probe a Keras 3 model object on `inputs` (arrays, one per model input)."""
    import numpy as np
    import tensorflow as tf

    arrays = [np.asarray(a) for a in inputs]
    signature = [tf.TensorSpec(a.shape, tf.as_dtype(a.dtype)) for a in arrays]
    return _keras(model, signature, name or str(getattr(model, "name", "model")), (),
                  arrays=arrays)


def _zoo_keras(entry: Any, config: Any, seed: int, input_file: str | None, *,
               weights: tuple[list[Any], str, str] | None = None,
               data: tuple[str, DataBatch] | None = None) -> ProbeReport:
    """`weights`: (values in the model's variable order, as the user named them, a note)."""
    from rnninspect.tf.imports import import_keras_for_tracing
    from rnninspect.zoo.base import config_pairs

    keras = import_keras_for_tracing()
    keras.utils.set_random_seed(seed)
    model = entry.build(config, "keras")
    signature = entry.signature(config)
    note = None
    if weights is not None:
        _assign(model, signature, weights[0], weights[1], lambda xs: entry.logits(model, xs))
        note = weights[2]
    return _keras(model, signature, entry.name, config_pairs(config), seed=seed,
                  input_file=input_file, call=lambda xs: entry.logits(model, xs),
                  weights_note=note, data=data)


def _assign(model: Any, signature: list[Any], values: list[Any], given: str,
            call: Any) -> None:
    """Build `model` (one call on zeros) when it has no variables yet, then assign."""
    import tensorflow as tf

    if not model.variables:
        call([tf.zeros([d or 1 for d in s.shape.as_list()], s.dtype) for s in signature])
    assign_in_order(list(model.variables), values, given)


def _keras(model: Any, signature: list[Any], name: str, config: tuple[tuple[str, Any], ...],
           *, seed: int = 0, batch: int | None = None, input_file: str | None = None,
           arrays: list[Any] | None = None, call: Any = None,
           weights_note: str | None = None,
           data: tuple[str, DataBatch] | None = None) -> ProbeReport:
    import tensorflow as tf

    from rnninspect.probe.keras_cells import KerasModel
    from rnninspect.sources.graph_io import graph_inputs_outputs
    from rnninspect.tf.function_graph import graph_of, returned
    from rnninspect.tf.probe import probe_graph
    from rnninspect.tf.twin import looping_layers, unrolled_keras_loops

    def forward(*xs: Any) -> Any:
        if call is not None:
            return call(list(xs))
        return model(list(xs) if len(xs) > 1 else xs[0], training=False)

    loops = looping_layers(model)
    with unrolled_keras_loops() as unrolled:
        concrete = tf.function(forward).get_concrete_function(*signature)
    graph = graph_of(concrete, [])
    inputs, outputs = graph_inputs_outputs(graph, name)
    outputs = returned(graph, concrete) or outputs
    # captured handles were mapped onto graph variables; their placeholders stay, unread
    inputs = [n for n in inputs if graph.get_operation_by_name(n).outputs[0].dtype != tf.resource]
    notes: tuple[str, ...] = ()
    if loops and unrolled:
        notes = (f"while-loop layers ({', '.join(unrolled)}) traced with unroll=True (the "
                 "same layers and weights): one step per iteration",)
    # the placeholders of forward's arguments, in order (captures come after them)
    arguments = tuple(f"fn/{t.op.name}" for t in concrete.inputs[:len(signature)])
    live = KerasModel(model, lambda xs: forward(*xs), arguments)
    return probe_graph(graph, inputs, outputs, model=name, dialect="keras", config=config,
                       seed=seed, batch=batch, input_file=input_file, arrays=arrays,
                       notes=notes, weights_note=weights_note, data=data, keras_model=live)


def _user(spec: str, seed: int, batch: int | None, input_file: str | None,
          weights: Weights | None) -> ProbeReport:
    from rnninspect.probe.concrete import is_function, probe_function
    from rnninspect.sources.code import is_legacy_code, load_object
    from rnninspect.sources.objects import keras_model_and_signature
    from rnninspect.sources.user import parse_code_spec
    from rnninspect.tf import worker
    from rnninspect.tf.imports import import_keras_for_tracing
    from rnninspect.tf.probe import ProbeUserGraph

    code = parse_code_spec(spec)
    path = Path(spec)
    if code is None and (path.suffix == ".keras" or (path / MODEL_FILE).is_file()):
        return _keras_file(spec, seed, batch, input_file, weights)
    if code is None or is_legacy_code(code):
        if code is None and path.suffix not in (".meta", ".pb", ".pbtxt", ".index"):
            raise InvalidOptionError(
                f"probe takes a built-in model, FILE.py:NAME, a .keras file, a run directory "
                f"of `rnninspect train`, a .meta MetaGraph (with its checkpoint) or a .pb "
                f"GraphDef; {spec!r} is none of them")
        if weights is not None and weights.kind == "run":
            raise InvalidOptionError(
                f"--checkpoint {weights.given} is a run of `rnninspect train` (Keras "
                f"weights); {spec} is a TF1 graph: give it a TF checkpoint (model.ckpt-N)")
        report: ProbeReport = worker.call(ProbeUserGraph(spec, str(Path.cwd()), seed, batch,
                                                         input_file, weights))
        return report
    keras = import_keras_for_tracing()
    keras.utils.set_random_seed(seed)
    value, _, _ = load_object(code)
    if is_function(value):
        return probe_function(code, spec, seed, batch, input_file, weights)
    model, signature = keras_model_and_signature(
        value, spec, "probe needs a Keras model or a tf.Graph")
    return _keras_with(model, signature, spec, seed, batch, input_file, weights)


def _keras_file(spec: str, seed: int, batch: int | None, input_file: str | None,
                weights: Weights | None) -> ProbeReport:
    """A .keras file, or a directory holding model.keras (without a run checkpoint)."""
    from rnninspect import zoo
    from rnninspect.sources.keras_file import load_keras_model
    from rnninspect.sources.signature import derived_signature
    from rnninspect.tf.imports import import_keras_for_tracing

    path = Path(spec)
    path = path / MODEL_FILE if path.is_dir() else path
    import_keras_for_tracing().utils.set_random_seed(seed)
    model = load_keras_model(path, spec)
    owner = zoo.owner_of(model)
    if owner is None:
        return _keras_with(model, derived_signature(model, spec), spec, seed, batch,
                           input_file, weights)
    config = owner.config_of(model)
    return _keras(model, owner.signature(config), spec, (), seed=seed, input_file=input_file,
                  call=lambda xs: owner.logits(model, xs),
                  weights_note=f"weights saved in {path.name}")


def _keras_with(model: Any, signature: list[Any], spec: str, seed: int, batch: int | None,
                input_file: str | None, weights: Weights | None) -> ProbeReport:
    note = None
    if weights is not None:
        if weights.kind != "run":
            raise InvalidOptionError(
                f"--checkpoint {weights.given} is a TF checkpoint; {spec} is a Keras model: "
                "give it a run of `rnninspect train` (DIR or DIR/checkpoint.npz)")
        meta, values = read_run(weights)
        _assign(model, signature, values, weights.given,
                lambda xs: model(xs if len(xs) > 1 else xs[0], training=False))
        note = run_note(weights, meta)
    return _keras(model, signature, spec, (), seed=seed, batch=batch, input_file=input_file,
                  weights_note=note)
