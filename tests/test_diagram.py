"""Diagrams: golden DOT for small models, each paired with structural checks on an edge dict.

Regenerate the golden files with ``RNNINSPECT_OVERWRITE=1 pytest tests/test_diagram.py``
(tests/conftest.py belongs to the core, so the switch is an environment variable); the
structural checks below still run, so a regeneration cannot approve a regression unnoticed.
"""

from __future__ import annotations

import pickle
import re
from collections import defaultdict
from itertools import pairwise

import graphviz
import pytest

from rnninspect.errors import InvalidOptionError
from rnninspect.model import Cell, Inspection, Placement, Role, StepGraph, StepOp
from rnninspect.render.blocks import flow
from rnninspect.render.diagram import estimate_nodes, to_dot
from rnninspect.render.labels import NodeIds, esc
from tests.helpers import check_golden
from tests.models.inspections import lstm_step_graph, mnist_like, ptb_like, var

_EDGE = re.compile(r"^\s*(\S+) -> (\S+)(?: \[(.*)\])?$")
_NODE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*) \[")


def edges(g: graphviz.Digraph) -> dict[str, list[str]]:
    """Visible edges as {tail: [head, ...]} in dataflow direction (``dir=back`` undone)."""
    out: dict[str, list[str]] = defaultdict(list)
    for line in g.source.splitlines():
        m = _EDGE.match(line)
        if not m:
            continue
        a, b, attrs = m.group(1), m.group(2), m.group(3) or ""
        if "style=invis" in attrs:
            continue
        if "dir=back" in attrs:
            a, b = b, a
        out[a].append(b)
    return dict(out)


def nodes(g: graphviz.Digraph) -> list[str]:
    return [
        m.group(1)
        for line in g.source.splitlines()
        if (m := _NODE.match(line)) and not line.lstrip().startswith(("graph", "node", "edge"))
    ]


def step_nodes(g: graphviz.Digraph) -> list[str]:
    return [n for n in nodes(g) if n.startswith("step_")]


# -- golden files ------------------------------------------------------------------------------

CASES = {
    "ptb4_rolled": (lambda: ptb_like(4), "rolled", {}),
    "ptb4_unrolled": (lambda: ptb_like(4), "unrolled", {}),
    "ptb20_unrolled_head2": (lambda: ptb_like(20), "unrolled", {"head": 2}),
    "ptb_step": (lambda: ptb_like(4), "step", {}),
    "mnist_rolled": (lambda: mnist_like(), "rolled", {}),
    "mnist_unrolled": (lambda: mnist_like(), "unrolled", {}),
    "noreuse3_rolled": (lambda: ptb_like(3, noreuse=True), "rolled", {}),
    "noreuse3_unrolled": (lambda: ptb_like(3, noreuse=True), "unrolled", {}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_dot(name: str) -> None:
    make, view, opts = CASES[name]
    check_golden(f"diagram/{name}.dot", to_dot(make(), view, **opts).source)


# -- structure -----------------------------------------------------------------------------------

KERNEL0 = "var_model_RNN_multi_rnn_cell_cell_0_basic_lstm_cell_kernel"


def test_unrolled_shared_kernel_is_one_node_with_an_edge_to_every_step() -> None:
    t = 4
    g = to_dot(ptb_like(t), "unrolled")
    e = edges(g)
    assert nodes(g).count(KERNEL0) == 1
    for layer in (0, 1):
        kernel = f"var_model_RNN_multi_rnn_cell_cell_{layer}_basic_lstm_cell_kernel"
        assert nodes(g).count(kernel) == 1
        targets = e[kernel]
        assert len(targets) == t
        assert targets == [
            f"step_{s}_model_RNN_multi_rnn_cell_cell_{layer}_basic_lstm_cell" for s in range(t)
        ]
    # state flows step to step in every layer
    for layer in (0, 1):
        for s in range(t - 1):
            a = f"step_{s}_model_RNN_multi_rnn_cell_cell_{layer}_basic_lstm_cell"
            assert f"step_{s + 1}_model_RNN_multi_rnn_cell_cell_{layer}_basic_lstm_cell" in e[a]
    assert len([n for n in nodes(g) if n.startswith("var_")]) == len(ptb_like(t).variables)


def test_unrolled_duplicated_per_step_has_one_node_per_step_in_warning_colour() -> None:
    t = 3
    insp = ptb_like(t, noreuse=True)
    g = to_dot(insp, "unrolled")
    e = edges(g)
    kernels = [n for n in nodes(g) if n.startswith("var_") and n.endswith("_kernel")]
    assert len(kernels) == 2 * t
    for k in kernels:
        assert len(e[k]) == 1
        step = re.search(r"step_(\d+)_multi", k)
        assert step and e[k][0].startswith(f"step_{step.group(1)}_")
    for line in g.source.splitlines():
        if any(line.lstrip().startswith(k + " [") for k in kernels):
            assert "#ffd4c2" in line  # warning fill
    assert "re-created per step" in g.source  # legend entry


def test_long_sequences_collapse_and_size_does_not_grow_with_t() -> None:
    small, large = to_dot(ptb_like(35), "unrolled"), to_dot(ptb_like(1000), "unrolled")
    assert len(nodes(small)) == len(nodes(large))
    assert len(small.source.splitlines()) == len(large.source.splitlines())
    e = edges(large)
    targets = e[KERNEL0]
    assert len(targets) == 5  # steps 0, 1, 2, the elided middle, step 999
    assert targets[-1] == "step_999_model_RNN_multi_rnn_cell_cell_0_basic_lstm_cell"
    assert "× 996 steps" in large.source.replace("&#215;", "×")
    assert re.search(r"label=<&#215; 996>", large.source)  # kernel → elided edge counts its steps


def test_head_sets_the_steps_drawn_before_the_elided_middle() -> None:
    g = to_dot(ptb_like(20), "unrolled", head=5)
    layer0 = [n for n in step_nodes(g) if n.endswith("cell_0_basic_lstm_cell")]
    assert layer0 == [
        f"step_{s}_model_RNN_multi_rnn_cell_cell_0_basic_lstm_cell" for s in (0, 1, 2, 3, 4)
    ] + [
        "step_elided_model_RNN_multi_rnn_cell_cell_0_basic_lstm_cell",
        "step_19_model_RNN_multi_rnn_cell_cell_0_basic_lstm_cell",
    ]
    full = to_dot(ptb_like(20), "unrolled", head=None)
    assert len(edges(full)[KERNEL0]) == 20


def test_rolled_view_has_each_weight_once_and_a_self_loop_per_cell() -> None:
    insp = ptb_like(20)
    g = to_dot(insp, "rolled")
    e = edges(g)
    var_nodes = [n for n in nodes(g) if n.startswith("var_")]
    assert len(var_nodes) == len(insp.variables)
    for layer in (0, 1):
        cell = f"cell_model_RNN_multi_rnn_cell_cell_{layer}_basic_lstm_cell"
        assert cell in e[cell]  # self-loop
        assert e[f"var_model_RNN_multi_rnn_cell_cell_{layer}_basic_lstm_cell_kernel"] == [cell]
    assert "T = 20 steps" in g.source and "carries c, h" in g.source
    assert "rows 0&#8211;199" in g.source and "rows 200&#8211;399" in g.source  # fused row split
    chain = [
        "input_model_input_data",
        "var_model_embedding",
        "cell_model_RNN_multi_rnn_cell_cell_0_basic_lstm_cell",
    ]
    for a, b in pairwise(chain):
        assert b in e[a]


def test_rolled_projection_outside_the_cell_cluster() -> None:
    g = to_dot(mnist_like(), "rolled")
    src = g.source
    rec = src.index("subgraph cluster_recurrence")
    declared = src.index("\tvar_Variable [")
    assert declared < rec  # declared at top level, before (outside) the recurrence cluster
    e = edges(g)
    assert e["input_x"] == ["var_Variable"]
    assert e["var_Variable"] == ["var_Variable_2"]  # bias chained after its weight
    assert e["var_Variable_2"] == ["cell_rnn_basic_lstm_cell"]


def test_derived_flow_matches_the_links() -> None:
    with_links, without = ptb_like(4), ptb_like(4, links=False)
    main = [(a, b) for a, b in flow(with_links) if "softmax_b" not in (a, b)]
    derived = flow(without)
    for edge in main:
        assert edge in derived or edge == ("model/softmax_w", "output:model/logits")


def test_step_view_marks_reads_and_gates() -> None:
    g = to_dot(ptb_like(4), "step")
    e = edges(g)
    assert e[KERNEL0.replace("var_", "var_")] == ["op_matmul"]
    for gate in ("i", "j", "f", "o"):
        assert f"gate {gate}" in g.source
    assert "gate order i j f o" in g.source


def test_step_view_errors() -> None:
    with pytest.raises(InvalidOptionError, match="step graph"):
        to_dot(ptb_like(4, step_graph=False), "step")
    with pytest.raises(InvalidOptionError, match="step 1 only"):
        to_dot(ptb_like(4), "step", step=2)
    with pytest.raises(InvalidOptionError, match=r"0\.\.3"):
        to_dot(ptb_like(4), "step", step=7)


def test_a_pickled_copy_draws_the_same_bytes() -> None:  # nothing keyed by object identity
    insp = ptb_like(20)
    again = pickle.loads(pickle.dumps(insp))
    assert to_dot(insp, "unrolled").source == to_dot(again, "unrolled").source


def test_guard_rail_refuses_huge_drawings_and_suggests_head() -> None:
    insp = ptb_like(1000, noreuse=True, step_graph=False)
    with pytest.raises(InvalidOptionError, match="head"):
        to_dot(insp, "unrolled", head=None)
    assert estimate_nodes(insp, to_dot.__globals__["View"].UNROLLED, head=3) < 100
    to_dot(insp, "unrolled")  # collapsed: fine
    with pytest.raises(InvalidOptionError, match="about"):
        to_dot(ptb_like(4), "rolled", max_nodes=3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"view": "sideways"}, "view must be one of rolled, unrolled, step; got 'sideways'"),
        ({"head": 0}, "head must be"),
        ({"max_nodes": 0}, "max_nodes must be"),
        ({"view": "rolled", "step": 2}, "step applies to view='step' only"),
    ],
)
def test_bad_options_name_the_value(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidOptionError, match=re.escape(match) if "'" in match else match):
        to_dot(ptb_like(4), **kwargs)  # type: ignore[arg-type]


