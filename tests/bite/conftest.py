"""Fixtures for the tests that bite: trace once per session, analyze afresh in every test.

Mutation testing (`make mutate`) forks one process per mutant after a clean run of these
tests. Anything cached past the trace — an `Inspection` — would carry the clean analysis
into the mutant's process and hide the mutant; a `Traced` holds no analysis, so it is what
these fixtures keep. Analysis takes milliseconds; tracing takes seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rnninspect.model import Inspection

_TRACED: dict[tuple[object, ...], Any] = {}


@pytest.fixture(scope="session")
def fresh() -> Callable[..., Inspection]:
    """fresh(spec, detail_step=None, **LoadOptions fields) -> a newly analyzed Inspection of
    a cached trace."""
    from rnninspect.analysis import analyze
    from rnninspect.sources import LoadOptions, load

    def run(model: str, detail_step: int | None = None, **options: Any) -> Inspection:
        key = (model, *sorted(options.items()))
        if key not in _TRACED:
            _TRACED[key] = load(model, LoadOptions(**options))
        return analyze(_TRACED[key], detail_step=detail_step)

    return run


@pytest.fixture(scope="session")
def fresh_keras() -> Callable[[str, Callable[[], Any]], Inspection]:
    """fresh_keras(key, builder) for builders returning (keras model, input signature)."""
    from rnninspect.analysis import analyze

    def run(key: str, builder: Callable[[], Any]) -> Inspection:
        if ("keras", key) not in _TRACED:
            from rnninspect.tf.trace import trace_keras_model

            model, signature = builder()
            _TRACED[("keras", key)] = trace_keras_model(model, signature, model=model.name)
        return analyze(_TRACED[("keras", key)])

    return run


@pytest.fixture(scope="session")
def fresh_form() -> Callable[..., Inspection]:
    """fresh_form(name, *args): a TF1 form of tests/models/forms/tf1_forms.py, traced once
    in the legacy worker, analysed afresh."""
    from rnninspect.analysis import analyze

    def run(name: str, *args: Any) -> Inspection:
        if ("form", name, args) not in _TRACED:
            from rnninspect.tf import worker
            from tests.models.forms.tf1_forms import BuildForm

            _TRACED[("form", name, args)] = worker.call(BuildForm(name, args))
        return analyze(_TRACED[("form", name, args)])

    return run
