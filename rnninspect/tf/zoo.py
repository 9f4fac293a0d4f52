"""Build and trace a built-in model: the same code for every zoo family (the family's
`ZooModel` says how to build, sign and read it). Legacy builds run in the TF1 worker."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from rnninspect import zoo
from rnninspect.graph import Traced
from rnninspect.tf import worker
from rnninspect.tf.imports import import_keras_for_tracing, silenced_native_stderr
from rnninspect.tf.trace import trace_graph, trace_keras_model
from rnninspect.zoo.base import config_pairs


def trace_zoo(entry: zoo.ZooModel[Any], config: Any, dialect: str) -> Traced:
    if dialect == "legacy":
        traced: Traced = worker.call(TraceLegacy(entry.name, config))
        return traced
    return trace_keras(entry, config)


@dataclass(frozen=True)
class TraceLegacy:
    """Worker request: build a zoo entry's TF1 graph and trace it."""

    name: str
    config: Any

    def run(self) -> Traced:
        return trace_legacy(zoo.get(self.name), self.config)


def trace_legacy(entry: zoo.ZooModel[Any], config: Any) -> Traced:
    """Runs inside the legacy worker process."""
    start = time.perf_counter()
    built = entry.build(config, "legacy")
    build_seconds = time.perf_counter() - start
    traced = trace_graph(built.graph, built.inputs, built.outputs, model=entry.name,
                         dialect="legacy", config=config_pairs(config))
    return traced.timed("build", build_seconds)


def trace_keras(entry: zoo.ZooModel[Any], config: Any) -> Traced:
    keras = import_keras_for_tracing()
    start = time.perf_counter()
    keras.backend.clear_session()
    with silenced_native_stderr():
        model = entry.build(config, "keras")
        signature = entry.signature(config)
    build_seconds = time.perf_counter() - start

    def forward(*args: Any) -> Any:
        return entry.logits(model, args)

    traced = trace_keras_model(model, signature, model=entry.name, dialect="keras",
                               config=config_pairs(config), call=forward)
    return traced.timed("build", build_seconds)
