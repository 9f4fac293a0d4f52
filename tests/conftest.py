"""Shared fixtures: cached inspections, a fixed-width colourless console, golden files."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console

GOLDEN = Path(__file__).parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--overwrite", action="store_true", help="rewrite golden files")
    parser.addoption("--skip-exe", action="store_true", help="skip tests that need `dot`")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    import shutil

    if config.getoption("--skip-exe") or shutil.which("dot") is None:
        skip = pytest.mark.skip(reason="needs Graphviz's dot (or --skip-exe given)")
        for item in items:
            if "dot" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _quiet_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


_CACHE: dict[tuple[object, ...], object] = {}


@pytest.fixture(scope="session")
def inspect_cached():
    """inspect(...) memoized over the session: tracing costs seconds."""
    from rnninspect import inspect

    def run(model: str, **options: object):
        key = (model, *sorted(options.items()))
        if key not in _CACHE:
            _CACHE[key] = inspect(model, **options)
        return _CACHE[key]

    return run


def make_console(width: int = 100) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False,
                      legacy_windows=False, highlight=False)
    return console, buffer


@pytest.fixture
def console_pair():
    return make_console


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """golden(relative_path, text): compare with the stored file, or rewrite with --overwrite."""
    overwrite = request.config.getoption("--overwrite") or os.environ.get(
        "RNNINSPECT_OVERWRITE") == "1"

    def check(relative: str, text: str) -> None:
        path = GOLDEN / relative
        if overwrite or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            if not overwrite:
                pytest.fail(f"golden file {relative} did not exist; written — rerun")
        assert text == path.read_text(encoding="utf-8"), f"differs from golden {relative}"

    return check
