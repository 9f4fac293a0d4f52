"""pytest plugin for mutation runs (`make mutate` passes ``-p tests.bite.memo_traces``):
trace each model once per process, analyse it afresh in every test.

mutmut runs the tests once in its own process, then forks one child per mutant. A test
that traces in the test (``inspect("ptb", ...)``) would trace again in every child
(seconds each); a test that caches an analysed `Inspection` would hand the clean analysis
to every child and hide the mutant. With this plugin `load` keeps what it traced (a
frozen `Traced`, which holds no analysis) for the life of the process, and the caches of
Inspections that some test modules keep are emptied when each session starts, so every
child analyses again with its mutant. Outside mutation runs the plugin is not loaded and
the tests trace as they always have.

Tests that build a model themselves are memoized the same way: the hand-written TF1 forms
(`worker.call(BuildForm(...))`, a frozen request) and the Keras forms (each builder of
`tests/models/forms/keras_forms.py` returns the same model for the same arguments, and
`inspect(model, ...)` traces a given model object once).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from typing import Any

import pytest

_TRACES: dict[tuple[object, ...], Any] = {}
_MODULES = ("rnninspect.sources.resolve", "rnninspect.sources", "rnninspect.api")


def _memoized(load: Callable[..., Any]) -> Callable[..., Any]:
    def memo_load(spec: str, options: Any = None) -> Any:
        key = (spec, options)
        if key not in _TRACES:
            _TRACES[key] = load(spec, options)
        return _TRACES[key]

    memo_load.memoized = True  # type: ignore[attr-defined]
    return memo_load


def _memo_by_args(fn: Callable[..., Any], key_of: Callable[..., Any]) -> Callable[..., Any]:
    done: dict[object, Any] = {}

    def memo(*args: Any, **kwargs: Any) -> Any:
        key = key_of(*args, **kwargs)
        if key is None:
            return fn(*args, **kwargs)
        if key not in done:
            done[key] = fn(*args, **kwargs)
        return done[key]

    return memo


def _build_form_key(request: Any) -> object:
    return request if type(request).__name__ == "BuildForm" else None


def _model_key(model: Any, signature: Any) -> object:
    # the builder memo keeps the model alive, so its id stays its own
    return None if isinstance(model, str) else (id(model), repr(signature))


def pytest_configure(config: pytest.Config) -> None:
    import importlib

    resolve = importlib.import_module(_MODULES[0])
    if getattr(resolve.load, "memoized", False):
        return
    memo = _memoized(resolve.load)
    for name in _MODULES:
        importlib.import_module(name).load = memo
    worker = importlib.import_module("rnninspect.tf.worker")
    worker.call = _memo_by_args(worker.call, _build_form_key)
    api = importlib.import_module("rnninspect.api")
    api._trace_object = _memo_by_args(api._trace_object, _model_key)
    forms = importlib.import_module("tests.models.forms.keras_forms")
    for name, fn in list(vars(forms).items()):
        if inspect.isfunction(fn) and fn.__module__ == forms.__name__ \
                and not name.startswith("_"):
            setattr(forms, name, _memo_by_args(fn, lambda *a, **k: (a, tuple(sorted(k.items())))))


def _forget_inspections() -> None:
    conftest = sys.modules.get("tests.conftest")
    if conftest is not None:
        conftest._CACHE.clear()
    corpus = sys.modules.get("tests.test_real_corpus")
    if corpus is not None:
        corpus.inspection.cache_clear()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Forget analysed Inspections a parent process left in test modules' caches."""
    _forget_inspections()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """... and before every test: mutmut maps each test to the functions it calls, and a
    test that found its Inspection cached by an earlier test would be mapped to no analysis
    function at all, so no mutant of the analysis would ever run it."""
    _forget_inspections()
