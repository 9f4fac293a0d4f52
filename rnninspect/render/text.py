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
>>> print(break_name("model/RNN/multi_rnn_cell/kernel", 16))
model/RNN/
multi_rnn_cell/
kernel
>>> print(wrap_name("model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/kernel", 16))
model/…/cell_0/
basic_lstm_cell/
kernel
>>> fit_name("model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/kernel", 40)
'model/…/cell_0/basic_lstm_cell/kernel'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# the shape words live below the analysis (which names shapes too); renderers read them here
from rnninspect.shapes import Shape as Shape
from rnninspect.shapes import dim_text as dim_text
from rnninspect.shapes import shape_text as shape_text


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


def fit_name(name: str, width: int) -> str:
    """Fit a long name by eliding middle scope segments: ``model/…/cell_0/lstm/kernel``
    (the head and as many trailing segments as fit); a name without scopes loses its start."""
    if len(name) <= width:
        return name
    parts = name.split("/")
    if len(parts) > 2:
        tail = parts[-1]
        for part in reversed(parts[1:-1]):
            if len(f"{parts[0]}/…/{part}/{tail}") > width:
                break
            tail = f"{part}/{tail}"
        candidate = f"{parts[0]}/…/{tail}"
        if len(candidate) <= width:
            return candidate
    return "…" + name[len(name) - width + 1:] if width > 1 else name[:width]


def break_name(name: str, width: int) -> str:
    """A long name as lines of at most `width` characters, broken after a ``/`` (a segment
    longer than `width` stays whole on its own line)."""
    lines: list[str] = []
    line = ""
    for segment in re.split(r"(?<=/)", name):
        if line and len(line) + len(segment) > width:
            lines.append(line)
            line = ""
        line += segment
    lines.append(line)
    return "\n".join(lines)


def wrap_name(name: str, width: int, max_lines: int = 3) -> str:
    """`name` in at most `max_lines` lines of `width`: broken after ``/``, middle scopes
    elided only as far as needed (`fit_name` on one line when nothing else fits)."""
    if len(name) <= width:
        return name
    for budget in range(min(len(name), width * max_lines), width, -1):
        lines = break_name(fit_name(name, budget), width).split("\n")
        if len(lines) <= max_lines and all(len(line) <= width for line in lines):
            return "\n".join(lines)
    return fit_name(name, width)
