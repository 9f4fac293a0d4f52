"""Display names of variables: Keras 3 paths, and one name per variable.

Names are for display only (identity is the graph node); they still must be unique, since
the table, the JSON, the DOT node ids and the exports all key on them.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar


class _Named(Protocol):
    @property
    def name(self) -> str: ...


V = TypeVar("V", bound=_Named)


def unique_names(variables: Sequence[V], renamed: Callable[[V, str], V]) -> list[V]:
    """Every variable's display name made unique, once, where the table is built: the
    second and later variables of one name (in graph order) become `name#2`, `name#3`, ...

    >>> from types import SimpleNamespace as Var
    >>> [v.name for v in unique_names([Var(name=n) for n in ["k", "b", "k", "k#2"]],
    ...                               lambda v, name: Var(name=name))]
    ['k', 'b', 'k#3', 'k#2']
    """
    taken = {v.name for v in variables}
    seen: set[str] = set()
    out = []
    for v in variables:
        if v.name in seen:
            number = 2
            while f"{v.name}#{number}" in taken:
                number += 1
            taken.add(f"{v.name}#{number}")
            v = renamed(v, f"{v.name}#{number}")
        seen.add(v.name)
        out.append(v)
    return out


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
