"""Which files a user's build rested on: the cache's dependencies and `--watch`'s files.

`recording(main_file)` wraps the import of a user's code: modules imported before it that a
previous build loaded are purged first (each build imports the user's code fresh: no stale
module objects), then the `sys.modules` diff after the import, filtered to files outside the
Python installation and outside rnninspect, is recorded with each file's content hash. So are
the data files the build opened for reading (a vocabulary, a config, saved arrays) in the main
file's folder or the working directory, seen through Python's `open` audit event: edit one
and the cache misses, `--watch` runs again. Bytecode is not written next to the user's files
while it runs.
"""

from __future__ import annotations

import hashlib
import os
import site
import stat
import sys
import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# (path, sha256) of each file the last build imported, main file first
Sources = tuple[tuple[str, str], ...]

_loaded: set[str] = set()  # module names the previous builds of this process imported
_last: Sources = ()
_depth = 0  # nested `recording` blocks: the outermost one purges and records
_opened: list[str] = []  # paths opened for reading while recording
_hooked = False  # audit hooks cannot be removed: one, installed on first use, checks _depth


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


def _data_files(main_file: Path, installed: tuple[str, ...]) -> list[str]:
    """Regular files opened for reading under the main file's folder or the working
    directory (not modules: those are recorded as imports; not the installation's)."""
    roots = tuple(str(p.resolve()).rstrip("/") + "/" for p in (main_file.parent, Path.cwd()))
    found: list[str] = []
    for name in _opened:
        try:
            path = Path(name).resolve()
            regular = stat.S_ISREG(path.stat().st_mode)
        except OSError:
            continue
        text = str(path)
        if (regular and text.startswith(roots) and path.suffix not in (".py", ".pyc")
                and not any(text.startswith(r.rstrip("/") + "/") for r in installed)
                and text not in found):
            found.append(text)
    return found


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
    _depth += 1
    purge()
    before = set(sys.modules)
    write_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
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
        files += [f for f in _data_files(main_file, installed) if f not in files]
        _last = tuple((f, file_hash(f)) for f in files)


def last_sources() -> Sources:
    """The files the last recorded build of this process imported, with their hashes."""
    return _last
