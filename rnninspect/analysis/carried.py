"""A stateful RNN's carried state: what the model keeps between calls (Keras `stateful=True`).

Such a variable is neither a weight nor training machinery. The rule: a variable that is
**not trainable**, that the model's forward pass **reads**, and that an assignment **writes
with a value made from a recurrent cell's weight reads** (the state the recurrence ends
with, which the next call starts from) is the recurrence's carried state.

Guarantee, for any program: a weight (trainable) never qualifies; optimizer slots, step
counters, learning rates and moving averages never do either — the forward pass does not
read them, or they are written from the weights themselves (an increment, not an
assignment of what a cell computed); a non-trainable initial state that nothing writes
back is not carried. Cost: one ancestor search per non-trainable variable the forward pass
reads and an assignment writes.
"""

from __future__ import annotations

import networkx as nx

from rnninspect.analysis.facts import VarFacts
from rnninspect.analysis.opgraph import OpGraph

# Ops that set a variable to a value (not an increment: AssignAdd/AssignSub update averages)
ASSIGN_OPS = frozenset({"Assign", "AssignVariableOp"})


def carried_states(og: OpGraph, facts: dict[str, VarFacts]) -> set[str]:
    """The variable nodes that hold a recurrence's state between calls."""
    cell_reads = {u.node for f in facts.values() if f.cell is not None and f.var.trainable
                  for u in f.uses}
    out: set[str] = set()
    for node, f in facts.items():
        if f.var.trainable or not f.uses or node not in og.graph:
            continue
        for write in og.graph.successors(node):
            refs = og.inputs.get(write, [])
            if og.op(write) not in ASSIGN_OPS or len(refs) < 2 or refs[0][0] != node:
                continue
            value = refs[1][0]
            if value in cell_reads or cell_reads & nx.ancestors(og.graph, value):
                out.add(node)
                break
    return out
