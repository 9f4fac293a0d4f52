"""Display names of variables: Keras 3 paths, also for the plain tf.Variables a
ConcreteFunction or tf.Module lists (`rnninspect.graph.unique_names` then makes every name
unique once, where `Traced` is built)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from typing import Any


def display_name(var: Any, paths: dict[int, str] | None = None) -> str:
    """A variable's Keras path (its own, else the one `keras_paths` found), else its name."""
    path = getattr(var, "path", None)  # Keras 3: "model/layer/kernel"
    if isinstance(path, str) and path:
        return path
    if paths and id(var) in paths:
        return paths[id(var)]
    return str(var.name).removesuffix(":0")


def keras_paths(variables: Sequence[Any]) -> dict[int, str]:
    """id(tf.Variable) -> the Keras 3 path of the Keras Variable that wraps it, for the
    plain tf.Variables a ConcreteFunction or a tf.Module lists (their own names are the
    `tf.Variable` names, `decoder/kernel` five times over). The wrapper does not hang off
    the tf.Variable, so the live Keras Variables are found once among Python's objects;
    nothing is found (and Keras is not imported) when no Keras Variable exists."""
    keras = sys.modules.get("keras")
    wrapper = getattr(keras, "Variable", None)
    wanted = {id(v) for v in variables if not isinstance(getattr(v, "path", None), str)}
    if not isinstance(wrapper, type) or not wanted:
        return {}
    found: dict[int, str] = {}
    for obj in gc.get_objects():
        if issubclass(type(obj), wrapper):
            inner = getattr(obj, "_value", None)
            path = getattr(obj, "path", None)
            if id(inner) in wanted and isinstance(path, str) and path:
                found[id(inner)] = path
    return found
