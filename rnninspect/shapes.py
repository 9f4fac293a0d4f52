"""How a shape is written: the one piece of the output vocabulary that the analysis needs
too (compare's explanations name shapes). It sits below both, so `analysis/` imports no
renderer; `render/text.py`, the rest of the vocabulary, re-exports it.

>>> shape_text((400, None))
'[400, ?]'
"""

from __future__ import annotations

from collections.abc import Sequence

Shape = Sequence[int | None]


def dim_text(d: int | None) -> str:
    return "?" if d is None else str(d)


def shape_text(shape: Shape) -> str:
    """A shape in text and tables: ``[400, 800]`` (``?`` for an unknown dimension)."""
    return "[" + ", ".join(dim_text(d) for d in shape) + "]"
