"""How an `Inspection` shows itself: the target of its display hook (`model._display`).

`Inspection.to_dict / to_json / diagram / __rich__ / __str__ / _repr_html_` all delegate
here. The data model imports no renderer: this module registers itself with
`model.register_display` when it is imported (the package's `__init__` imports it), so the
imports run one way, renderers to model (tests/test_layout.py).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, cast

from rich.console import RenderableType

from rnninspect.model import DisplayHook, Inspection, register_display
from rnninspect.render.serialize import inspection_json, inspection_to_dict
from rnninspect.render.tables import render_html, render_text, show_renderable

if TYPE_CHECKING:
    import graphviz

    from rnninspect.render import display as _this

    _CHECKED: DisplayHook = _this  # mypy checks this module against the hook's protocol

__all__ = ["as_dict", "as_json", "diagram", "from_dict", "html", "renderable", "text"]


def as_dict(inspection: Inspection) -> dict[str, Any]:
    return inspection_to_dict(inspection)


def from_dict(data: dict[str, Any]) -> Inspection:
    from rnninspect.render.deserialize import inspection_from_dict

    return inspection_from_dict(data)


def as_json(inspection: Inspection, indent: int | None) -> str:
    return inspection_json(inspection, indent)


def diagram(inspection: Inspection, view: str, **options: Any) -> graphviz.Digraph:
    from rnninspect.render.diagram import to_dot  # graphviz: only when a diagram is asked for

    return to_dot(inspection, view=view, **options)


def renderable(inspection: Inspection) -> RenderableType:
    return show_renderable(inspection)


def text(inspection: Inspection) -> str:
    return render_text(inspection, width=100)


def html(inspection: Inspection) -> str:
    """Jupyter's view: the interactive report page (`rnninspect report`) inline, in a
    sandboxed iframe; the static table when the page cannot be built."""
    from rnninspect.render.report import report_iframe

    try:
        return report_iframe(inspection)
    except Exception:  # a notebook must always show something
        return render_html(inspection)


register_display(cast(DisplayHook, sys.modules[__name__]))
