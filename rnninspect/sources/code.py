"""`file.py:NAME` and `package.module:NAME`: import the user's code, call NAME, trace it.

Code that uses TF1 (`tf.compat.v1`, `rnn_cell`, `static_rnn`, `tf_keras`...) runs in the
legacy worker process, so the user's own process keeps Keras 3 (DESIGN.md §2).
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib
import importlib.util
import inspect
import io
import os
import re
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from rnninspect.errors import ModelSourceError, RnnInspectError, TraceError, UnknownModelError
from rnninspect.graph import Traced
from rnninspect.sources.frames import first_line, last_user_frame

_LEGACY = re.compile(r"compat\.v1|rnn_cell|static_rnn|dynamic_rnn|tf_keras|TF_USE_LEGACY_KERAS")


@dataclass(frozen=True)
class CodeSpec:
    spec: str  # as the user typed it
    target: str  # a file path or a dotted module name
    name: str
    is_file: bool


@dataclass(frozen=True)
class Failure:
    """A user-facing error raised in the worker, carried back with its class."""

    kind: str  # "unknown" (UnknownModelError), "trace" (TraceError), else ModelSourceError
    message: str

    def error(self) -> RnnInspectError:
        kinds = {"unknown": UnknownModelError, "trace": TraceError}
        return kinds.get(self.kind, ModelSourceError)(self.message)


def load_code(code: CodeSpec) -> Traced:
    source = _source_file(code)
    if _LEGACY.search(_read(source)):
        from rnninspect.tf import worker as legacy_worker

        reply, printed = legacy_worker.call(BuildCode(code, str(Path.cwd())))
        sys.stderr.write(printed)  # what the user's code printed in the worker: not our stdout
        if isinstance(reply, Failure):
            raise reply.error()
        traced: Traced = reply
        return traced
    from rnninspect.tf.imports import import_keras_for_tracing

    import_keras_for_tracing()
    return build(code)


@dataclass(frozen=True)
class BuildCode:
    """Worker request: build and trace the user's TF1 code (TF_USE_LEGACY_KERAS=1)."""

    code: CodeSpec
    cwd: str

    def run(self) -> tuple[Traced | Failure, str]:
        printed = _Tee()
        with contextlib.redirect_stderr(printed):  # `_user_code` sends stdout here too
            result = build_in_worker(self.code, self.cwd)
        return result, printed.getvalue()


class _Tee(io.StringIO):
    """What the build prints: kept for the reply, and copied to the worker's log, so a
    build that crashes the worker still leaves its last lines to report."""

    def write(self, text: str) -> int:
        real = sys.__stderr__
        with contextlib.suppress(Exception):
            if real is not None:
                real.write(text)
                real.flush()
        return super().write(text)


def build_in_worker(code: CodeSpec, cwd: str) -> Traced | Failure:
    """Runs inside the legacy worker (TF_USE_LEGACY_KERAS=1)."""
    os.chdir(cwd)
    _clear_tf_keras_session()  # this process is rnninspect's: names never drift between builds
    try:
        return build(code)
    except UnknownModelError as e:
        return Failure("unknown", str(e))
    except TraceError as e:
        return Failure("trace", str(e))
    except RnnInspectError as e:
        return Failure("source", str(e))


@contextlib.contextmanager
def _user_code(source: Path) -> Iterator[None]:
    """While the user's code runs: what it prints goes to stderr (our stdout carries JSON and
    DOT), and `sys.argv` is what `python file.py` would give it, so an argparse at import
    sees no rnninspect arguments."""
    argv, hard_exit = sys.argv, os._exit
    sys.argv = [str(source)]
    os._exit = _refuse_hard_exit
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.argv, os._exit = argv, hard_exit


class HardExit(SystemExit):
    """The user's code called `os._exit`: ended the process with no clean-up and, before this,
    silently with its status (0 too) in place of rnninspect's answer."""


def _refuse_hard_exit(status: int) -> NoReturn:
    raise HardExit(status)


def _exit_call(e: SystemExit) -> str:
    return f"{'os._exit' if isinstance(e, HardExit) else 'sys.exit'}({e.code!r})"


def _clear_tf_keras_session() -> None:
    keras_module = sys.modules.get("tf_keras")
    if keras_module is not None:
        keras_module.backend.clear_session()


def build(code: CodeSpec) -> Traced:
    from dataclasses import replace

    from rnninspect.sources.objects import to_traced
    from rnninspect.sources.record import last_sources, recording

    # imports made while tracing (a lazy `call`) count; a model may print while it is
    # called and traced; a build that calls os.chdir does not move rnninspect's own paths
    cwd = Path.cwd()
    try:
        with recording(_source_file(code)):
            value, source, shown = load_object(code)
            try:
                with _user_code(source):
                    traced = to_traced(value, code.spec, source_file=str(source),
                                       shown_as=shown)
            except SystemExit as e:  # the model's own code, called while tracing
                raise ModelSourceError(
                    f"tracing {code.spec} called {_exit_call(e)} (in the model's call)"
                ) from None
    finally:
        with contextlib.suppress(OSError):
            os.chdir(cwd)
    return replace(traced, sources=last_sources())


def source_path(code: CodeSpec) -> Path:
    """The file `code` names (a module's file for package.module:NAME); `UnknownModelError`
    when there is none."""
    return _source_file(code)


def is_legacy_code(code: CodeSpec) -> bool:
    """Does the user's source use TF1 APIs (and so need the TF1 worker)?"""
    return bool(_LEGACY.search(_read(_source_file(code))))


