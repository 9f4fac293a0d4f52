"""A self-contained interactive HTML report of an `Inspection` (one file, no network).

`report_html(inspection)` returns the page: the header, the variable table (sort, filter),
findings with fixes, the rolled and unrolled diagrams as inline SVG, the sharing heat-strip,
optional per-step gradient charts and an optional comparison with a second model. Clicking
a variable anywhere highlights it everywhere; the map from diagram nodes to variables is
built in Python from the Inspection and embedded as JSON.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from rnninspect.model import Inspection
from rnninspect.render.report.page import SCHEMA, build_page

if TYPE_CHECKING:
    from rnninspect.analysis.grads import GradientReport
    from rnninspect.probe.model import ProbeReport

__all__ = ["SCHEMA", "report_html", "report_iframe"]


def report_html(
    inspection: Inspection,
    *,
    against: Inspection | None = None,
    grads: GradientReport | dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
    history_source: str = "the run directory",
    probe: ProbeReport | None = None,
) -> str:
    """The report page as one HTML string.

    against: a second model; the page shows `compare`'s diff, marked on both sides.
    grads: a `GradientReport` (or its `grads_to_dict` form) for the per-step charts.
    history: a run's probe snapshots (`probe.history.read_history`), charted in "Values
    through time"; `history_source` says where they were read.
    probe: a `ProbeReport` of the same model: heat-maps of its gates ("Activations of one
    probe batch"), linked from the kernels' gate blocks.
    """
    comparison = None
    if against is not None:
        from rnninspect.analysis.compare import compare
        from rnninspect.render.compare import comparison_to_dict

        comparison = comparison_to_dict(compare(inspection, against))
    grads_data = None
    if grads is not None:
        from rnninspect.render.grads import grads_to_dict

        grads_data = grads if isinstance(grads, dict) else grads_to_dict(grads)
    found = None
    if history:
        from rnninspect.probe.trend import trend

        found = (trend(history), history_source)
    return build_page(inspection, comparison=comparison, against=against, grads=grads_data,
                      history=found, probe=probe)


def report_iframe(inspection: Inspection, *, height: int = 800, **options: Any) -> str:
    """The page inside an ``<iframe srcdoc>``: an HTML fragment a notebook can display inline
    (``IPython.display.HTML(report_iframe(ins))``) without the page's CSS or script leaking
    into the notebook's own. `options` go to `report_html`."""
    page = report_html(inspection, **options)
    return (
        f'<iframe srcdoc="{escape(page, quote=True)}" style="width:100%;height:{int(height)}px;'
        f'border:1px solid #ccc" sandbox="allow-scripts" title="rnninspect report"></iframe>'
    )
