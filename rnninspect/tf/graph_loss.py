"""Which copy of a TF1 graph to differentiate, and which scalar is its loss.

Both are decided by structure. Copies come from `rnninspect.analysis.copies` (the training
copy by default). The program's own loss is the tensor whose *shape* seeds `tf.gradients`
(`ones(shape(loss))` inside the gradient scope): the scalar the training ops differentiate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rnninspect.analysis.grads import SUM_OF_SQUARES
from rnninspect.analysis.training import OBSERVER_OPS, in_gradient_scope
from rnninspect.errors import InvalidOptionError


@dataclass(frozen=True)
class CopyChoice:
    names: tuple[str, ...]  # every copy, in graph order (() when there is one)
    chosen: str | None
    outputs: tuple[str, ...]  # the chosen copy's model outputs
    nodes: frozenset[str] | None  # its ops (None: the whole graph)


def choose_copy(graph: Any, inputs: list[str], outputs: list[str], model: str,
                copy: str | None) -> CopyChoice:
    from rnninspect.analysis.copies import find_copies
    from rnninspect.analysis.opgraph import build_opgraph
    from rnninspect.analysis.reads import computation_nodes
    from rnninspect.graph import VARIABLE_OPS
    from rnninspect.tf.trace import graph_spec_from_graph_def

    og = build_opgraph(graph_spec_from_graph_def(graph.as_graph_def(add_shapes=True)))
    computation = computation_nodes(og, outputs)
    variables = [op.name for op in graph.get_operations() if op.type in VARIABLE_OPS]
    parts = find_copies(og, computation, outputs, variables)
    if not parts:
        if copy is not None:
            raise InvalidOptionError(
                f"--copy {copy}: {model} holds one copy of the model; leave --copy out")
        return CopyChoice((), None, tuple(outputs), None)
    names = tuple(p.name for p in parts)
    if copy is None:  # the training copy, else one with a float output to build a loss from
        part = min(parts, key=lambda p: (not p.training, not _has_float(graph, p.outputs),
                                         -len(p.nodes)))
    else:
        found = [p for p in parts if p.name == copy]
        if not found:
            raise InvalidOptionError(
                f"--copy {copy}: {model} has no such copy; its copies are {', '.join(names)}")
        part = found[0]
    return CopyChoice(names, part.name, part.outputs, part.nodes)


def _has_float(graph: Any, outputs: tuple[str, ...]) -> bool:
    return any(t.dtype.is_floating for name in outputs
               for t in graph.get_operation_by_name(name).outputs)


def find_loss(tf: Any, graph: Any, choice: CopyChoice, loss_name: str | None
              ) -> tuple[Any, str]:
    """The loss tensor and how it was chosen (said in the report's header)."""
    if loss_name is not None:
        return named_loss(graph, loss_name), f"--loss {loss_name}"
    trained = differentiated(graph, choice.nodes)
    if trained is not None:
        return trained, f"{trained.name}, the scalar the program's training ops differentiate"
    floats = [t for name in choice.outputs for t in graph.get_operation_by_name(name).outputs
              if t.dtype.is_floating]
    scalars = [t for t in floats if t.shape.rank == 0]
    if len(scalars) == 1:  # a cost the program computes (a metric, an untrained copy)
        return scalars[0], (f"{scalars[0].name}, the model's scalar output (a loss the "
                            "program computes; no training op differentiates it)")
    if not floats:
        raise InvalidOptionError(
            "the model has no float output to build a loss from; name one with --loss NAME")
    with graph.as_default(), tf.name_scope("rnninspect_loss"):
        loss = tf.add_n([tf.reduce_sum(tf.square(tf.cast(t, tf.float32))) for t in floats])
    return loss, SUM_OF_SQUARES + f": {', '.join(t.name for t in floats)}"


def named_loss(graph: Any, name: str) -> Any:
    tensor_name = name if ":" in name else f"{name}:0"
    try:
        tensor = graph.get_tensor_by_name(tensor_name)
    except (KeyError, ValueError):
        raise InvalidOptionError(
            f"--loss {name}: the graph has no tensor {tensor_name!r}; name an op or tensor of "
            "the model (e.g. the program's cost)") from None
    if not tensor.dtype.is_floating:
        raise InvalidOptionError(
            f"--loss {name}: {tensor_name} is {tensor.dtype.name}, not a float scalar")
    if tensor.shape.rank is None or tensor.shape.num_elements() != 1:
        raise InvalidOptionError(
            f"--loss {name}: {tensor_name} has shape {tensor.shape}, not a scalar; reduce it "
            "(e.g. tf.reduce_mean) and name the result")
    return tensor


def differentiated(graph: Any, nodes: frozenset[str] | None) -> Any:
    """The float scalar the program's gradient ops differentiate, inside `nodes`: a tensor
    whose value nothing outside the gradient scope reads, and through whose op the gradient
    ops run — they read the op's inputs (`Mean`'s gradient reads `Mean`'s input), or, where
    TensorFlow folded every shape into constants, they are built in the op's ``X_grad``
    scope. The last such in graph order, else None."""
    gradient_reads: set[str] = set()
    through: set[str] = set()  # forward ops that have a gradient function in the graph
    for op in graph.get_operations():
        if in_gradient_scope(op.name):
            gradient_reads.update(t.name for t in op.inputs)
            through.update(_forward_names(op.name))
    if not gradient_reads:
        return None
    found = None
    for op in graph.get_operations():
        if in_gradient_scope(op.name) or len(op.outputs) != 1 or not op.inputs:
            continue
        tensor = op.outputs[0]
        if not tensor.dtype.is_floating or tensor.shape.rank is None:
            continue
        if tensor.shape.num_elements() != 1 or (nodes is not None and op.name not in nodes):
            continue
        if any(not in_gradient_scope(c.name) and c.type not in _LOOKS_ONLY
               and c.type not in OBSERVER_OPS for c in tensor.consumers()):
            continue
        if op.name in through or any(t.name in gradient_reads for t in op.inputs):
            found = tensor
    return found


# consumers that leave a tensor a candidate loss: shape reads, and the Identity a function
# returns its result through (observers — a logged or printed loss — too: OBSERVER_OPS)
_LOOKS_ONLY = frozenset({"Shape", "Size", "Rank", "Identity"})


def _forward_names(name: str) -> list[str]:
    """The forward ops a gradient op may belong to: TF1 `gradients/Train/Sum_grad/Reshape`
    -> `Train/Sum`; a TF2 tape builds in the forward op's own scope,
    `fn/gradient_tape/loss/div_no_nan/Mul` -> `fn/loss`, `fn/loss/div_no_nan` (and the
    names without the outer prefix)."""
    parts = name.split("/")
    start = next(i for i, p in enumerate(parts[:-1])
                 if p in ("gradients", "gradient_tape") or p.startswith("gradients_"))
    outer, rest = parts[:start], parts[start + 1:]
    for end in range(len(rest) - 1):
        if rest[end].endswith("_grad"):
            inner = [*rest[:end], rest[end].removesuffix("_grad")]
            break
    else:
        inner = []
    forward = ["/".join(rest[:end]) for end in range(1, len(rest))] + ["/".join(inner)]
    # the gradient scope may sit in a name scope (tf.gradients called inside it) or under an
    # import prefix that the forward ops carry too: both readings
    return [name for f in forward if f for name in (f, "/".join([*outer, f]))]
