"""save_diagram: formats, atomic writes, and the missing-`dot` fallback."""

from __future__ import annotations

from pathlib import Path

import graphviz
import pytest

from rnninspect.errors import DotRenderError, ExecutableNotFoundError, InvalidOptionError
from rnninspect.render.diagram import to_dot
from rnninspect.render.save import save_diagram
from tests.models.inspections import mnist_like


def test_dot_needs_no_executable(tmp_path: Path) -> None:
    g = to_dot(mnist_like(), "rolled")
    path = save_diagram(g, tmp_path / "m.dot")
    assert path.read_text(encoding="utf-8") == g.source
    assert [p.name for p in tmp_path.iterdir()] == ["m.dot"]


def test_missing_dot_writes_the_dot_file_and_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    g = to_dot(mnist_like(), "rolled")

    def no_dot(*args: object, **kwargs: object) -> bytes:
        raise graphviz.ExecutableNotFound(("dot",))

    monkeypatch.setattr(graphviz.Digraph, "pipe", no_dot)
    with pytest.raises(ExecutableNotFoundError, match="install Graphviz") as info:
        save_diagram(g, tmp_path / "m.svg")
    assert "\n" not in str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.dot"]  # no half-written m.svg
    assert (tmp_path / "m.dot").read_text(encoding="utf-8") == g.source


def test_dot_failing_writes_the_dot_file_and_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    g = to_dot(mnist_like(), "rolled")

    def dot_fails(*args: object, **kwargs: object) -> bytes:
        raise graphviz.CalledProcessError(
            1, ["dot", "-Tsvg"], output=b"",
            stderr=b"Error: trouble in init_rank\n\tnode_1 0\n\tnode_2 -1\n")

    monkeypatch.setattr(graphviz.Digraph, "pipe", dot_fails)
    with pytest.raises(DotRenderError, match="trouble in init_rank") as info:
        save_diagram(g, tmp_path / "m.svg")
    assert "\n" not in str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.dot"]  # no half-written m.svg
    assert (tmp_path / "m.dot").read_text(encoding="utf-8") == g.source


@pytest.mark.dot
def test_dot_rejecting_our_text_is_one_line_with_the_real_executable(tmp_path: Path) -> None:
    bad = graphviz.Digraph(body=["a -> {{ b"])  # unbalanced braces: dot reports a syntax error
    with pytest.raises(DotRenderError) as info:
        save_diagram(bad, tmp_path / "bad.svg")
    assert "\n" not in str(info.value)
    assert (tmp_path / "bad.dot").read_text(encoding="utf-8") == bad.source
    assert not (tmp_path / "bad.svg").exists()


def test_failure_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> bytes:
        raise KeyboardInterrupt

    monkeypatch.setattr(graphviz.Digraph, "pipe", boom)
    with pytest.raises(KeyboardInterrupt):
        save_diagram(to_dot(mnist_like(), "rolled"), tmp_path / "m.png")
    assert not list(tmp_path.iterdir())


def test_unknown_format(tmp_path: Path) -> None:
    g = to_dot(mnist_like(), "rolled")
    with pytest.raises(InvalidOptionError, match=r"got '\.bmpx'"):
        save_diagram(g, tmp_path / "m.bmpx")
    with pytest.raises(InvalidOptionError, match="suffix"):
        save_diagram(g, tmp_path / "m")


@pytest.mark.dot
@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_renders_with_dot(tmp_path: Path, fmt: str) -> None:
    path = save_diagram(to_dot(mnist_like(), "unrolled"), tmp_path / f"m.{fmt}")
    head = path.read_bytes()[:8]
    assert {"svg": b"<?xml", "png": b"\x89PNG", "pdf": b"%PDF"}[fmt] in head or head.startswith(
        b"<svg"
    )