# -- escaping ------------------------------------------------------------------------------------

NASTY = 'sc<o>pe&"q"[0]/ünï→ \\N:port/kernel'


def nasty_inspection() -> Inspection:
    cell = 'cell<&">[1]'
    k = var(
        NASTY, (4, 8), Role.INPUT_HIDDEN_FUSED, Placement.CELL, cell=cell, layer=0, steps=(0, 1)
    )
    return Inspection(
        model='m<"&>',
        dialect="keras",
        config=(),
        num_steps=2,
        total_params=32,
        logical_params=64,
        variables=(k,),
        cells=(Cell(cell, 0, "RNN", 4, (), ("h",), (k.name,), 2, False),),
        findings=(),
        inputs=("in:put<1>",),
        outputs=("out]put",),
        step_graph=StepGraph(0, (StepOp("a:b<c>", "MatMul", "x<y>", reads=NASTY),), ()),
    )


def test_escape_helper() -> None:
    assert esc('<a & "b">') == "&lt;a &amp; &quot;b&quot;&gt;"
    assert esc("ü→[]") == "&#252;&#8594;&#91;&#93;"
    assert esc("a\\N") == "a&#92;N"
    ids = NodeIds()
    assert ids("var", "a:b") == "var_a_b"
    assert ids("var", "a/b") == "var_a_b_2"
    assert ids("var", "a:b") == "var_a_b"


