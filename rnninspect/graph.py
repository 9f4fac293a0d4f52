"""A traced model as plain values: what the analysis reads. No TensorFlow import.

`Traced` is what `rnninspect.tf.trace` produces and `rnninspect.analysis` consumes: a
`GraphSpec` (the GraphDef, function library included) plus the variable table keyed by
identity. It holds only plain values, so it pickles across the TF1 worker's process boundary.

Tensor references are ``"node:index"`` with a flat output index, also inside functions
(the trace step rewrites TensorFlow's ``node:out_arg:index`` form), so the analysis never
needs TensorFlow's op registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

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

    def timed(self, stage: str, seconds: float) -> Traced:
        """A copy with `seconds[stage]` set (a Traced is never patched in place)."""
        return replace(self, seconds={**self.seconds, stage: seconds})
