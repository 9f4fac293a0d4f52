"""A GraphSpec as one flat networkx DiGraph: ops as nodes, tensors as edges.

Function calls, while-loop bodies and conditional branches (``If``/``Case``) are
inlined: references through function arguments and call results are resolved to the op
that really produces the tensor, so a variable's resource handle inside a loop body is the
same node as outside. Ops of a loop body carry ``loop`` (the While op's id). Loop-carried
float arguments become ``LoopState`` nodes: the previous iteration's state, which is how a
dynamic RNN's recurrence shows up. Every branch of a conditional is inlined (its ops carry
``cond``, the conditional's id); the conditional itself stays as one node that reads each
branch's results, so what follows it depends on whatever either branch computed
(`static_rnn` with `sequence_length` wraps each step in one).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx

from rnninspect.graph import FunctionSpec, GraphSpec, NodeSpec, split_ref

CALL_OPS = frozenset({"PartitionedCall", "StatefulPartitionedCall"})
WHILE_OPS = frozenset({"While", "StatelessWhile"})
COND_OPS = frozenset({"If", "StatelessIf", "Case", "StatelessCase"})
_BRANCH_ATTRS = ("then_branch", "else_branch", "branches")
FLOAT_DTYPES = frozenset({"float16", "bfloat16", "float32", "float64"})
_V1_OPS = frozenset({"Enter", "Merge", "Switch", "NextIteration", "Exit"})  # control flow v1

Ref = tuple[str, int]  # (node id, output index)


@dataclass
class OpGraph:
    graph: nx.DiGraph  # node attrs: op, loop, shapes, value; a LoopState's `next`
    inputs: dict[str, list[Ref]]  # node id -> its data inputs, in order
    specs: dict[str, NodeSpec] = field(default_factory=dict)
    # node id -> its attribute dict: the passes ask for ops hundreds of thousands of times,
    # and networkx's node view costs a lookup chain each time (the graph is not changed
    # after it is built)
    _attrs: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False, compare=False)

    def _node(self, node: str) -> dict[str, Any]:
        attrs = self._attrs.get(node)
        if attrs is None:
            attrs = self._attrs[node] = self.graph.nodes[node]
        return attrs

    def op(self, node: str) -> str:
        return str(self._node(node)["op"])

    def loop(self, node: str) -> str | None:
        loop: str | None = self._node(node).get("loop")
        return loop

    def shape(self, ref: Ref) -> tuple[int | None, ...] | None:
        shapes = self.graph.nodes[ref[0]].get("shapes", ())
        if ref[1] < len(shapes):
            shape: tuple[int | None, ...] | None = shapes[ref[1]]
            return shape
        return None

    def consumers(self, node: str) -> list[str]:
        return list(self.graph.successors(node))


class _Builder:
    def __init__(self, spec: GraphSpec) -> None:
        self.spec = spec
        self.graph = nx.DiGraph()
        self.inputs: dict[str, list[Ref]] = {}
        self.specs: dict[str, NodeSpec] = {}
        # scope prefix -> name -> how to resolve it
        self.scopes: dict[str, dict[str, NodeSpec]] = {}
        self.arg_refs: dict[str, dict[str, tuple[str, str]]] = {}  # prefix -> arg -> (scope, ref)
        self.inlined: dict[str, tuple[str, FunctionSpec]] = {}  # node id -> (prefix, function)
        self.memo: dict[tuple[str, str], Ref] = {}
        self.pending: list[tuple[str, str, NodeSpec]] = []  # (node id, scope, spec)
        # a conditional's node id -> its results in each branch, as (scope, ref)
        self.branch_results: dict[str, list[tuple[str, str]]] = {}
        # a LoopState node -> the body's result for it, as (scope, ref): the next state
        self.loop_next: list[tuple[str, str, str]] = []
        # a conditional's node id -> how many outputs it has (each its own node)
        self.cond_outputs: dict[str, int] = {}
        # (scope, name) of a TF1 loop op -> the ref it stands for (`_add_v1`)
        self.aliases: dict[tuple[str, str], str] = {}

    def add_scope(self, nodes: tuple[NodeSpec, ...], prefix: str, loop: str | None) -> None:
        self.scopes[prefix] = {n.name: n for n in nodes}
        v1 = any(n.op.removeprefix("Ref") in _V1_OPS for n in nodes)  # TF1 loops, tf.cond
        if v1:  # RefEnter, RefSwitch...: the same ops on a ref variable's value
            nodes = tuple(replace(n, op=n.op[3:]) if n.op[3:] in _V1_OPS else n for n in nodes)
            self.scopes[prefix] = {n.name: n for n in nodes}
        frames = _v1_frames(nodes) if v1 else {}
        for node in nodes:
            nid = prefix + node.name
            functions = dict(node.functions)
            if v1 and (node.name in frames or node.op in _V1_OPS):
                frame = frames.get(node.name)
                self._add_v1(node, nid, prefix, f"{prefix}{frame}" if frame else "")
            elif node.op in CALL_OPS and functions.get("f") in self.spec.functions:
                self._inline(node, nid, prefix, self.spec.functions[functions["f"]], loop)
            elif node.op in WHILE_OPS and functions.get("body") in self.spec.functions:
                self._inline_loop(node, nid, prefix, self.spec.functions[functions["body"]], loop)
            elif node.op in COND_OPS and self._branches(node):
                self._inline_cond(node, nid, prefix, self._branches(node), loop)
            else:
                self.graph.add_node(nid, op=node.op, loop=loop, shapes=node.shapes,
                                    value=node.value, name=node.name)
                self.specs[nid] = node
                self.pending.append((nid, prefix, node))

    def _add_v1(self, node: NodeSpec, nid: str, scope: str, loop: str) -> None:
        """An op of a TF1 while loop's frame, put in the form `_inline_loop` gives a While
        body: `Switch` passes its data through (`Switch:1` is the body's value, `Switch:0`
        the exit's); `NextIteration` is the back edge (dropped); a float `Merge` of an
        `Enter` and a `NextIteration` is a `LoopState` whose `next` is what the
        NextIteration feeds back; a non-float one (a counter) is its initial value, as in a
        While body; an `Exit` reads the last iteration's next value."""
        scope_nodes = self.scopes[scope]
        if node.op == "Switch" and node.inputs:
            self.aliases[(scope, node.name)] = node.inputs[0]
            return
        if node.op == "NextIteration":
            return
        back = _v1_back_edge(node, scope_nodes)
        if node.op == "Merge" and back is not None:
            initial = next(r for r in node.inputs if r != back)
            if (node.dtype not in FLOAT_DTYPES or _is_tensor_array_flow(back, scope_nodes)
                    or _passed_on(node, back, scope_nodes)):
                self.aliases[(scope, node.name)] = initial
                return
            self.graph.add_node(nid, op="LoopState", loop=loop, shapes=node.shapes,
                                value=None, name=node.name)
            self.pending.append((nid, scope, NodeSpec(node.name, "LoopState", (initial,))))
            self.loop_next.append((nid, scope, _fed_back(back, scope_nodes)))
            return
        if node.op == "Exit" and node.inputs:
            merge = _v1_merge_of(node.inputs[0], scope_nodes)
            merge_back = _v1_back_edge(merge, scope_nodes) if merge is not None else None
            if merge_back is not None:
                node = NodeSpec(node.name, "Exit", (_fed_back(merge_back, scope_nodes),),
                                node.shapes)
        self.graph.add_node(nid, op=node.op, loop=loop or None, shapes=node.shapes,
                            value=node.value, name=node.name)
        self.specs[nid] = node
        self.pending.append((nid, scope, node))

    def _inline(
        self, node: NodeSpec, nid: str, scope: str, fn: FunctionSpec, loop: str | None
    ) -> None:
        prefix = f"{nid}/"
        self.arg_refs[prefix] = {a: (scope, node.inputs[i]) for i, a in enumerate(fn.args)
                                 if i < len(node.inputs)}
        self.inlined[nid] = (prefix, fn)
        self.add_scope(fn.nodes, prefix, loop)

    def _branches(self, node: NodeSpec) -> list[FunctionSpec]:
        return [self.spec.functions[name] for attr, name in node.functions
                if attr in _BRANCH_ATTRS and name in self.spec.functions]

    def _inline_cond(
        self, node: NodeSpec, nid: str, scope: str, branches: list[FunctionSpec],
        loop: str | None,
    ) -> None:
        """Inline every branch (inputs[0] picks one; the rest are the branches' arguments);
        the conditional node reads the predicate and every branch's results."""
        results: list[tuple[str, str]] = []
        for k, fn in enumerate(branches):
            prefix = f"{nid}/branch{k}/"
            self.arg_refs[prefix] = {a: (scope, node.inputs[i + 1]) for i, a in enumerate(fn.args)
                                     if i + 1 < len(node.inputs)}
            self.add_scope(fn.nodes, prefix, loop)
            for n in fn.nodes:
                if prefix + n.name in self.graph:
                    self.graph.nodes[prefix + n.name]["cond"] = nid
            results += [(prefix, ret) for ret in fn.rets]
        self.graph.add_node(nid, op=node.op, loop=loop, shapes=node.shapes, value=None,
                            name=node.name)
        self.specs[nid] = node
        self.branch_results[nid] = results
        self.pending.append((nid, scope, NodeSpec(node.name, node.op, node.inputs[:1])))
        # One node per output, reading the predicate and that output's result in every
        # branch: a consumer of output k depends on what makes output k, not on every
        # result (static_rnn's sequence_length cond carries every layer's state at once).
        outputs = min((len(fn.rets) for fn in branches), default=0)
        for k in range(outputs):
            out = f"{nid}/output{k}"
            self.graph.add_node(out, op=node.op, loop=loop, value=None, name=node.name,
                                shapes=(node.shapes[k],) if k < len(node.shapes) else ())
            self.branch_results[out] = [(f"{nid}/branch{b}/", fn.rets[k])
                                        for b, fn in enumerate(branches)]
            self.pending.append((out, scope, NodeSpec(node.name, node.op, node.inputs[:1])))
        self.cond_outputs[nid] = outputs

    def _inline_loop(
        self, node: NodeSpec, nid: str, scope: str, body: FunctionSpec, outer: str | None
    ) -> None:
        prefix = f"{nid}/"
        refs: dict[str, tuple[str, str]] = {}
        for i, arg in enumerate(body.args):
            if i >= len(node.inputs):
                break
            invariant = i < len(body.rets) and body.rets[i] == f"{arg}:0"
            if invariant or body.arg_dtypes[i] not in FLOAT_DTYPES:
                refs[arg] = (scope, node.inputs[i])
            else:  # loop-carried state: the previous iteration's value
                state = f"{prefix}{arg}"
                self.graph.add_node(state, op="LoopState", loop=nid, shapes=(), value=None,
                                    name=arg)
                self.pending.append((state, scope, NodeSpec(arg, "LoopState", (node.inputs[i],))))
                refs[arg] = (prefix, f"{arg}@state:0")
                if i < len(body.rets):
                    self.loop_next.append((state, prefix, body.rets[i]))
        self.arg_refs[prefix] = refs
        self.inlined[nid] = (prefix, body)
        self.add_scope(body.nodes, prefix, nid)

    def resolve(self, scope: str, ref: str) -> Ref:
        key = (scope, ref)
        if key in self.memo:
            return self.memo[key]
        name, index = split_ref(ref)
        if (scope, name) in self.aliases:  # a TF1 Switch, or a counter's Merge
            result: Ref = self.resolve(scope, self.aliases[(scope, name)])
        elif name.endswith("@state"):
            result = (scope + name.removesuffix("@state"), 0)
        elif name in self.arg_refs.get(scope, {}):
            outer_scope, outer_ref = self.arg_refs[scope][name]
            result = self.resolve(outer_scope, outer_ref)
        elif scope + name in self.inlined:
            prefix, fn = self.inlined[scope + name]
            result = self.resolve(prefix, fn.rets[index]) if index < len(fn.rets) else (
                scope + name, index)
        elif index < self.cond_outputs.get(scope + name, 0):
            result = (f"{scope}{name}/output{index}", 0)
        else:
            result = (scope + name, index)
        self.memo[key] = result
        return result

    def finish(self) -> OpGraph:
        ports: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for nid, scope, node in self.pending:
            refs = [self.resolve(scope, r) for r in node.inputs]
            refs += [self.resolve(s, r) for s, r in self.branch_results.get(nid, ())]
            self.inputs[nid] = refs
            if node.op == "LoopState" and refs and refs[0][0] in self.graph:
                # The carried state has the shape of its initial value outside the loop.
                shapes = self.graph.nodes[refs[0][0]].get("shapes") or ()
                if refs[0][1] < len(shapes):
                    self.graph.nodes[nid]["shapes"] = (shapes[refs[0][1]],)
            for position, (src, index) in enumerate(refs):
                if src in self.graph:
                    ports.setdefault((src, nid), []).append((index, position))
        self.graph.add_edges_from((a, b, {"ports": p}) for (a, b), p in ports.items())
        for state, scope, ref in self.loop_next:
            # The back edge of the rolled loop, kept as an attribute so the graph stays
            # acyclic: the op whose value the next iteration sees as this state.
            nxt = self.resolve(scope, ref)[0]
            if nxt in self.graph:
                self.graph.nodes[state]["next"] = nxt
        return OpGraph(self.graph, self.inputs, self.specs)


def _v1_frames(nodes: tuple[NodeSpec, ...]) -> dict[str, str]:
    """TF1 control flow (v1): node name -> the innermost while-loop frame it runs in, for
    nodes in a frame. An `Enter` moves its value into its frame, an `Exit` back to the
    enclosing one, any other op runs in the innermost frame of its inputs (ops without
    inputs, a loop's constants, count as outside). Frames are named "outer|inner" (no op name
    holds a "|")."""
    by_name = {n.name: n for n in nodes}
    frame: dict[str, str] = {}

    def inputs(node: NodeSpec) -> list[str]:  # without a loop's back edge
        return [split_ref(r)[0] for r in node.inputs if split_ref(r)[0] in by_name
                and not (node.op == "Merge" and _is_next_iteration(r, by_name))]

    # depth-first with an explicit stack (an unrolled graph's chains are thousands of ops
    # long); what is still open when met again is a cycle and counts as outside
    visiting: set[str] = set()
    for root in nodes:
        stack = [root.name]
        while stack:
            name = stack[-1]
            if name in frame:
                stack.pop()
                continue
            node = by_name[name]
            todo = [i for i in inputs(node) if i not in frame and i not in visiting]
            if name not in visiting and todo:
                visiting.add(name)
                stack.extend(todo)
                continue
            stack.pop()
            visiting.discard(name)
            deepest = max((frame.get(i, "") for i in inputs(node)),
                          key=lambda f: f.count("|") + bool(f), default="")
            if node.op == "Enter":
                deepest = f"{deepest}|{node.frame}" if deepest else str(node.frame)
            elif node.op == "Exit":
                deepest = _parent_frame(deepest)
            frame[name] = deepest
    return {name: f for name, f in frame.items() if f}


def _parent_frame(frame: str) -> str:
    return frame.rpartition("|")[0]


def _is_next_iteration(ref: str, nodes: dict[str, NodeSpec]) -> bool:
    node = nodes.get(split_ref(ref)[0])
    return node is not None and node.op == "NextIteration"


def _v1_back_edge(node: NodeSpec, nodes: dict[str, NodeSpec]) -> str | None:
    """A loop `Merge`'s input from its `NextIteration`; None for any other node."""
    if node.op != "Merge":
        return None
    return next((r for r in node.inputs if _is_next_iteration(r, nodes)), None)


def _fed_back(back: str, nodes: dict[str, NodeSpec]) -> str:
    """What a NextIteration feeds back: its own input."""
    return nodes[split_ref(back)[0]].inputs[0]


def _passed_on(merge: NodeSpec, back: str, nodes: dict[str, NodeSpec]) -> bool:
    """Does the loop feed the Merge's value back unchanged (through its Switch and an
    Identity)? A loop invariant, as a lowered While loop carries a weight: no state."""
    node = nodes.get(split_ref(_fed_back(back, nodes))[0])
    for _ in range(8):
        if node is None or node is merge or node.op not in ("Identity", "Switch"):
            break
        node = nodes.get(split_ref(node.inputs[0])[0]) if node.inputs else None
    return node is merge


def _is_tensor_array_flow(back: str, nodes: dict[str, NodeSpec]) -> bool:
    """A TensorArray's flow scalar (float, but no state of the model)."""
    source = nodes.get(split_ref(_fed_back(back, nodes))[0])
    return source is not None and source.op.startswith("TensorArray")


def _v1_merge_of(ref: str, nodes: dict[str, NodeSpec]) -> NodeSpec | None:
    """The loop `Merge` behind an Exit's input (`Switch(Merge, LoopCond):0`)."""
    node = nodes.get(split_ref(ref)[0])
    while node is not None and node.op in ("Switch", "Identity") and node.inputs:
        node = nodes.get(split_ref(node.inputs[0])[0])
    return node if node is not None and node.op == "Merge" else None


def build_opgraph(spec: GraphSpec) -> OpGraph:
    builder = _Builder(spec)
    builder.add_scope(spec.nodes, "", None)
    return builder.finish()
