"""The one vocabulary of output: shapes, step ranges and counts, formatted the same way by
every renderer (tables, sharing, compare, check messages, diagrams, exports).

>>> shape_text((400, None))
'[400, ?]'
>>> shape_label((400, 800)), shape_label(())
('[400 × 800]', 'scalar')
>>> shape_attr((400, None))
'400x?'
>>> step_ranges((0, 1, 2, 5))
['0–2', '5']
>>> steps_text((0, 1, 2, 5)), steps_text(())
('0–2, 5', 'none')
>>> count_text(19775200)
'19,775,200'
"""

from __future__ import annotations

from collections.abc import Sequence

Shape = Sequence[int | None]


def dim_text(d: int | None) -> str:
    return "?" if d is None else str(d)


def shape_text(shape: Shape) -> str:
    """A shape in text and tables: ``[400, 800]`` (``?`` for an unknown dimension)."""
    return "[" + ", ".join(dim_text(d) for d in shape) + "]"


def shape_label(shape: Shape) -> str:
    """A shape in a diagram label: ``[400 × 800]``, ``scalar`` for ``()``."""
    return "[" + " × ".join(dim_text(d) for d in shape) + "]" if shape else "scalar"


def shape_attr(shape: Shape) -> str:
    """A shape as a scalar graph attribute (GraphML/GEXF): ``400x800``."""
    return "x".join(dim_text(d) for d in shape)


def count_text(n: int) -> str:
    return f"{n:,}"


def step_ranges(steps: Sequence[int]) -> list[str]:
    """Runs of consecutive steps: (0, 1, 2, 5) -> ["0–2", "5"]."""
    parts: list[str] = []
    start = prev = None
    for s in steps:
        if start is None:
            start = prev = s
        elif prev is not None and s == prev + 1:
            prev = s
        else:
            parts.append(_range(start, prev))
            start = prev = s
    if start is not None:
        parts.append(_range(start, prev))
    return parts


def steps_text(steps: Sequence[int]) -> str:
    """Compact step ranges: (0, 1, 2, 5) -> "0–2, 5"; "none" when empty."""
    return ", ".join(step_ranges(steps)) or "none"


def _range(a: int, b: int | None) -> str:
    return str(a) if b is None or a == b else f"{a}–{b}"
