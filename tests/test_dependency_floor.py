"""Issue 11 item 11: the networkx floor in pyproject.toml is one we can run on.

`export --format json` calls ``nx.node_link_data(g, edges="edges")`` and reads it back with
``nx.node_link_graph(..., edges="edges")``; the ``edges`` keyword first appeared in networkx
3.4 (3.2 and 3.3 raise TypeError). No older networkx can be installed offline here, so the
floor is raised to 3.4 rather than supporting 3.2/3.3 untested (3.6, the version installed
here, would exclude Python 3.10, which the project supports)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import networkx as nx

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
FIRST_WITH_EDGES_KEYWORD = (3, 4)


def floor(package: str) -> tuple[int, ...]:
    text = PYPROJECT.read_text(encoding="utf-8")  # no tomllib: Python 3.10 is supported
    found = re.search(rf'^\s*"{package}>=([\d.]+)', text, re.MULTILINE)
    assert found, package
    return tuple(int(x) for x in found.group(1).split("."))


def test_networkx_floor_has_the_edges_keyword_we_use():
    assert floor("networkx") >= FIRST_WITH_EDGES_KEYWORD
    for fn in (nx.node_link_data, nx.node_link_graph):
        assert "edges" in inspect.signature(fn).parameters


def test_installed_networkx_is_within_the_declared_range():
    installed = tuple(int(x) for x in re.findall(r"\d+", nx.__version__)[:2])
    assert installed >= floor("networkx")[:2]
