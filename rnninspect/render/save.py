"""Write a diagram to disk: the only place that runs Graphviz's ``dot``.

`save_diagram` is atomic: the file is rendered in memory, written to a temporary file in
the same directory and renamed into place, so an interrupted or failed run never leaves a
half-written file. When ``dot`` is missing it writes the DOT text (which needs no ``dot``)
next to the requested path and raises `ExecutableNotFoundError` with one line of advice;
when ``dot`` runs but fails on the DOT text, it writes the DOT text the same way and raises
`DotRenderError` with ``dot``'s first line of complaint.
"""

from __future__ import annotations

import os
import tempfile
from enum import Enum
from pathlib import Path

import graphviz

from rnninspect.errors import (
    DotRenderError,
    ExecutableNotFoundError,
    InvalidOptionError,
    OutputError,
)

INSTALL_ADVICE = (
    "install Graphviz (apt install graphviz | brew install graphviz | conda install graphviz "
    "| https://graphviz.org/download/) so that `dot` is on PATH"
)


class DiagramFormat(str, Enum):
    DOT = "dot"
    SVG = "svg"
    PNG = "png"
    PDF = "pdf"

    @classmethod
    def parse(cls, value: str | DiagramFormat) -> DiagramFormat:
        text = value.value if isinstance(value, DiagramFormat) else str(value).lower().lstrip(".")
        if text == "gv":
            return cls.DOT
        try:
            return cls(text)
        except ValueError:
            choices = ", ".join(f.value for f in cls)
            raise InvalidOptionError(
                f"diagram format must be one of {choices}; got {value!r}"
            ) from None


def diagram_format_for(path: str | os.PathLike[str], format: str | None = None) -> DiagramFormat:
    """The format named by `format`, else by the file's suffix (``.svg``, ``.png``, ...)."""
    if format is not None:
        return DiagramFormat.parse(format)
    suffix = Path(path).suffix
    if not suffix:
        raise InvalidOptionError(
            f"cannot tell the diagram format of {str(path)!r}; "
            "add a suffix like .svg or pass a format"
        )
    return DiagramFormat.parse(suffix)


def render_bytes(digraph: graphviz.Digraph, format: str | DiagramFormat) -> bytes:
    """Run ``dot`` in memory (DOT needs no ``dot``: its text is returned as UTF-8 bytes)."""
    fmt = DiagramFormat.parse(format)
    if fmt is DiagramFormat.DOT:
        source: str = digraph.source
        return source.encode("utf-8")
    data: bytes = digraph.pipe(format=fmt.value)
    return data


def save_diagram(
    digraph: graphviz.Digraph, path: str | os.PathLike[str], format: str | None = None
) -> Path:
    """Write `digraph` to `path` as DOT, SVG, PNG or PDF (from `format` or the suffix).

    Returns the path written. Raises `ExecutableNotFoundError` when ``dot`` is needed but
    missing, after writing the DOT text to the same path with the suffix ``.dot``.
    """
    target = Path(path)
    fmt = diagram_format_for(target, format)
    fallback = target.with_suffix(".dot")
    try:
        data = render_bytes(digraph, fmt)
    except graphviz.ExecutableNotFound as e:
        write_atomic(fallback, digraph.source.encode("utf-8"))
        raise ExecutableNotFoundError(
            f"Graphviz's `dot` was not found, so {target.name} was not rendered; "
            f"wrote {fallback} instead; {INSTALL_ADVICE}"
        ) from e
    except graphviz.CalledProcessError as e:
        write_atomic(fallback, digraph.source.encode("utf-8"))
        raise DotRenderError(
            f"Graphviz's `dot` failed on {target.name} ({_first_line(e.stderr)}); "
            f"wrote {fallback} instead; please report it with that file"
        ) from e
    write_atomic(target, data)
    return target


def _first_line(stderr: bytes | str | None) -> str:
    """`dot`'s complaint as one line (it prints several, the first says what went wrong)."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr or ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0][:200] if lines else "no message"


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temporary file in the same directory and a rename.

    What is not a regular file is never replaced: a device, FIFO or ``/dev/stdout`` is
    written into (no rename is possible there); a symlink is followed, so the file it points
    to gets the data and the link stays a link. A write that fails (a full disk) is an
    `OutputError` naming the path and the space left there; a file already there is kept.
    """
    if path.is_dir():
        raise InvalidOptionError(f"{path} is a directory; name a file inside it")
    if path.exists() and not path.is_file():  # stat follows links: /dev/stdout -> a pipe
        try:
            with path.open("wb") as special:
                special.write(data)
        except OSError as e:
            raise OutputError.writing("", path, e) from e
        return
    path = Path(os.path.realpath(path))  # a symlink (even dangling): its target
    if not path.parent.is_dir():  # never create directories the user did not ask for
        raise InvalidOptionError(f"directory {path.parent} does not exist (create it first)")
    existed = path.is_file()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise OutputError.writing("", path, e) from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        Path(tmp).chmod(0o644)  # mkstemp makes it private; a diagram is for sharing
        Path(tmp).replace(path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):  # a full disk: one line; the old file, if any, unchanged
            raise OutputError.writing("", path, e, "; the file there is unchanged" if existed
                                      else "; nothing was written") from e
        raise
