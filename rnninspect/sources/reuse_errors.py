"""Variable reuse errors (TF1 variable scopes, TF2 tf.function), explained in user terms.

`explain(error, user_file, shown_as)` returns one line — the variable, the line of the
user's file that asked for it, what already exists, and the fix — or None when `error`
is not a reuse error. TF1 details (the existing variable's shape and where it was
created) come from the live traceback: the variable store is a local of TensorFlow's
`_get_single_variable` frame.
"""

from __future__ import annotations

import re
from typing import Any

from rnninspect.sources.frames import UserFrame, last_user_frame, same_file

_EXISTS = re.compile(r"Variable (?P<name>\S+) already exists, disallowed")
_SHAPE = re.compile(r"Trying to share variable (?P<name>[^,\s]+), but specified shape "
                    r"(?P<asked>\([^)]*\)) and found shape (?P<found>\([^)]*\))")
_MISSING = re.compile(r"Variable (?P<name>\S+) does not exist, or was not created with "
                      r"tf\.get_variable\(\)")
_SINGLETON = "tf.function only supports singleton tf.Variables created on the first call"
_NAME_ARG = re.compile(r"""name\s*=\s*["']([^"']+)["']""")
_ASSIGNED = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*=[^=]")

REUSE_FIX = ("call tf.compat.v1.get_variable_scope().reuse_variables() after the first step "
             "(or open the scope with reuse=tf.compat.v1.AUTO_REUSE); if a separate weight was "
             "meant, give it its own variable_scope")
SHAPE_FIX = ("two different weights share one name: give the second its own variable_scope "
             "(or name), or ask for the shape that exists")
MISSING_FIX = ("create it first — leave reuse off for the first step and call "
               "reuse_variables() only from the second on — or use "
               "reuse=tf.compat.v1.AUTO_REUSE")
SINGLETON_FIX = ("create variables (and the layers or cells that own them) once, outside the "
                 "traced function — in __init__/build or before the loop — and only use them "
                 "inside it")


def explain(error: BaseException, user_file: str, shown_as: str) -> str | None:
    text = str(error)
    asked = last_user_frame(error, user_file, shown_as)
    at = f"{asked.where()}" if asked else f"{shown_as} (line not found in the traceback)"
    if m := _EXISTS.search(text):
        existing = _existing(error, m["name"])
        return (f"variable reuse error: {at} asks for {m['name']!r} again, but "
                f"{_describe(existing, m['name'], user_file, shown_as, asked)} already exists "
                f"and this variable scope does not reuse variables; fix: {REUSE_FIX}")
    if m := _SHAPE.search(text):
        existing = _existing(error, m["name"])
        return (f"variable reuse error: {at} asks to share {m['name']!r} with shape "
                f"{_dims(m['asked'])}, but "
                f"{_describe(existing, m['name'], user_file, shown_as, asked, _dims(m['found']))}"
                f" already exists; fix: {SHAPE_FIX}")
    if m := _MISSING.search(text):
        return (f"variable reuse error: {at} asks to reuse {m['name']!r}, which does not exist "
                f"yet ({_nearby(error, m['name'])}); fix: {MISSING_FIX}")
    if _SINGLETON in text:
        what = _variable_in(asked)
        return (f"variable reuse error: {at} creates {what} every time the function is traced "
                f"— tf.function allows variables only on the first trace; fix: "
                f"{SINGLETON_FIX}")
    return None


# --- TF1: the variable store behind the error -----------------------------------------------


def _store(error: BaseException) -> dict[str, Any]:
    tb = error.__traceback__
    found: dict[str, Any] = {}
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "_get_single_variable":
            store = frame.f_locals.get("self")
            found = dict(getattr(store, "_vars", {}) or {})
        tb = tb.tb_next
    return found


def _existing(error: BaseException, name: str) -> Any:
    found = _store(error).get(name)
    return found if found is not None else _in_graphs(error, name)


def _in_graphs(error: BaseException, name: str) -> Any:
    """The variable, from a tf.Graph held by a frame of the traceback (TensorFlow's own
    frames may have been filtered out of it)."""
    tb = error.__traceback__
    while tb is not None:
        for value in list(tb.tb_frame.f_locals.values()):
            if type(value).__name__ == "Graph" and hasattr(value, "get_collection"):
                for var in value.get_collection("variables"):
                    if var.op.name == name:
                        return var
        tb = tb.tb_next
    return None


def _describe(var: Any, name: str, user_file: str, shown_as: str, asked: UserFrame | None,
              found_shape: str | None = None) -> str:
    shape = found_shape or (_dims(str(tuple(var.shape.as_list()))) if var is not None else "")
    created = _created_at(var, user_file, shown_as)
    text = f"{name!r} {shape}".rstrip()
    if created is None:
        return text
    if asked is not None and created.line == asked.line:
        return f"{text} (created by that same line on an earlier pass — a loop over steps)"
    return f"{text} (created at {created.file}:{created.line} in {created.function})"


def _created_at(var: Any, user_file: str, shown_as: str) -> UserFrame | None:
    try:
        frames = list(var.op.traceback)
    except (AttributeError, TypeError, ValueError):
        return None
    mine = [f for f in frames if same_file(str(getattr(f, "filename", "")), user_file)]
    if not mine:
        return None
    last = mine[-1]
    return UserFrame(shown_as, int(last.lineno), str(last.name), str(last.line or "").strip())


def _nearby(error: BaseException, name: str) -> str:
    names = sorted(_store(error))
    if not names:
        return "no variable has been created with tf.compat.v1.get_variable so far"
    scope = name.rsplit("/", 1)[0] + "/" if "/" in name else ""
    near = [n for n in names if scope and n.startswith(scope)] or names
    shown = ", ".join(near[:5]) + (f", … ({len(near)} in all)" if len(near) > 5 else "")
    return f"existing: {shown}"


def _dims(shape: str) -> str:
    """'(4, 4)' -> '[4, 4]'."""
    inner = shape.strip().strip("()").rstrip(",")
    return f"[{inner}]"


# --- TF2 --------------------------------------------------------------------------------------


def _variable_in(frame: UserFrame | None) -> str:
    if frame is None or not frame.code:
        return "a variable"
    variable = "Variable(" in frame.code or "get_variable(" in frame.code
    if m := _NAME_ARG.search(frame.code):
        return f"variable {m[1]!r}" if variable else f"layer {m[1]!r} (and its weights)"
    if m := _ASSIGNED.match(frame.code):
        return f"{m[1]!r} (a new variable or layer)"
    return "a new variable or layer"
