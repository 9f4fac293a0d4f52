"""A TensorFlow graph as plain values: what the analysis reads. No TensorFlow import.

Tensor references are ``"node:index"`` with a flat output index, also inside functions
(the trace step rewrites TensorFlow's ``node:out_arg:index`` form), so the analysis never
needs TensorFlow's op registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class NodeSpec:
    name: str
    op: str
    inputs: tuple[str, ...]  # data inputs, "node:index"
    shapes: tuple[tuple[int | None, ...] | None, ...] = ()  # static output shapes
    functions: tuple[tuple[str, str], ...] = ()  # (attr, function name): body/cond/f/branches
    int_attrs: tuple[tuple[str, int], ...] = ()  # small integer attrs (num_split, N, axis...)
    value: float | None = None  # scalar or splat constants (forget_bias, split axis, zeros)
    dtype: str | None = None
    ints: tuple[int, ...] | None = None  # short integer constant vectors (slice begins)

    def int_attr(self, key: str) -> int | None:
        for k, v in self.int_attrs:
            if k == key:
                return v
        return None


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    args: tuple[str, ...]  # arg names, in order; nodes refer to them as "arg:0"
    arg_dtypes: tuple[str, ...]  # e.g. "float32", "int32", "resource", "variant"
    rets: tuple[str, ...]  # "node:index" or "arg:0" for each output, in order
    nodes: tuple[NodeSpec, ...]


@dataclass(frozen=True)
class GraphSpec:
    nodes: tuple[NodeSpec, ...]
    functions: dict[str, FunctionSpec] = field(default_factory=dict)


def split_ref(ref: str) -> tuple[str, int]:
    node, _, index = ref.rpartition(":")
    return node, int(index)
