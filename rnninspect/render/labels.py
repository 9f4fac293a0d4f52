"""Labels, colours and node ids for the diagrams: the one place model text meets DOT.

Everything that comes from a model (variable, cell, input and op names) passes through
`esc` before it reaches a label, and through `NodeIds` before it becomes a node id, so a
name holding ``<>&"[]:\\`` or non-ASCII text can neither break the DOT nor change its
meaning. Labels are HTML-like (``<...>``): graphviz's Python package passes them through
untouched, and numeric character references keep the DOT file pure ASCII.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rnninspect.model import Role, VariableInfo
from rnninspect.render.text import count_text, fit_name, shape_label
from rnninspect.render.visible import visible

FONT = "Helvetica,Arial,sans-serif"

# Okabe–Ito palette (colour-blind safe): a light fill for the box, a dark border.
ROLE_COLOURS: dict[Role, tuple[str, str]] = {
    Role.EMBEDDING: ("#fde3b0", "#b37400"),
    Role.INPUT_TO_HIDDEN: ("#cfe8f7", "#2b7fb0"),
    Role.HIDDEN_TO_HIDDEN: ("#c9eadf", "#00755a"),
    Role.INPUT_HIDDEN_FUSED: ("#c6d9ef", "#0b4f8a"),
    Role.HIDDEN_TO_OUTPUT: ("#efd3e4", "#9b4a7c"),
    Role.BIAS: ("#e6e6e6", "#6b6b6b"),
    Role.TRAINING_STATE: ("#f4f4f4", "#9a9a9a"),
    Role.CARRIED_STATE: ("#fff8d6", "#8a6d00"),  # the cell's colours: it is the cell's state
    Role.OTHER: ("#ffffff", "#6b6b6b"),
}
WARNING_COLOURS = ("#ffd4c2", "#c03c00")  # fill, border: a variable re-created per step
CELL_COLOURS = ("#fff8d6", "#8a6d00")
STEP_FILL = "#f7f7f7"
IO_COLOURS = ("#ffffff", "#333333")

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_]+")


def esc(text: object) -> str:
    """Escape any text for an HTML-like DOT label: markup characters and non-ASCII
    become character references, so the label means exactly the text it shows."""
    out: list[str] = []
    for ch in "\n".join(visible(line) for line in str(text).split("\n")):
        code = ord(ch)
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch == '"':
            out.append("&quot;")
        elif ch == "\n":
            out.append("<BR/>")
        elif code < 32 or code == 127:
            out.append(" ")
        elif code > 126 or ch in "[]{}|\\":
            out.append(f"&#{code};")
        else:
            out.append(ch)
    return "".join(out)


def html(markup: str) -> str:
    """Wrap finished label markup so graphviz writes it as an HTML-like label."""
    return f"<{markup}>"


def split_name(name: str) -> tuple[str, str]:
    """("model/RNN/cell_0/kernel") -> ("model/RNN/cell_0/", "kernel")."""
    head, sep, tail = name.rpartition("/")
    return (head + sep, tail) if tail else ("", name)


NAME_MAX = 48  # a label's scope and base name lose their middle beyond this (tooltip: full)


def short_parts(name: str, limit: int = NAME_MAX) -> tuple[str, str]:
    """`split_name` with each part elided to `limit` characters, so a 300-character name
    cannot make a diagram thousands of pixels wide.

    >>> short_parts("a/" * 40 + "kernel", 20)
    ('a/…/a/a/a/a/a/a/a/a/', 'kernel')
    >>> short_parts("x" * 30, 9)
    ('', 'xxxx…xxxx')
    """
    scope, base = split_name(name)
    if len(scope) > limit:
        scope = fit_name(scope.rstrip("/"), limit - 1) + "/"
    if len(base) > limit:
        half = (limit - 1) // 2
        base = base[:half] + "…" + base[len(base) - (limit - 1 - half):]
    return scope, base


def table(rows: Iterable[str], *, colour: str | None = None) -> str:
    """An HTML table of one-cell rows (each row already escaped markup)."""
    body = "".join(f"<TR><TD>{r}</TD></TR>" for r in rows)
    bg = f' BGCOLOR="{colour}"' if colour else ""
    return f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1"{bg}>{body}</TABLE>'


def small(markup: str, colour: str = "#555555") -> str:
    return f'<FONT POINT-SIZE="9" COLOR="{colour}">{markup}</FONT>'


def variable_rows(
    v: VariableInfo, *, role_note: str | None = None, detail: bool = True
) -> list[str]:
    """Rows of a weight's label: scope, name, shape and params, role, row split, gates."""
    scope, base = short_parts(v.name)
    rows: list[str] = []
    if scope:
        rows.append(small(esc(scope)))
    rows.append(f"<B>{esc(base)}</B>")
    rows.append(esc(f"{shape_label(v.shape)} · {count_text(v.params)} params"))
    rows.append(f"<I>{esc(role_note or v.role.label)}</I>")
    if not detail:
        return rows
    if v.row_split is not None:
        (i0, i1), (h0, h1) = v.row_split.input, v.row_split.hidden
        rows.append(
            '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="2">'
            f'<TR><TD BGCOLOR="#ffffff">{esc(f"rows {i0}–{i1 - 1}")}<BR/>'
            f"{small(esc('× input x(t)'))}</TD>"
            f'<TD BGCOLOR="#eef3ee">{esc(f"rows {h0}–{h1 - 1}")}<BR/>'
            f"{small(esc('× hidden h(t−1)'))}</TD></TR></TABLE>"
        )
    if v.gates:
        gates = " ".join(f"{g.gate}:{g.columns[0]}–{g.columns[1] - 1}" for g in v.gates)
        rows.append(small(esc(f"gate columns {gates}")))
    return rows


class NodeIds:
    """Readable, DOT-safe, collision-free node ids, deterministic in call order."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], str] = {}
        self._used: set[str] = set()

    def __call__(self, kind: str, name: str) -> str:
        key = (kind, name)
        found = self._by_key.get(key)
        if found is not None:
            return found
        base = f"{kind}_{_ID_UNSAFE.sub('_', name).strip('_')}".rstrip("_")
        candidate, n = base, 2
        while candidate in self._used:
            candidate, n = f"{base}_{n}", n + 1
        self._used.add(candidate)
        self._by_key[key] = candidate
        return candidate
