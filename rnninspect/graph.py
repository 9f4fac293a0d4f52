"""A traced model as plain values: what the analysis reads. No TensorFlow import.

`Traced` is what `rnninspect.tf.trace` produces and `rnninspect.analysis` consumes: a
`GraphSpec` (the GraphDef, function library included) plus the variable table keyed by
identity. It holds only plain values, so it pickles across the TF1 worker's process boundary.

Tensor references are ``"node:index"`` with a flat output index, also inside functions
(the trace step rewrites TensorFlow's ``node:out_arg:index`` form), so the analysis never
needs TensorFlow's op registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar

# The ops that *are* a variable: its identity (the one list; loaders and tracing share it).
VARIABLE_OPS = frozenset({"VarHandleOp", "VariableV2", "Variable"})


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
    frame: str | None = None  # an `Enter`'s frame_name: the TF1 while loop it enters
    # string attrs that say how a fused RNN op lays out its weights (rnn_mode, direction...)
    str_attrs: tuple[tuple[str, str], ...] = ()

    def int_attr(self, key: str) -> int | None:
        for k, v in self.int_attrs:
            if k == key:
                return v
        return None

    def str_attr(self, key: str) -> str | None:
        for k, v in self.str_attrs:
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


@dataclass(frozen=True)
class TracedVariable:
    name: str  # display name only; identity is `node`
    node: str  # the graph node that *is* the variable (VarHandleOp, VariableV2, or the
    # Placeholder a tf.function captured its resource handle as)
    shape: tuple[int | None, ...]
    dtype: str
    trainable: bool


def is_rng_state(variable: TracedVariable) -> bool:
    """A Keras 3 seed-generator state (dropout RNG): bookkeeping saved beside the weights,
    not a weight. The one rule every loader applies (`rnninspect.tf.trace.captured_variables`)."""
    return not variable.trainable and variable.name.endswith("seed_generator_state")


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


@dataclass(frozen=True)
class Traced:
    model: str
    dialect: str
    config: tuple[tuple[str, Any], ...]
    graph: GraphSpec  # the GraphDef as plain values, function library included
    variables: tuple[TracedVariable, ...]
    inputs: tuple[str, ...]  # node names of the model's inputs
    outputs: tuple[str, ...]  # node names of what the model computes
    seconds: Mapping[str, float] = field(default_factory=dict)  # "build", "trace"
    # user code: (path, sha256) of every source file the build imported, main file first
    sources: tuple[tuple[str, str], ...] = ()
    # a frozen graph: (name, elements) of the float constants that might be weights or not
    # (used elementwise only), so never counted and never dropped in silence
    unproven: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        # Names are for display only, yet the table, JSON, DOT ids and exports key on them:
        # made unique once, here, so every renderer sees the same names.
        object.__setattr__(self, "variables", tuple(
            unique_names(self.variables, lambda v, name: replace(v, name=name))))

    def timed(self, stage: str, seconds: float) -> Traced:
        """A copy with `seconds[stage]` set (a Traced is never patched in place)."""
        return replace(self, seconds={**self.seconds, stage: seconds})
