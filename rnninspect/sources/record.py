"""Which files a user's build rested on: the cache's dependencies and `--watch`'s files.

`recording(main_file)` wraps the import of a user's code: modules imported before it that a
previous build loaded are purged first (each build imports the user's code fresh: no stale
module objects), then the `sys.modules` diff after the import, filtered to files outside the
Python installation and outside rnninspect, is recorded with each file's content hash. So are
the data files the build opened for reading (a vocabulary, a config, saved arrays), wherever
they are, seen through Python's `open` audit event and through `tf.io.gfile` (which opens
files in C++, unseen by the audit hook), and the environment variables it read (``env:NAME``
with a hash of the value, "unset" included): edit one and the cache misses, `--watch` runs
again. What cannot be checked later — a ``gs://`` path, a file that cannot be read — is
recorded as ``unproven:WHAT``, and the cache then stores nothing. Bytecode is not written next
to the user's files while it runs.
"""

from __future__ import annotations

import _collections_abc
import hashlib
import os
import site
import stat
import sys
import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# (path, sha256) of each file the last build imported, main file first
Sources = tuple[tuple[str, str], ...]

_loaded: set[str] = set()  # module names the previous builds of this process imported
_last: Sources = ()
_depth = 0  # nested `recording` blocks: the outermost one purges and records
_opened: list[str] = []  # paths opened for reading while recording
_hooked = False  # audit hooks cannot be removed: one, installed on first use, checks _depth
_env_read: list[str] = []  # environment variables read while recording
ENV = "env:"  # a dependency on an environment variable: ("env:NAME", hash of its value)
UNPROVEN = "unproven:"  # a dependency that cannot be checked: ("unproven:WHAT", "")
_SYSTEM = ("/proc/", "/sys/", "/dev/")  # never data: their content is the machine's state


def dep_hash(dep: str) -> str:
    """The current hash of a recorded dependency: a file's content, an environment
    variable's value; "" for what cannot be checked (it never matches)."""
    if dep.startswith(ENV):
        value = os.environ.get(dep[len(ENV):])
        return "unset" if value is None else hashlib.sha256(value.encode()).hexdigest()
    if dep.startswith(UNPROVEN):
        return ""
    return file_hash(dep)


@contextmanager
def _watching_environ_and_gfile() -> Iterator[None]:
    """Record every `os.environ` / `os.getenv` read and every `tf.io.gfile` file opened for
    reading, while the build runs (class-level hooks: `from os import environ` is seen)."""
    environ = type(os.environ)
    getitem = environ.__getitem__
    installed = tuple(r.rstrip("/") + "/" for r in _installation())
    passing = {os.__file__, _collections_abc.__file__}  # os.getenv, Mapping.get, `in`

    def recorded_getitem(self: Any, key: Any) -> Any:
        if self is os.environ and isinstance(key, str):
            frame = sys._getframe(1)
            while frame.f_back is not None and (frame.f_code.co_filename in passing
                                                or frame.f_code.co_filename.startswith("<frozen")):
                frame = frame.f_back
            if not frame.f_code.co_filename.startswith(installed):  # the user's code read it
                _env_read.append(key)
        return getitem(self, key)

    environ.__getitem__ = recorded_getitem  # type: ignore[method-assign]
    file_io = sys.modules.get("tensorflow.python.lib.io.file_io")
    init = getattr(getattr(file_io, "FileIO", None), "__init__", None)
    if file_io is not None and init is not None:
        def recorded_init(self: Any, name: Any, mode: str = "r", *a: Any, **k: Any) -> None:
            if not any(c in mode for c in "wa+"):
                _opened.append(os.fsdecode(name) if not isinstance(name, str) else name)
            init(self, name, mode, *a, **k)

        file_io.FileIO.__init__ = recorded_init
    try:
        yield
    finally:
        environ.__getitem__ = getitem  # type: ignore[method-assign]
        if file_io is not None and init is not None:
            file_io.FileIO.__init__ = init


