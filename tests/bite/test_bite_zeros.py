"""liveness.Zeros on hand-written GraphSpecs: which tensors are always zero (constants,
fills, rearrangements, products, concatenations, the state of a loop that runs once), and
which weights only ever multiply such a tensor."""

from __future__ import annotations

import pytest

from rnninspect.analysis.facts import VarFacts
from rnninspect.analysis.liveness import Zeros
from rnninspect.analysis.opgraph import build_opgraph
from rnninspect.analysis.reads import Use
from rnninspect.graph import FunctionSpec, GraphSpec, NodeSpec, TracedVariable


def _n(name: str, op: str, *inputs: str, **kw: object) -> NodeSpec:
    return NodeSpec(name, op, tuple(inputs), **kw)  # type: ignore[arg-type]


NODES = (
    _n("x", "Placeholder"), _n("dims", "Const"), _n("axis", "Const"),
    _n("c0", "Const", value=0.0), _n("c1", "Const", value=1.0), _n("hc", "HostConst", value=0.0),
    _n("zl", "ZerosLike", "x:0"), _n("zs", "Zeros"),
    _n("fill0", "Fill", "dims:0", "c0:0"), _n("fill1", "Fill", "dims:0", "c1:0"),
    _n("fill_short", "Fill", "c0:0"),
    _n("reshaped", "Reshape", "c0:0", "dims:0"), _n("reshape_x", "Reshape", "x:0", "c0:0"),
    _n("no_input", "Identity"),
    _n("m0", "Mul", "x:0", "c0:0"), _n("m1", "Mul", "x:0", "c1:0"),
    _n("cat0", "ConcatV2", "c0:0", "zl:0", "axis:0"),
    _n("cat1", "ConcatV2", "c0:0", "x:0", "axis:0"), _n("cat_axis", "ConcatV2", "c0:0"),
    _n("pk0", "Pack", "c0:0", "hc:0"), _n("pk1", "Pack", "c0:0", "x:0"), _n("pk_empty", "Pack"),
    _n("relu", "Relu", "c0:0"),
    _n("a", "Identity", "b:0"), _n("b", "Identity", "a:0"),  # a cycle: not proven zero
    _n("w", "VarHandleOp"), _n("read", "ReadVariableOp", "w:0"),
    _n("mm0", "MatMul", "c0:0", "read:0"), _n("mm_x", "MatMul", "x:0", "read:0"),
    _n("add", "AddV2", "read:0", "c0:0"),
    *(_n(f"i{k}", "Identity", f"i{k - 1}:0" if k else "c0:0") for k in range(80)),
)


@pytest.fixture(scope="module")
def zeros() -> Zeros:
    return Zeros(build_opgraph(GraphSpec(NODES)))


@pytest.mark.parametrize(("node", "zero"), [
    ("c0", True), ("c1", False), ("hc", True), ("zl", True), ("zs", True),
    ("fill0", True), ("fill1", False), ("fill_short", False),
    ("reshaped", True), ("reshape_x", False), ("no_input", False),
    ("m0", True), ("m1", False), ("cat0", True), ("cat1", False), ("cat_axis", False),
    ("pk0", True), ("pk1", False), ("pk_empty", False), ("relu", False), ("x", False),
    ("a", False), ("ghost", False),
])
def test_always_zero(zeros: Zeros, node: str, zero: bool) -> None:
    assert zeros.zero((node, 0)) is zero
    assert zeros.zero((node, 0)) is zero  # memoized: the same answer again


# i_k reaches the constant at depth k + 1: proven while that is below 64
@pytest.mark.parametrize(("node", "zero"), [("i10", True), ("i62", True), ("i63", False),
                                            ("i70", False)])
def test_a_chain_deeper_than_64_is_not_proven(node: str, zero: bool) -> None:
    assert Zeros(build_opgraph(GraphSpec(NODES))).zero((node, 0)) is zero


def _facts(*uses: Use) -> VarFacts:
    return VarFacts(TracedVariable("w", "w", (2, 2), "float32", True), list(uses))


def test_a_weight_is_dead_when_every_read_multiplies_zero(zeros: Zeros) -> None:
    on_zero, on_x = Use("mm0", "MatMul", 1, False), Use("mm_x", "MatMul", 1, False)
    assert zeros.dead(_facts(on_zero))
    assert not zeros.dead(_facts(on_zero, on_x))
    assert not zeros.dead(_facts(on_zero, Use("add", "AddV2", 0, False)))
    assert not zeros.dead(_facts())


def _loop(steps: int) -> Zeros:
    body = FunctionSpec("body", ("lst", "h"), ("variant", "float32"), ("lst:0", "h2:0"), (
        _n("idx", "Const"), _n("es", "Const"),
        _n("item", "TensorListGetItem", "lst:0", "idx:0", "es:0"),
        _n("h2", "AddV2", "h:0", "item:0"),
    ))
    return Zeros(build_opgraph(GraphSpec((
        _n("seq", "Placeholder", shapes=((steps, 2, 3),)), _n("eshape", "Const"),
        _n("tl", "TensorListFromTensor", "seq:0", "eshape:0"),
        _n("h0", "Const", value=0.0, shapes=((2, 3),)),
        _n("loop", "While", "tl:0", "h0:0", functions=(("body", "body"),)),
    ), {"body": body})))


@pytest.mark.parametrize(("steps", "zero"), [(1, True), (3, False)])
def test_the_state_of_a_loop_that_runs_once_from_zeros(steps: int, zero: bool) -> None:
    zeros = _loop(steps)
    assert zeros.once == ({"loop"} if steps == 1 else set())
    assert zeros.zero(("loop/h", 0)) is zero
