"""Limits and misleading messages (issue 23, items 17, 20, 22): a graph beyond this
machine's memory is refused before anything is built (unless --force); the size warning is
not printed on a cache hit; a module that is not Python source is named as such."""

from __future__ import annotations

import pytest

from rnninspect import cache
from rnninspect.sources import LoadOptions, resolve
from tests.helpers import run_cli
from tests.models.inspections import ptb_like


def test_a_graph_beyond_memory_is_refused_in_one_line() -> None:
    code, out, err = run_cli(["show", "ptb", "--num-steps", "1000000000"])
    assert code == 2 and out == ""
    line = err.strip()
    assert len(line.splitlines()) == 1
    assert "ops" in line and "GiB" in line and "--force" in line


def test_the_size_warning_is_not_printed_on_a_cache_hit() -> None:
    options = LoadOptions(num_steps=5000)
    key = cache.inspection_key(resolve("ptb", options), options, None)
    cache.store_inspection(key, ptb_like(3, hidden=4, vocab=10), ())
    code, _, err = run_cli(["show", "ptb", "--num-steps", "5000"])
    assert code == 0 and "warning" not in err


@pytest.mark.parametrize("spec, kind", [("os:getcwd", "not Python source"),
                                        ("sys:path", "built-in")])
def test_a_module_that_is_not_python_source_is_named_as_such(spec: str, kind: str) -> None:
    code, _, err = run_cli(["show", spec])
    assert code == 2 and "no module" not in err and kind in err


def test_a_report_of_a_model_with_thousands_of_variables_is_built() -> None:
    from rnninspect.render.diagram import to_dot
    from rnninspect.render.report import build_page

    huge = ptb_like(1100, layers=1, hidden=2, vocab=5, noreuse=True, step_graph=False)
    assert len(huge.variables) > 2000
    page = build_page(huge)
    assert "Not drawn" in page and "--max-nodes" in page
    with pytest.raises(Exception) as e:
        to_dot(huge, view="rolled")
    assert "use the rolled view" not in str(e.value)  # it is the rolled view
