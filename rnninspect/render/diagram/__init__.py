"""Diagrams of an `Inspection` as graphviz DOT: rolled, unrolled and single-step views.

`to_dot` only assembles DOT text (a `graphviz.Digraph`); it never runs ``dot``. Writing
SVG/PNG/PDF is `rnninspect.render.save.save_diagram`'s job. Output is deterministic: nodes
and edges are emitted in the inspection's own order (never from a set), so the same
inspection gives the same bytes.

Views
-----
rolled    input → embedding/projection → one box per recurrent cell (per layer) with a
          self-loop for the T steps and the state it carries → output layer. Every weight is
          its own node, coloured by role; weights read outside the cells sit outside the
          "recurrence" cluster.
unrolled  one cluster per time step, state edges between steps, each variable drawn once
          with an edge to every step that reads it (so sharing is a fan-out from one node);
          variables re-created per step are one warning-coloured node per step. Long
          sequences collapse to the first `head` steps, an elided "… × N steps" node and
          the last step, so the drawing's size does not grow with T.
step      the op-level graph of one time step, variable reads and gates marked.
"""

from __future__ import annotations

from dataclasses import replace

import graphviz

from rnninspect.errors import InvalidOptionError
from rnninspect.model import Inspection, Role
from rnninspect.render.diagram.common import (
    DEFAULT_HEAD,
    DEFAULT_MAX_NODES,
    View,
    estimate_nodes,
)
from rnninspect.render.diagram.rolled import RolledView
from rnninspect.render.diagram.step import step_view
from rnninspect.render.diagram.unrolled import UnrolledView

__all__ = ["DEFAULT_HEAD", "DEFAULT_MAX_NODES", "View", "estimate_nodes", "to_dot"]


def to_dot(
    inspection: Inspection,
    view: str | View = View.ROLLED,
    *,
    head: int | None = DEFAULT_HEAD,
    step: int | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> graphviz.Digraph:
    """Build the DOT graph of one view of `inspection` (never runs ``dot``).

    head: unrolled view only: steps drawn before the elided middle (None: draw every step).
    step: step view only: which time step's op graph to draw (default: the one traced).
    max_nodes: refuse (InvalidOptionError) when the estimated node count is above this.
    """
    v = _parse_view(view)
    # Optimizer slots, counters and learning rates are not part of the model's picture.
    inspection = replace(inspection, variables=tuple(
        x for x in inspection.variables if x.role is not Role.TRAINING_STATE))
    if head is not None and (isinstance(head, bool) or not isinstance(head, int) or head < 1):
        raise InvalidOptionError(
            f"head must be an integer ≥ 1 (or None for no collapsing); got {head!r}"
        )
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise InvalidOptionError(f"max_nodes must be an integer ≥ 1; got {max_nodes!r}")
    if step is not None and v is not View.STEP:
        raise InvalidOptionError(
            f"step applies to view='step' only; got step={step!r} with view={v.value!r}"
        )
    estimate = estimate_nodes(inspection, v, head=head)
    if estimate > max_nodes:
        hint = (
            "pass a smaller head (CLI: --head 3) to collapse the middle steps, "
            "or use the rolled view"
            if v is View.UNROLLED
            else "raise max_nodes (CLI: diagram --max-nodes) if you really want it"
            if v is View.ROLLED
            else "use the rolled view, or raise max_nodes (CLI: diagram --max-nodes) if you "
            "really want it"
        )
        raise InvalidOptionError(
            f"the {v.value} view of {inspection.model!r} would draw about {estimate:,} nodes "
            f"(limit {max_nodes:,}); {hint}"
        )
    if v is View.ROLLED:
        return RolledView(inspection).build()
    if v is View.UNROLLED:
        return UnrolledView(inspection, head).build()
    return step_view(inspection, step)


def _parse_view(view: str | View) -> View:
    try:
        return View(view)
    except ValueError:
        choices = ", ".join(x.value for x in View)
        raise InvalidOptionError(f"view must be one of {choices}; got {view!r}") from None