def load_object(code: CodeSpec) -> tuple[Any, Path, str]:
    """Import the user's module and return what NAME is (called, when it is a function)."""
    from rnninspect.sources.record import recording

    source = _source_file(code)
    shown = code.target if code.is_file else _shown(source)
    with recording(source):  # fresh imports; the files it imported become dependencies
        module = _import(code, source, shown)
        if not hasattr(module, code.name):
            raise ModelSourceError(
                f"{code.target} has no {code.name!r}; it defines: {_defined(module)}")
        value = getattr(module, code.name)
        if _is_plain_function(value):
            value = _call(value, code, source, shown)
    return value, source, shown


def top_level_names(path: Path) -> list[str]:
    """Functions and assignments at the top of a Python file, without running it."""
    try:
        tree = ast.parse(_read(path))
    except (SyntaxError, ValueError):
        return []
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assigned = [t.id for n in tree.body if isinstance(n, ast.Assign)
                for t in n.targets if isinstance(t, ast.Name)]
    return [n for n in functions + assigned if not n.startswith("_")]


# --- steps ----------------------------------------------------------------------------------


def _source_file(code: CodeSpec) -> Path:
    if code.is_file:
        path = Path(code.target)
        if not path.is_file():
            raise UnknownModelError(f"no such file: {code.target!r} (from {code.spec!r})")
        return path
    cwd = str(Path.cwd())
    if cwd not in sys.path:  # like `python -m`: modules next to the user resolve
        sys.path.insert(0, cwd)
    try:
        found = importlib.util.find_spec(code.target)
    except (ImportError, ValueError):
        found = None
    if found is not None and not (found.origin or "").endswith(".py"):
        kind = found.origin if found.origin in ("built-in", "frozen") else \
            "a compiled extension" if found.origin else "a namespace package"
        raise ModelSourceError(
            f"module {code.target!r} exists but is {kind}, not Python source: rnninspect "
            f"builds models from .py code (a module of yours, or path/to/file.py:{code.name})")
    if found is None or not found.origin:
        raise UnknownModelError(
            f"no module {code.target!r} on the Python path (current directory included); "
            f"check the spelling, or give a file: path/to/{code.target.split('.')[-1]}.py:"
            f"{code.name}")
    return Path(found.origin)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ModelSourceError(f"cannot read {str(path)!r}: {e}") from None


def _shown(source: Path) -> str:
    try:
        return str(source.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(source)


def _import(code: CodeSpec, source: Path, shown: str) -> types.ModuleType:
    text = _read(source)
    try:
        compile(text, str(source), "exec")
    except SyntaxError as e:
        bad = (e.text or "").strip()
        detail = f": {bad}" if bad else ""
        where = f"{shown}:{e.lineno}" if e.lineno else shown  # a NUL byte has no line
        raise ModelSourceError(f"syntax error in {where}: {e.msg}{detail}") from None
    try:
        with _user_code(source):
            if not code.is_file:
                return importlib.import_module(code.target)
            return _import_file(source)
    except RnnInspectError:
        raise
    except SystemExit as e:
        raise ModelSourceError(
            f"{shown} called {_exit_call(e)} while being imported (an argparse or a "
            "script's main at module level? guard it with `if __name__ == \"__main__\":`)"
        ) from None
    except Exception as e:
        from rnninspect.sources import tf_started

        explained = tf_started.explain(e, str(source), shown)
        raise ModelSourceError(explained or _raised(f"importing {shown}", e, source, shown)
                               ) from e


def _import_file(source: Path) -> types.ModuleType:
    resolved = source.resolve()
    digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:8]
    stem = re.sub(r"\W", "_", resolved.stem)
    name = f"_rnninspect_user_{stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    folder = str(resolved.parent)
    if folder not in sys.path:  # like `python file.py`: its siblings import
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(name, resolved)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _defined(module: types.ModuleType) -> str:
    names = [
        n for n, v in vars(module).items()
        if not n.startswith("_") and not isinstance(v, types.ModuleType)
        and getattr(v, "__module__", module.__name__) == module.__name__
    ]
    return ", ".join(sorted(names)) or "nothing public"


def _is_plain_function(value: Any) -> bool:
    return isinstance(value, (types.FunctionType, types.MethodType, types.BuiltinFunctionType))


def _call(fn: Any, code: CodeSpec, source: Path, shown: str) -> Any:
    try:
        required = [
            p.name for p in inspect.signature(fn).parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD,
                                                   p.KEYWORD_ONLY)
        ]
    except (TypeError, ValueError):
        required = []
    if required:
        raise ModelSourceError(
            f"{code.spec} takes required arguments ({', '.join(required)}); rnninspect calls "
            f"it with none — give them defaults or wrap it in a function with no arguments")
    try:
        with _user_code(source):
            return fn()
    except RnnInspectError:
        raise
    except SystemExit as e:
        raise ModelSourceError(f"{code.spec}() called {_exit_call(e)}") from None
    except Exception as e:
        from rnninspect.sources import reuse_errors, tf_started

        explained = reuse_errors.explain(e, str(source), shown) or tf_started.explain(
            e, str(source), shown)
        if explained is not None:
            raise ModelSourceError(explained) from e
        raise ModelSourceError(_raised(f"{code.spec}()", e, source, shown)) from e


def _raised(what: str, error: BaseException, source: Path, shown: str) -> str:
    frame = last_user_frame(error, str(source), shown)
    where = f" (at {frame.where()})" if frame else ""
    return f"{what} raised {first_line(error)}{where}"
