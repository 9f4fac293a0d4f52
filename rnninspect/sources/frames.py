"""The user's own frames of a failure: where in *their* file it happened."""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from pathlib import Path

# TensorFlow rewrites errors raised while tracing (autograph) into "in user code:" blocks:
#     File "/path/model.py", line 12, in build  *
#         v = tf.Variable(...)
_TF_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>\S+)[^\n]*\n'
                       r"(?P<code>[^\n]*)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class UserFrame:
    file: str  # as the user named it (relative when they typed a relative path)
    line: int
    function: str
    code: str

    def where(self) -> str:
        code = f": {self.code}" if self.code else ""
        return f"{self.file}:{self.line} in {self.function}{code}"


def same_file(a: str, b: str) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def user_frames(error: BaseException, user_file: str, shown_as: str) -> list[UserFrame]:
    """Frames in `user_file`, oldest first: from the traceback, then from TensorFlow's
    rewritten message (autograph runs a generated copy of the user's code)."""
    found: list[UserFrame] = []
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for exc in reversed(chain):
        for fr in traceback.extract_tb(exc.__traceback__):
            if same_file(fr.filename, user_file):
                found.append(UserFrame(shown_as, fr.lineno or 0, fr.name, (fr.line or "").strip()))
        for m in _TF_FRAME.finditer(_ANSI.sub("", str(exc))):
            if same_file(m["file"], user_file):
                func = m["func"] if m["func"] != "None" else "<lambda>"
                found.append(UserFrame(shown_as, int(m["line"]), func, m["code"].strip()))
    return found


def last_user_frame(error: BaseException, user_file: str, shown_as: str) -> UserFrame | None:
    frames = user_frames(error, user_file, shown_as)
    return frames[-1] if frames else None


def first_line(error: BaseException) -> str:
    """The exception as one line: its type and the first meaningful line of its message."""
    text = _ANSI.sub("", str(error))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    name = type(error).__name__
    if lines and lines[0] == "in user code:":  # TensorFlow's rewrite: the real error is inside
        lines = _inner_error(lines) or lines[1:]
    if lines and lines[0] == "Graph execution error:":  # a Session run's header: the reason
        end = next((i for i, ln in enumerate(lines) if ln.startswith("[[")), len(lines))
        lines = lines[end - 1:] if end > 1 else lines  # is the line above "[[{{node ...}}]]"
    message = lines[0] if lines else ""
    return f"{name}: {message}" if message else name


_ERROR_LINE = re.compile(r"^(\w+(?:Error|Exception)): (.*)$")


def _inner_error(lines: list[str]) -> list[str]:
    """The message of the innermost error in a rewritten block (Keras adds a header line)."""
    for i in range(len(lines) - 1, -1, -1):
        m = _ERROR_LINE.match(lines[i])
        if m:
            rest = [m[2], *lines[i + 1:]]
            if rest[0].startswith("Exception encountered when calling") and len(rest) > 1:
                rest = rest[1:]
            return rest
    return []
