"""Checks of a GraphDef's function library made before TensorFlow imports it."""

from __future__ import annotations

from typing import Any

from rnninspect.errors import ModelSourceError


def refuse_recursive_functions(graph_def: Any, spec: str) -> None:
    """Refuse a GraphDef whose function library calls itself (f calls f, or f → g → f):
    TensorFlow's importer recurses through calls and dies of a stack overflow (a segfault,
    no error) on such a graph, and no TensorFlow program can write one."""
    library = {f.signature.name: f for f in graph_def.library.function}
    calls = {name: sorted(_called(f.node_def, library)) for name, f in library.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in sorted(calls):
        path = [root]
        stack = [iter(calls[root])]
        state[root] = state.get(root) or 1
        if state[root] == 2:
            continue
        while stack:  # depth-first, explicit (a library may be deep)
            callee = next(stack[-1], None)
            if callee is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(callee) == 1:
                cycle = " → ".join([*path[path.index(callee):], callee])
                raise ModelSourceError(
                    f"{spec!r} holds functions that call themselves ({cycle}), which no "
                    f"TensorFlow program writes and TensorFlow's importer crashes on; the "
                    f"file is damaged or made to crash readers: write it again from the model")
            elif state.get(callee) is None:
                state[callee] = 1
                path.append(callee)
                stack.append(iter(calls[callee]))


def _called(nodes: Any, library: dict[str, Any]) -> set[str]:
    """The library functions `nodes` call: by op name, or through a function attribute
    (PartitionedCall's `f`, While's `cond` and `body`, If's branches, lists of them)."""
    found = set()
    for node in nodes:
        if node.op in library:
            found.add(node.op)
        for attr in node.attr.values():
            if attr.HasField("func"):
                found.add(attr.func.name)
            found.update(f.name for f in attr.list.func)
    return found & set(library)
