"""Copies: several unrolled instances of one model in one graph, sharing its variables.

The PTB program builds a training, a validation and a test model on one set of weights;
a seq2seq program a training and an inference decoder. Each copy is a part of the
computation with no data path to the others once the variables (and their reads and the
constants) are taken out. Telling them apart keeps their reads from being mistaken for
more time steps or for layers that share a cell.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rnninspect.analysis.opgraph import OpGraph
from rnninspect.analysis.reads import GATHER_OPS, MATMUL_OPS, READ_OPS
from rnninspect.analysis.training import OBSERVER_OPS, training_machinery

# Constants, and the program's inputs: a seq2seq program feeds one input tensor to its
# training model and to its inference encoder.
_SHARED_SOURCES = frozenset({"Const", "HostConst", "Placeholder"})


@dataclass(frozen=True)
class CopyPart:
    name: str
    nodes: frozenset[str]
    outputs: tuple[str, ...]
    batch_size: int | None
    training: bool


def find_copies(
    og: OpGraph, computation: set[str], outputs: Iterable[str], variables: Iterable[str]
) -> list[CopyPart]:
    """The copies in `computation`, in graph order; [] when there are fewer than two parts
    that read common weights."""
    var_nodes = {v for v in variables if v in og.graph}
    shared = set(var_nodes)
    for v in var_nodes:  # a TF1 variable's `read` Identity serves every copy
        shared.update(c for c in og.graph.successors(v) if og.op(c) in READ_OPS)
    shared.update(n for n in computation if og.op(n) in _SHARED_SOURCES)
    shared |= _derived_from(og, computation, {n for n in shared if og.op(n) != "Placeholder"})
    parent = {n: n for n in computation if n not in shared}

    def find(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for node in parent:
        for src, _ in og.inputs.get(node, ()):
            if src in parent:
                a, b = find(src), find(node)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[str, set[str]] = {}
    for node in parent:
        groups.setdefault(find(node), set()).add(node)
    weighted = [(g, _weights_read(og, g, var_nodes, shared)) for g in groups.values()]
    weighted = [(g, w) for g, w in weighted if w]
    if len(weighted) < 2 or not _all_share(w for _, w in weighted):
        return []
    order = {n: i for i, n in enumerate(og.graph)}
    weighted.sort(key=lambda gw: min(order[n] for n in gw[0]))
    training_ops = _training_ops(og)
    names = _names(og, [g for g, _ in weighted])
    outs = list(outputs)
    return [
        CopyPart(
            name=name,
            nodes=frozenset(g),
            outputs=tuple(o for o in outs if o in g),
            batch_size=_batch_size(og, g),
            training=any(c in training_ops and og.op(c) not in OBSERVER_OPS
                         for n in g for c in og.graph.successors(n)),
        )
        for name, (g, _) in zip(names, weighted, strict=True)
    ]


def _derived_from(og: OpGraph, computation: set[str], shared: set[str]) -> set[str]:
    """Ops computed from weights and constants alone (a variable's read through its own
    identities, a weight transposed or sliced): they belong to every copy, as the variable
    does. Inputs are left out of `shared` here: what is computed from them is a copy's."""
    derived: set[str] = set()
    stack = [c for n in shared if n in og.graph for c in og.graph.successors(n)]
    while stack:
        node = stack.pop()
        if node in derived or node in shared or node not in computation:
            continue
        sources = [src for src, _ in og.inputs.get(node, ())]
        if sources and all(src in shared or src in derived for src in sources):
            derived.add(node)
            stack.extend(og.graph.successors(node))
    return derived


def _weights_read(
    og: OpGraph, group: set[str], var_nodes: set[str], shared: set[str]
) -> frozenset[str]:
    """Variables that ops of `group` multiply or gather."""
    found = set()
    for node in group:
        if og.op(node) not in MATMUL_OPS | GATHER_OPS:
            continue
        stack = [src for src, _ in og.inputs.get(node, ())]
        seen: set[str] = set()
        while stack:  # back through the variable's reads (and what is made of it alone)
            src = stack.pop()
            if src in seen:
                continue
            seen.add(src)
            if src in var_nodes:
                found.add(src)
            elif src in shared:
                stack.extend(s for s, _ in og.inputs.get(src, ()))
    return frozenset(found)


def _all_share(weight_sets: Iterable[frozenset[str]]) -> bool:
    sets = list(weight_sets)
    common = frozenset.intersection(*sets)
    return bool(common)


def _training_ops(og: OpGraph) -> set[str]:
    ops = {n: og.op(n) for n in og.graph}
    inputs = {n: [src for src, _ in og.inputs.get(n, ())] for n in og.graph}
    names = {n: str(og.graph.nodes[n].get("name", n)) for n in og.graph}
    return training_machinery(ops, inputs, names)


def _batch_size(og: OpGraph, group: set[str]) -> int | None:
    """The leading dimension of the first input placeholder the copy reads."""
    fed = {src for node in group for src, _ in og.inputs.get(node, ())}
    for node in sorted(group | fed):
        if og.op(node) == "Placeholder":
            shape = og.shape((node, 0))
            if shape:
                return shape[0]
    return None


def _names(og: OpGraph, groups: list[set[str]]) -> list[str]:
    """Each copy's display name: the first name-scope level at which most of each copy's
    ops agree and the copies differ (names are hints; an outer scope every copy shares is
    skipped); else copy 1, copy 2, ..."""
    paths = [[_scoped_name(og, n).split("/") for n in g] for g in groups]
    for depth in range(max((len(p) for ps in paths for p in ps), default=0)):
        names = []
        for g, ps in zip(groups, paths, strict=True):
            scopes = Counter(p[depth] for p in ps if len(p) > depth)
            scope, count = scopes.most_common(1)[0] if scopes else ("", 0)
            names.append(scope if count * 2 > len(g) else "")
        if "" in names:
            break
        if len(set(names)) == len(names):
            return names
        if len(set(names)) > 1:
            break
    return [f"copy {i + 1}" for i in range(len(groups))]


def _scoped_name(og: OpGraph, node: str) -> str:
    """An op's name with the scopes it runs in: an op of a loop body or a conditional's
    branch is named inside its function; its node id carries the enclosing op's path."""
    attrs = og.graph.nodes[node]
    if attrs.get("loop") is not None or attrs.get("cond") is not None:
        return node
    return str(attrs.get("name", node))
