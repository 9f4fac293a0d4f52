"""`probe(spec, …)`: any model form `grads` takes, to a `ProbeReport`.

Built-in models: the TF1 dialect in the TF1 worker (`ProbeLegacy`), the Keras dialect here.
User models: TF1 graphs in the worker (`ProbeUserGraph`), Keras 3 models here. A Keras model
is probed through the graph of its inference function; RNN layers that run a while loop are
traced with ``unroll=True`` for that call (`rnninspect.tf.twin`: the same layers and weights),
so every iteration is a step whose values can be fetched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from rnninspect.errors import InvalidOptionError
from rnninspect.probe.model import ProbeReport
from rnninspect.sources import LoadOptions, UserSource, resolve


def probe(spec: str, options: LoadOptions | None = None, *, seed: int = 0,
          input_file: str | None = None) -> ProbeReport:
    """One forward pass of the model `spec` names (resolved as `show` resolves it) on a
    seeded synthetic batch, or on `input_file` (.npz, one array per input)."""
    from rnninspect.tf import worker
    from rnninspect.tf.probe import ProbeLegacy

    options = options or LoadOptions()
    if input_file is not None and not Path(input_file).is_file():
        raise InvalidOptionError(f"--input {input_file}: no such file")
    source = resolve(spec, replace(options, batch=None))
    if isinstance(source, UserSource):
        return _user(spec, seed, options.batch, input_file)
    source = resolve(spec, options)
    assert not isinstance(source, UserSource)
    if source.dialect == "legacy":
        report: ProbeReport = worker.call(ProbeLegacy(source.entry.name, source.config, seed,
                                                      input_file))
        return report
    return _zoo_keras(source.entry, source.config, seed, input_file)


def probe_model(model: Any, inputs: Sequence[Any], *, name: str | None = None) -> ProbeReport:
    """Probe a Keras 3 model object on `inputs` (arrays, one per model input)."""
    import numpy as np
    import tensorflow as tf

    arrays = [np.asarray(a) for a in inputs]
    signature = [tf.TensorSpec(a.shape, tf.as_dtype(a.dtype)) for a in arrays]
    return _keras(model, signature, name or str(getattr(model, "name", "model")), (),
                  arrays=arrays)


def _zoo_keras(entry: Any, config: Any, seed: int, input_file: str | None) -> ProbeReport:
    from rnninspect.tf.imports import import_keras_for_tracing
    from rnninspect.zoo.base import config_pairs

    keras = import_keras_for_tracing()
    keras.utils.set_random_seed(seed)
    model = entry.build(config, "keras")
    return _keras(model, entry.signature(config), entry.name, config_pairs(config), seed=seed,
                  input_file=input_file, call=lambda xs: entry.logits(model, xs))


def _keras(model: Any, signature: list[Any], name: str, config: tuple[tuple[str, Any], ...],
           *, seed: int = 0, batch: int | None = None, input_file: str | None = None,
           arrays: list[Any] | None = None, call: Any = None) -> ProbeReport:
    import tensorflow as tf

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
    return probe_graph(graph, inputs, outputs, model=name, dialect="keras", config=config,
                       seed=seed, batch=batch, input_file=input_file, arrays=arrays,
                       notes=notes)


def _user(spec: str, seed: int, batch: int | None, input_file: str | None) -> ProbeReport:
    from rnninspect.sources.code import is_legacy_code, load_object
    from rnninspect.sources.objects import is_keras_model
    from rnninspect.sources.signature import derived_signature, zoo_signature
    from rnninspect.sources.user import parse_code_spec
    from rnninspect.tf import worker
    from rnninspect.tf.imports import import_keras_for_tracing
    from rnninspect.tf.probe import ProbeUserGraph

    code = parse_code_spec(spec)
    path = Path(spec)
    if code is None or is_legacy_code(code):
        if code is None and path.suffix not in (".meta", ".pb", ".pbtxt", ".index"):
            raise InvalidOptionError(
                f"probe takes a built-in model, FILE.py:NAME, a .meta MetaGraph (with its "
                f"checkpoint) or a .pb GraphDef; {spec!r} is none of them")
        report: ProbeReport = worker.call(ProbeUserGraph(spec, str(Path.cwd()), seed, batch,
                                                         input_file))
        return report
    keras = import_keras_for_tracing()
    keras.utils.set_random_seed(seed)
    value, _, _ = load_object(code)
    if isinstance(value, tuple) and len(value) == 2 and is_keras_model(value[0]):
        model, signature = value[0], list(value[1])
    elif is_keras_model(value):
        model = value
        signature = zoo_signature(model) or derived_signature(model, spec)
    else:
        raise InvalidOptionError(
            f"probe needs a Keras model or a tf.Graph from {spec!r} (or a (model, "
            f"[tf.TensorSpec]) pair); got {type(value).__name__}")
    return _keras(model, signature, spec, (), seed=seed, batch=batch, input_file=input_file)
