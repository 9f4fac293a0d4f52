"""Shared fixtures: cached inspections, a fixed-width colourless console, golden files."""

from __future__ import annotations

import os

import pytest

from tests.helpers import OVERWRITE, check_golden, make_console


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


@pytest.fixture(autouse=True)
def _own_result_cache(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test its own, empty result cache (never the user's, never another test's)."""
    monkeypatch.setenv("RNNINSPECT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


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


@pytest.fixture
def console_pair():
    return make_console


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """golden(relative_path, text): compare with the stored file, or rewrite with --overwrite
    (or RNNINSPECT_OVERWRITE=1)."""
    overwrite = request.config.getoption("--overwrite") or OVERWRITE

    def check(relative: str, text: str) -> None:
        check_golden(relative, text, overwrite=overwrite)

    return check
