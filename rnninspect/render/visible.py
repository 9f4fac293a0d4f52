"""Model text made safe to show: every name that comes from a model is data, never terminal
control. Control characters (``ESC``, ``BEL``, newline...), bidirectional overrides and other
invisible format characters are shown as escapes (``\\x1b``, ``\\u202e``), and a name longer
than `SHOW_MAX` loses its middle. Terminal renderers draw from `display_inspection(ins)`, a
copy of the Inspection whose names, messages and labels went through here; JSON and the
other exports keep the exact names.

>>> visible("esc\\x1b[2Jclear")
'esc\\\\x1b[2Jclear'
>>> visible("kernel\\u202egnp.exe")
'kernel\\\\u202egnp.exe'
>>> visible("two\\nrows"), visible("plain/kernel:0 é")
('two\\\\nrows', 'plain/kernel:0 é')
>>> shown("a" * 10 + "b" * 10, 9)
'aaaa…bbbb'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from rnninspect.model import Cell, CopyInfo, Finding, Inspection, Link, VariableInfo

SHOW_MAX = 120  # a name longer than this loses its middle on the terminal (JSON: whole)
_HIDDEN = ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")  # control, format (bidi), separators
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_LONG_WORD = re.compile(rf"\S{{{SHOW_MAX + 1},}}")


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
        else f"\\U{code:08x}"


def visible(text: str) -> str:
    """`text` with every control, bidi and invisible format character escaped."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(_escape(ch) if ch != " " and unicodedata.category(ch) in _HIDDEN else ch
                   for ch in text)


def elide(text: str, limit: int = SHOW_MAX) -> str:
    """`text` with its middle replaced by ``…`` when longer than `limit`."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


def shown(name: str, limit: int = SHOW_MAX) -> str:
    """A name as the terminal shows it: escaped, then elided in the middle."""
    return elide(visible(name), limit)


def shown_line(text: str) -> str:
    """A line of text that may hold names (a message, an error): escaped, and every run of
    more than `SHOW_MAX` non-blank characters elided in the middle."""
    return _LONG_WORD.sub(lambda m: elide(m.group(0)), visible(text))


def _message(text: str, names: dict[str, str]) -> str:
    for raw in sorted((n for n in names if names[n] != n), key=len, reverse=True):
        text = text.replace(raw, names[raw])
    return shown_line(text)


def display_inspection(ins: Inspection) -> Inspection:
    """A copy of `ins` for the terminal: names shown as `shown` makes them, consistently
    everywhere they occur (variables, cells, links, findings and their messages)."""
    raw = {v.name for v in ins.variables} | {c.name for c in ins.cells} | set(ins.inputs) \
        | set(ins.outputs) | {c.name for c in ins.copies} | {ins.model}
    names = {n: shown(n) for n in raw}
    if all(k == v for k, v in names.items()) and all(
            visible(f.message) == f.message and visible(f.fix or "") == (f.fix or "")
            for f in ins.findings):
        return ins

    def n(name: str) -> str:
        return names.get(name) or shown(name)

    def var(v: VariableInfo) -> VariableInfo:
        return replace(v, name=n(v.name), cell=None if v.cell is None else n(v.cell),
                       also_cells=tuple(n(c) for c in v.also_cells),
                       steps_by_copy=tuple((n(c), s) for c, s in v.steps_by_copy))

    def cell(c: Cell) -> Cell:
        return replace(c, name=n(c.name), variables=tuple(n(v) for v in c.variables))

    def finding(f: Finding) -> Finding:
        return replace(f, message=_message(f.message, names),
                       variables=tuple(n(v) for v in f.variables),
                       fix=None if f.fix is None else _message(f.fix, names))

    def copy(c: CopyInfo) -> CopyInfo:
        return replace(c, name=n(c.name))

    return replace(
        ins, model=n(ins.model), variables=tuple(var(v) for v in ins.variables),
        cells=tuple(cell(c) for c in ins.cells), findings=tuple(finding(f) for f in ins.findings),
        links=tuple(Link(n(lk.source), n(lk.target)) for lk in ins.links),
        inputs=tuple(n(i) for i in ins.inputs), outputs=tuple(n(o) for o in ins.outputs),
        copies=tuple(copy(c) for c in ins.copies), step_graph=None,
    )
