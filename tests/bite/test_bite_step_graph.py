"""The op-level graph of one step (`Inspection.step_graph`, the step diagram): the ops
between that step's reads and the next step's, each weight's read, the gate activations,
edges in dataflow order."""

from __future__ import annotations

import pytest

from rnninspect.analysis.links import HIDDEN_OPS
from rnninspect.model import Inspection

T = 3
GATES = {"legacy": {"i": "Sigmoid", "j": "Tanh", "f": "Sigmoid", "o": "Sigmoid"},
         "keras": {"i": "Sigmoid", "f": "Sigmoid", "c": "Tanh", "o": "Sigmoid"}}
READ_OPS = {"kernel": "MatMul", "recurrent_kernel": "MatMul", "bias": "BiasAdd"}


def _ptb(fresh, dialect: str, step: int | None = None) -> Inspection:
    ins: Inspection = fresh("ptb", detail_step=step, dialect=dialect, config="test",
                            num_steps=T, layers=1)
    return ins


def _check_shape(ins: Inspection) -> None:
    sg = ins.step_graph
    assert sg is not None
    ids = [o.id for o in sg.ops]
    assert len(set(ids)) == len(ids)
    for o in sg.ops:
        assert o.op == o.label, o.id
        assert o.op not in HIDDEN_OPS or o.reads is not None, o.id
    position = {op_id: k for k, op_id in enumerate(ids)}
    assert sg.edges and all(position[a] < position[b] for a, b in sg.edges)  # dataflow order


@pytest.mark.parametrize("dialect", ["legacy", "keras"])
def test_the_default_step_is_1_with_every_cell_weight_read_once(fresh, dialect: str) -> None:
    ins = _ptb(fresh, dialect)
    sg = ins.step_graph
    assert sg is not None and sg.step == 1
    _check_shape(ins)
    cell = ins.cells[0].variables
    reads = {o.reads: o.op for o in sg.ops if o.reads}
    assert sorted(reads) == sorted(cell)
    assert all(op == READ_OPS[name.rsplit("/", 1)[1]] for name, op in reads.items())
    assert {o.gate: o.op for o in sg.ops if o.gate} == GATES[dialect]
    targets = {b for _, b in sg.edges}
    assert all(o.id in targets for o in sg.ops if o.gate)  # fed by the split


def test_another_step_has_its_own_ops(fresh) -> None:
    one, two = _ptb(fresh, "legacy"), _ptb(fresh, "legacy", 2)
    assert one.step_graph is not None and two.step_graph is not None
    assert two.step_graph.step == 2
    _check_shape(two)
    assert {o.gate for o in two.step_graph.ops if o.gate} == set(GATES["legacy"])
    assert not {o.id for o in one.step_graph.ops} & {o.id for o in two.step_graph.ops}


def test_without_chains_the_step_is_its_reads(fresh) -> None:
    ins = fresh("ptb-noreuse", dialect="legacy", config="test", num_steps=T, layers=1)
    sg = ins.step_graph
    assert sg is not None and sg.step == 1
    assert sorted(o.reads for o in sg.ops) == sorted(
        v.name for v in ins.variables if v.steps == (1,))
    assert len(sg.edges) == 1  # the kernel's matmul feeds the bias add
