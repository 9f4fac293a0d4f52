"""What a variant file runs, where rnninspect builds it: TF1 variants in rnninspect's TF1
worker process, Keras variants in the caller's process (the variant file is a user program
and goes through the same front door as one).

`build_variant(spec)` builds the original program once, untouched, to record its variables
(the *before* facts), then builds it again with the transformation (source edits, then ops
added to the built graph, or a changed Keras model), records the variables again (*after*)
and writes both to `spec["facts"]`: the delta a transformation declares is measured on the
program itself, never read off rnninspect's answer.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_loaded = 0


def build_variant(spec: dict[str, Any]) -> Any:
    program = spec["program"]
    before = _variables(build_original(program))
    edited: dict[str, str] = spec.get("edited", {})
    value, extra = _build_transformed(program, edited, spec)
    facts = {"before": before, "after": _variables(value), "shapes": _shapes(value), **extra}
    Path(spec["facts"]).write_text(json.dumps(facts), encoding="utf-8")
    return value


def build_original(program: dict[str, Any]) -> Any:
    """The untouched program, built as its builder builds it."""
    folder = str(Path(program["file"]).parent)
    if folder not in sys.path:  # like `python file.py`: the program's siblings import
        sys.path.insert(0, folder)
    return _build(program, {})


def _build_transformed(program: dict[str, Any], edited: dict[str, str], spec: dict[str, Any]
                       ) -> tuple[Any, dict[str, Any]]:
    if program["kind"] == "tf1":
        from tests.metamorphic import graph_ops

        with graph_ops.recording_losses() as losses:
            value = _build(program, edited)
        graph, outputs = value if isinstance(value, tuple) else (value, [])
        graph_ops.apply(spec["graph_ops"], graph, losses or graph_ops.forward_losses(
            graph, outputs))
        return graph, {}
    from tests.metamorphic import keras_ops

    extra: dict[str, Any] = {}
    with keras_ops.around_build(spec["keras_ops"]):
        value = _build(program, edited)
    value = keras_ops.after_build(spec["keras_ops"], value, extra)
    return value, extra


def _build(program: dict[str, Any], edited: dict[str, str]) -> Any:
    """Call the program's builder; TF1 zoo builders give `(graph, output op names)`."""
    zoo = program.get("zoo")
    if zoo is not None:
        return _build_zoo(zoo, program, edited)
    module = _load(Path(program["file"]), edited, program["siblings"])
    return getattr(module, program["builder"])()


def _build_zoo(zoo: list[str], program: dict[str, Any], edited: dict[str, str]) -> Any:
    from rnninspect import zoo as models

    entry = models.get(zoo[0])
    config = entry.config(None, {})
    if zoo[1] == "keras":
        return entry.build(config, "keras"), entry.signature(config)
    module = _load(Path(program["file"]), edited, []) if edited else importlib.import_module(
        "rnninspect.zoo.legacy")
    built = getattr(module, program["builder"])(config)
    return built.graph, [f"{name}:0" for name in built.outputs]


def _load(path: Path, edited: dict[str, str], siblings: list[str]) -> types.ModuleType:
    """A fresh module from `path` (its edited source, when there is one). While it is
    imported, its sibling modules are fresh too, edited or not: what an earlier build left in
    `sys.modules` never leaks into this one."""
    global _loaded
    _loaded += 1
    with _siblings(edited, siblings):
        return _exec(Path(edited.get(path.name, str(path))), f"_metamorphic_{_loaded}")


@contextmanager
def _siblings(edited: dict[str, str], siblings: list[str]) -> Iterator[None]:
    saved: dict[str, Any] = {}
    for file in map(Path, siblings):
        stem = file.stem
        saved[stem] = sys.modules.get(stem)
        sys.modules[stem] = _exec(Path(edited.get(file.name, str(file))), stem)
    try:
        yield
    finally:
        for stem, module in saved.items():
            if module is None:
                sys.modules.pop(stem, None)
            else:
                sys.modules[stem] = module


def _exec(path: Path, name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _variables(value: Any) -> list[list[Any]]:
    """`[name, trainable]` of every variable a built program holds, in creation order."""
    graph = value[0] if isinstance(value, tuple) else value
    if hasattr(graph, "get_collection"):  # a tf.Graph
        seen: list[list[Any]] = []
        trainable = {v.op.name for v in graph.get_collection("trainable_variables")}
        for key in ("variables", "local_variables"):
            for v in graph.get_collection(key):
                if [v.op.name, v.op.name in trainable] not in seen:
                    seen.append([v.op.name, v.op.name in trainable])
        return seen
    if hasattr(graph, "weights"):  # a Keras model
        return [[v.path, bool(v.trainable)] for v in graph.weights]
    return []  # a ConcreteFunction: its variables are not compared


def _shapes(value: Any) -> dict[str, list[int]]:
    """The shape of every trainable variable of a built TF1 graph (what an added weight
    counts), else nothing."""
    graph = value[0] if isinstance(value, tuple) else value
    if not hasattr(graph, "get_collection"):
        return {}
    return {v.op.name: v.shape.as_list() for v in graph.get_collection("trainable_variables")}
