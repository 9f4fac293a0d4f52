"""Graph exports: GraphML, GEXF and node-link JSON round-trip through networkx."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from rnninspect.errors import InvalidOptionError
from rnninspect.render.graph_export import (
    GRAPH_SCHEMA,
    graph_text,
    parse_steps,
    read_graph,
    to_networkx,
    write_graph,
)
from tests.models.inspections import mnist_like, ptb_like

KERNEL0 = "model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/kernel"


def test_graph_holds_roles_steps_and_sharing() -> None:
    g = to_networkx(ptb_like(5))
    assert g.graph["schema"] == GRAPH_SCHEMA
    k = g.nodes[KERNEL0]
    assert k["role"] == "input_hidden_fused"
    assert parse_steps(k["steps"]) == (0, 1, 2, 3, 4)
    assert k["shared"] is True and k["rows_input"] == "0:200"
    assert g.edges[KERNEL0, "model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell"]["kind"] == "weight"
    assert g.nodes["model/embedding"]["steps"] == ""
    assert nx.has_path(g, "input:model/input_data", "output:model/logits")
    assert sum(d["params"] for _, d in g.nodes(data=True) if d["kind"] == "variable") == (
        ptb_like(5).total_params
    )


def test_derived_flow_when_links_are_missing() -> None:
    g = to_networkx(mnist_like())
    assert nx.has_path(g, "input:x", "output:pred")
    assert g.nodes["Variable"]["placement"] == "before"


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
@pytest.mark.parametrize(
    "make", [lambda: ptb_like(4), lambda: ptb_like(3, noreuse=True), mnist_like]
)
def test_round_trip(tmp_path: Path, fmt: str, make) -> None:  # type: ignore[no-untyped-def]
    insp = make()
    original = to_networkx(insp)
    path = write_graph(insp, tmp_path / f"graph.{fmt}")
    back = read_graph(path)
    assert sorted(back.nodes) == sorted(original.nodes)
    assert sorted(back.edges) == sorted(original.edges)
    for n, attrs in original.nodes(data=True):
        got = back.nodes[n]
        assert {k: got[k] for k in attrs} == attrs, n
    for a, b, attrs in original.edges(data=True):
        got = back.edges[a, b]
        assert {k: got[k] for k in attrs} == attrs


def test_json_is_node_link() -> None:
    data = json.loads(graph_text(ptb_like(2), "json"))
    assert {"nodes", "edges", "graph", "directed"} <= set(data)
    assert data["directed"] is True


def test_bad_format_names_the_value(tmp_path: Path) -> None:
    with pytest.raises(InvalidOptionError, match="got 'xml'"):
        graph_text(ptb_like(2), "xml")
    with pytest.raises(InvalidOptionError, match="suffix"):
        write_graph(ptb_like(2), tmp_path / "noext")
    assert not list(tmp_path.iterdir())