@pytest.mark.parametrize("view", ["rolled", "unrolled", "step"])
def test_model_text_is_escaped_everywhere(view: str) -> None:
    src = to_dot(nasty_inspection(), view).source
    assert src.isascii()
    for raw in ("<o>", '"q"', "ünï", "<1>", "out]put", "<c>", "<y>", 'm<"&>'):
        assert raw not in src


@pytest.mark.dot
@pytest.mark.parametrize("view", ["rolled", "unrolled", "step"])
def test_escaped_diagrams_render(view: str) -> None:
    svg = to_dot(nasty_inspection(), view).pipe(format="svg").decode("utf-8")
    if view == "step":
        assert "x&lt;y&gt;" in svg  # the op's label
    else:
        assert "sc&lt;o&gt;pe&amp;" in svg
        assert "ünï" in svg or "&#252;n&#239;" in svg


def test_step_graph_fixture_is_consistent() -> None:
    sg = lstm_step_graph("c", 0)
    ids = {op.id for op in sg.ops}
    assert all(a in ids and b in ids for a, b in sg.edges)


# -- real inspections (traced by rnninspect.inspect) ------------------------------------------


@pytest.mark.parametrize("dialect", ["legacy", "keras"])
def test_real_ptb_unrolled_shares_each_cell_weight(inspect_cached, dialect: str) -> None:  # type: ignore[no-untyped-def]
    insp = inspect_cached("ptb", dialect=dialect)
    g = to_dot(insp, "unrolled", head=None)
    e = edges(g)
    ids = NodeIds()
    for v in insp.variables:
        if v.placement is Placement.CELL:
            node = ids("var", v.name)
            assert nodes(g).count(node) == 1
            assert len(e[node]) == insp.num_steps == 20
    collapsed = to_dot(insp, "unrolled")
    assert len(nodes(collapsed)) < len(nodes(g))


def test_real_mnist_rolled_projection_outside_cells(inspect_cached) -> None:  # type: ignore[no-untyped-def]
    insp = inspect_cached("mnist")
    src = to_dot(insp, "rolled").source
    assert src.index("\tvar_Variable [") < src.index("subgraph cluster_recurrence")
    assert "input&#8594;hidden" in src


@pytest.mark.slow  # tracing 1000 steps takes ~15 s
def test_real_long_unroll_stays_small(inspect_cached) -> None:  # type: ignore[no-untyped-def]
    short = to_dot(inspect_cached("ptb", num_steps=35), "unrolled")
    long = to_dot(inspect_cached("ptb", num_steps=1000), "unrolled")
    assert len(nodes(short)) == len(nodes(long))
