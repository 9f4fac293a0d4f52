"""MODEL SPEC -> Traced. Zoo names today; user files and saved models plug in here."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnninspect import zoo
from rnninspect.errors import InvalidOptionError
from rnninspect.graph import Traced
from rnninspect.model import Inspection


@dataclass(frozen=True)
class LoadOptions:
    dialect: str | None = None
    config: str | None = None
    num_steps: int | None = None
    hidden: int | None = None
    layers: int | None = None
    vocab: int | None = None
    batch: int | None = None

    def overrides(self) -> dict[str, int | None]:
        return {
            "num_steps": self.num_steps,
            "hidden": self.hidden,
            "layers": self.layers,
            "vocab": self.vocab,
            "batch": self.batch,
        }


def load(spec: str, options: LoadOptions | None = None) -> Traced | Inspection:
    """Build and trace the model named by `spec`: a built-in model name, or a user model
    (``file.py:NAME``, ``package.module:NAME``, a .keras file, a directory with model.keras,
    a SavedModel, a .pb/.pbtxt, a .meta or a checkpoint — see `rnninspect.loaders`)."""
    options = options or LoadOptions()
    if spec not in zoo.MODELS and _looks_like_user_model(spec):
        given = [k for k, v in options.overrides().items() if v is not None]
        given += [k for k in ("dialect", "config") if getattr(options, k) is not None]
        if given:
            flag = "--" + given[0].replace("_", "-")
            raise InvalidOptionError(
                f"{flag} applies to built-in models only; {spec!r} is built as its code says"
            )
        from rnninspect.loaders import load_user

        return load_user(spec)
    entry = zoo.get(spec)
    dialect = entry.check_dialect(options.dialect)
    config = entry.config(options.config, options.overrides())
    if dialect == "legacy":
        from rnninspect.tf import worker as legacy_worker

        request = (entry.name, entry.family, entry.variant, config)
        traced: Traced = legacy_worker.call("zoo", request)
        return traced
    return trace_zoo_keras(entry.name, entry.family, entry.variant, config)


def _looks_like_user_model(spec: str) -> bool:
    return ":" in spec or "/" in spec or "." in spec or Path(spec).exists()


def trace_zoo_legacy(name: str, family: str, variant: str, config: Any) -> Traced:
    """Runs inside the legacy worker process."""
    from rnninspect.tf.trace import trace_graph
    from rnninspect.zoo import legacy

    start = time.perf_counter()
    if family == "contrast":
        from rnninspect.zoo.contrast import build_legacy

        built = build_legacy(variant, config)
    else:
        builder = legacy.build_ptb if family == "ptb" else legacy.build_mnist
        built = builder(config, variant)
    build_seconds = time.perf_counter() - start
    traced = trace_graph(
        built.graph,
        built.inputs,
        built.outputs,
        model=name,
        dialect="legacy",
        config=config.as_pairs(),
    )
    return traced.timed("build", build_seconds)


def trace_zoo_keras(name: str, family: str, variant: str, config: Any) -> Traced:
    from rnninspect.tf.imports import import_keras_for_tracing, silenced_native_stderr
    from rnninspect.tf.trace import trace_keras_model

    keras = import_keras_for_tracing()
    import tensorflow as tf

    from rnninspect.zoo import keras_models

    start = time.perf_counter()
    keras.backend.clear_session()
    with silenced_native_stderr():
        if family == "contrast":
            from rnninspect.zoo.contrast import build_keras

            model, signature = build_keras(variant, config)
        elif family == "ptb":
            model = keras_models.build_ptb(config, variant)
            signature = [tf.TensorSpec([config.batch_size, config.num_steps], tf.int32, "ids")]
        else:
            model = keras_models.build_mnist(config, variant)
            signature = [
                tf.TensorSpec(
                    [config.batch_size, config.num_steps, config.n_input], tf.float32, "x"
                )
            ]
    build_seconds = time.perf_counter() - start

    def forward(*args: Any) -> Any:
        result = model(*args, training=False)
        # PTBModel also returns its final states (for truncated BPTT); the model's output
        # for inspection is the logits.
        return result[0] if family == "ptb" else result

    traced = trace_keras_model(
        model, signature, model=name, dialect="keras", config=config.as_pairs(),
        call=forward if family != "contrast" else None,
    )
    return traced.timed("build", build_seconds)