def _audit(event: str, args: tuple[object, ...]) -> None:
    if not _depth or event != "open" or not args:
        return
    path, mode = args[0], args[1] if len(args) > 1 else None
    flags = args[2] if len(args) > 2 else 0
    if isinstance(mode, str):
        reading = not any(c in mode for c in "wax+")
    else:  # os.open: the flags say
        reading = isinstance(flags, int) and flags & os.O_ACCMODE == os.O_RDONLY
    if reading and isinstance(path, (str, bytes, os.PathLike)):
        _opened.append(os.fsdecode(path))


def _data_files(installed: tuple[str, ...]) -> list[str]:
    """Files opened for reading, wherever they are (not modules: those are recorded as
    imports; not the installation's, nor /proc, /sys, /dev); what cannot be checked later
    (a URL, a FIFO, a file that is gone) as ``unproven:WHAT``."""
    found: list[str] = []
    for name in _opened:
        if "://" in name:  # gs://, s3://, hdfs://: no content hash to compare
            found.append(f"{UNPROVEN}{name}")
            continue
        try:
            path = Path(name).resolve()
            mode = path.stat().st_mode
        except OSError:
            continue  # never opened after all (a probe that failed)
        text = str(path)
        if (path.suffix in (".py", ".pyc") or text.startswith(_SYSTEM)
                or any(text.startswith(r.rstrip("/") + "/") for r in installed)
                or stat.S_ISDIR(mode)):
            continue
        dep = text if stat.S_ISREG(mode) else f"{UNPROVEN}{text} (not a regular file)"
        if dep not in found:
            found.append(dep)
    return found


def _env_deps() -> list[str]:
    ours = ("RNNINSPECT_",)  # rnninspect's own settings are read outside the build
    return sorted({f"{ENV}{k}" for k in _env_read if not k.startswith(ours)})


def file_hash(path: str | Path) -> str:
    """sha256 of a file's bytes; "" when it cannot be read (it then never matches)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def _installation() -> tuple[str, ...]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             *site.getsitepackages(), site.getusersitepackages()}
    roots.update(p for p in (sysconfig.get_paths().get(k) for k in ("stdlib", "purelib"))
                 if p)
    roots.add(str(Path(__file__).resolve().parents[1]))  # rnninspect itself
    return tuple(str(Path(r).resolve()) for r in roots if r)


def _local_file(module: object, installed: tuple[str, ...]) -> str | None:
    name = getattr(module, "__file__", None)
    if not isinstance(name, str) or not name.endswith(".py"):
        return None
    path = str(Path(name).resolve())
    if any(path == root or path.startswith(root.rstrip("/") + "/") for root in installed):
        return None
    return path


def purge() -> None:
    """Forget the user modules earlier builds imported, so the next import runs them anew."""
    for name in sorted(_loaded):
        sys.modules.pop(name, None)
    _loaded.clear()


@contextmanager
def recording(main_file: Path) -> Iterator[None]:
    """Import the user's code fresh inside this block and record what it imported (an
    inner block, e.g. the import inside a whole build, leaves it to the outer one)."""
    global _last, _depth, _hooked
    if _depth:
        yield
        return
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked = True
    _opened.clear()
    _env_read.clear()
    _depth += 1
    purge()
    before = set(sys.modules)
    write_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        with _watching_environ_and_gfile():
            yield
    finally:
        _depth -= 1
        sys.dont_write_bytecode = write_bytecode
        installed = _installation()
        files = [str(main_file.resolve())]
        for name in sorted(set(sys.modules) - before):
            if name.startswith("__autograph_generated"):  # TensorFlow's own, while tracing
                continue
            path = _local_file(sys.modules.get(name), installed)
            if path is None:  # the installation's (TensorFlow's lazy imports): never purged
                continue
            _loaded.add(name)
            if path not in files:
                files.append(path)
        files += [f for f in _data_files(installed) if f not in files]
        files += _env_deps()
        _last = tuple((f, dep_hash(f)) for f in files)


def last_sources() -> Sources:
    """The files the last recorded build of this process imported, with their hashes."""
    return _last
