"""Output on a stream that cannot hold UTF-8 (``PYTHONIOENCODING=ascii``, a legacy code page):
the symbols rnninspect draws fall back to ASCII look-alikes (``→`` as ``->``, box lines as
``-`` and ``|``), any other character to a ``\\uXXXX`` escape (valid inside a JSON string,
so ``--format json`` stays parseable and exact) — never a UnicodeEncodeError.

>>> "a→b • 1–3 …".encode("ascii", ERRORS)
b'a->b * 1-3 ...'
>>> "é😀".encode("ascii", ERRORS)
b'\\\\u00e9\\\\ud83d\\\\ude00'
"""

from __future__ import annotations

import codecs
import io
import sys
import unicodedata

from rich.console import Console

ERRORS = "rnninspect-ascii"
SYMBOLS = {
    "→": "->", "←": "<-", "↔": "<->", "•": "*", "·": "-", "…": "...", "×": "x", "–": "-",
    "—": "-", "−": "-", "≥": ">=", "≤": "<=", "≈": "~", "≪": "<<", "≫": ">>", "‖": "||",
    "∇": "grad", "Σ": "sum", "Δ": "d", "✓": "ok", "✗": "x", "█": "#", "░": ".", "▏": "|",
}


def _fallback(ch: str) -> str:
    if ch in SYMBOLS:
        return SYMBOLS[ch]
    name = unicodedata.name(ch, "")
    if name.startswith("BOX DRAWINGS"):
        return "|" if "VERTICAL" in name and "HORIZONTAL" not in name else \
            "-" if "HORIZONTAL" in name and "VERTICAL" not in name else "+"
    if name.startswith(("LOWER ", "UPPER ", "FULL BLOCK", "LEFT ", "RIGHT ")) and "BLOCK" in name:
        return "#"
    return _escape(ch)


def _escape(ch: str) -> str:
    code = ord(ch)
    if code > 0xFFFF:  # a surrogate pair, as JSON writes it
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def _handler(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start:error.end]
    return "".join(_fallback(ch) for ch in text), error.end


codecs.register_error(ERRORS, _handler)


def ascii_fallback() -> None:
    """Give stdout and stderr the fallback when their encoding cannot hold UTF-8."""
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "→•…│".encode(encoding)
            continue
        except (UnicodeEncodeError, LookupError):
            pass
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors=ERRORS)


def write_json(out: Console, text: str, *, xml: bool = False) -> None:
    """JSON text to the console's stream; non-ASCII as ``\\uXXXX`` escapes when the stream
    cannot hold it (JSON syntax is ASCII, so this is exactly ``ensure_ascii``: the data stays
    exact, where the table's fallback would substitute look-alikes)."""
    encoding = getattr(out.file, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        text = "".join(ch if ord(ch) < 128 else f"&#{ord(ch)};" if xml else _escape(ch)
                       for ch in text)  # XML (GraphML, GEXF): character references
    out.file.write(text)
