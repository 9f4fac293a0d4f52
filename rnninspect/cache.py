"""The result cache: an Inspection (or a gradient report) computed once is read back as JSON.

A key is the sha256 of everything that decides the result: the resolved source (a zoo
entry with its validated config and dialect, or a user spec with the working directory),
every option, a hash of rnninspect's own source files (an edited checkout never serves an
older result), the TensorFlow / Keras / tf-keras versions (read from package metadata: no
TensorFlow import) and the Python version. An entry also lists its dependencies — the user's
source files the build imported, or the saved model's files — with content hashes; a changed
one is a miss. Entries are JSON (never pickle), written atomically (a temporary file, then
`os.replace`), so two processes may read and write at once; an unreadable, corrupt or
foreign entry is a miss and is rewritten. Least recently used entries are evicted above
`max_bytes()`. Location: ``RNNINSPECT_CACHE_DIR``, else the platform's user cache directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnninspect.errors import CacheError, InvalidOptionError
from rnninspect.model import Inspection
from rnninspect.sources import LoadOptions, UserSource, ZooSource
from rnninspect.sources.record import UNPROVEN, Sources, dep_hash, file_hash

if TYPE_CHECKING:
    from rnninspect.analysis.grads import GradientReport

FORMAT = "rnninspect.cache/1"
DEFAULT_MAX_MB = 256
_SUFFIX = ".json"


def cache_dir() -> Path:
    configured = os.environ.get("RNNINSPECT_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    try:
        import platformdirs
    except ImportError:  # the XDG rule platformdirs applies on Linux
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "rnninspect"
    return Path(platformdirs.user_cache_dir("rnninspect", appauthor=False))


def max_bytes() -> int:
    text = os.environ.get("RNNINSPECT_CACHE_MAX_MB", "").strip()
    if not text:
        return DEFAULT_MAX_MB * 1024 * 1024
    if not text.isdigit():
        raise InvalidOptionError(
            f"RNNINSPECT_CACHE_MAX_MB must be a whole number of megabytes; got {text!r}")
    return int(text) * 1024 * 1024


def check_settings() -> Path:
    """The cache directory, once the environment that configures the cache is valid (one
    line naming the bad value otherwise): run before anything slow."""
    max_bytes()
    directory = cache_dir()
    for p in [directory, *directory.parents]:
        if p.exists():
            if not p.is_dir():
                raise InvalidOptionError(
                    f"RNNINSPECT_CACHE_DIR: {p} is a file, not a directory; point it at a "
                    "directory (or unset it)")
            break
    return directory


# what the last cache operations could not do or threw away: the CLI shows each as a dim line
notes: list[str] = []
# why the last result was not stored (a dependency that cannot be proven), for --verbose
not_stored: list[str] = []


@cache
def code_hash() -> str:
    """sha256 over rnninspect's own files (path and bytes): any edit changes every key."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".css", ".js") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """Installed versions of the frameworks a trace depends on, from package metadata."""
    found = {}
    for name in ("tensorflow", "tensorflow-cpu", "keras", "tf-keras"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def make_key(kind: str, source: Mapping[str, Any], options: Mapping[str, Any]) -> str:
    material = {
        "format": FORMAT, "kind": kind, "source": dict(source), "options": dict(options),
        "code": code_hash(), "versions": versions(), "python": list(sys.version_info[:2]),
        # what `tf.keras` means for user code (KERAS_BACKEND is not here: tracing always
        # sets it to tensorflow, so it cannot change a result)
        "legacy_keras": os.environ.get("TF_USE_LEGACY_KERAS"),
    }
    text = json.dumps(material, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


# --- entries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    payload: dict[str, Any]
    deps: Sources  # (path, sha256) the result was computed from


def _path(key: str) -> Path:
    return cache_dir() / "entries" / key[:2] / f"{key}{_SUFFIX}"


def _integrity(key: str, kind: str, deps: Any, payload: Any) -> str:
    text = json.dumps({"key": key, "kind": kind, "deps": deps, "payload": payload},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def drop(path: Path, why: str) -> None:
    """Remove a bad entry (never served) and say so in one line."""
    with contextlib.suppress(OSError):
        path.unlink()
    notes.append(f"cache: dropped a bad entry ({why}): {path.name}")


def read(key: str, kind: str) -> Entry | None:
    """The entry under `key`, or None: missing, unreadable, foreign, or a dependency changed.
    An entry whose content does not match its integrity hash (edited by hand, damaged) is
    dropped."""
    path = _path(key)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    try:
        data = json.loads(text)
        if data["format"] != FORMAT or data["key"] != key or data["kind"] != kind:
            return None
        if data.get("sha256") != _integrity(key, kind, data["deps"], data["payload"]):
            drop(path, "its content does not match its integrity hash")
            return None
        deps = tuple((str(p), str(h)) for p, h in data["deps"])
        payload = data["payload"]
        if not isinstance(payload, dict):
            raise TypeError("payload is not an object")
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        drop(path, f"unreadable: {type(e).__name__}")
        return None
    if any(dep_hash(p) != h for p, h in deps):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # least recently *used*: a hit counts
    return Entry(payload, deps)


def write(key: str, kind: str, payload: dict[str, Any], deps: Sources) -> None:
    """Store atomically; a cache that cannot be written is silently skipped."""
    import tempfile  # only a write needs it: a hit stays light

    path = _path(key)
    unproven = [p for p, h in deps if not h or p.startswith(UNPROVEN)]
    if unproven:  # a result resting on what cannot be checked is never stored
        not_stored.append(f"not cached: the build depends on {unproven[0].removeprefix(UNPROVEN)}"
                          " (cannot be checked for changes)")
        return
    dep_list = [list(d) for d in deps]
    payload = json.loads(json.dumps(payload))  # the form it is read back in (tuples: lists)
    data = {"format": FORMAT, "key": key, "kind": kind, "deps": dep_list,
            "payload": payload, "sha256": _integrity(key, kind, dep_list, payload)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=_SUFFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
            Path(tmp).replace(path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()
            raise
    except OSError:
        return
    evict(max_bytes())


def _entries() -> list[tuple[float, int, Path]]:
    found = []
    for path in (cache_dir() / "entries").glob(f"*/*{_SUFFIX}"):
        try:
            st = path.stat()
        except OSError:  # another process evicted it
            continue
        found.append((st.st_mtime, st.st_size, path))
    return sorted(found)


def evict(limit: int) -> int:
    """Remove least recently used entries until the total is under `limit` bytes."""
    entries = _entries()
    total = sum(size for _, size, _ in entries)
    removed = 0
    for _, size, path in entries:
        if total <= limit:
            break
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
        total -= size
    return removed


@dataclass(frozen=True)
class CacheInfo:
    directory: Path
    entries: int
    bytes: int
    max_bytes: int


def info() -> CacheInfo:
    entries = _entries()
    return CacheInfo(cache_dir(), len(entries), sum(s for _, s, _ in entries), max_bytes())


def clear() -> int:
    """Remove every entry (and stray temporary files); returns how many entries went.
    Raises `CacheError` naming the first entry that could not be removed (a read-only cache)."""
    directory = check_settings()
    removed = 0
    failed: list[tuple[Path, OSError]] = []
    for path in (directory / "entries").glob("*/*"):
        try:
            path.unlink()
        except FileNotFoundError:  # another process evicted it
            continue
        except OSError as e:
            failed.append((path, e))
            continue
        removed += not path.name.startswith(".tmp-")
    if failed:
        where, error = failed[0]
        raise CacheError(
            f"cannot clear the cache in {directory}: {len(failed)} entr"
            f"{'y' if len(failed) == 1 else 'ies'} could not be removed "
            f"({(error.strerror or type(error).__name__).lower()}: {where.parent}); "
            f"removed {removed}")
    return removed


# --- inspections -------------------------------------------------------------------------


def load_inspection(key: str) -> tuple[Inspection, Sources] | None:
    from rnninspect.render.deserialize import (
        SchemaError,
        ill_typed,
        inspection_from_dict,
        with_internal,
    )

    entry = read(key, "inspection")
    if entry is None:
        return None
    try:
        ins = with_internal(inspection_from_dict(entry.payload["inspection"]),
                            entry.payload["internal"])
        wrong = ill_typed(ins)
    except (SchemaError, KeyError, TypeError, ValueError, AttributeError) as e:
        wrong = f"{type(e).__name__}: {e}"
    if wrong is not None:
        drop(_path(key), f"not an Inspection of this schema: {wrong}"[:200])
        return None
    return ins, entry.deps


def store_inspection(key: str, inspection: Inspection, deps: Sources) -> None:
    from rnninspect.render.deserialize import internal_to_dict
    from rnninspect.render.serialize import inspection_to_dict

    write(key, "inspection", {"inspection": inspection_to_dict(inspection),
                              "internal": internal_to_dict(inspection)}, deps)


def saved_file_deps(spec: str) -> Sources:
    """A saved model's files (a file, a directory's files, a checkpoint's shards — wherever
    its ``checkpoint`` file points, inside the directory or not)."""
    path = Path(spec)
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        files += _pointed_shards(path / "checkpoint")
    else:
        files = sorted(p for p in path.parent.glob(f"{path.name}*") if p.is_file())
        files += [p for p in (path.parent / "checkpoint",) if p.is_file()]
    found = list(dict.fromkeys(p.resolve() for p in files))
    return tuple((str(p), file_hash(p)) for p in found)


def _pointed_shards(state: Path) -> list[Path]:
    """The shards a TF ``checkpoint`` state file names (``model_checkpoint_path: "..."``),
    relative to its folder or absolute."""
    import re

    try:
        text = state.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    shards: list[Path] = []
    for prefix in re.findall(r'model_checkpoint_path:\s*"([^"]*)"', text):
        base = state.parent / prefix
        shards += sorted(p for p in base.parent.glob(f"{base.name}.*") if p.is_file())
    return shards


def describe(source: ZooSource | UserSource) -> dict[str, Any]:
    """What names the model, for the key (a zoo entry's code is part of `code_hash`)."""
    if isinstance(source, UserSource):
        return {"user": source.spec, "cwd": str(Path.cwd().resolve())}
    entry = type(source.entry)
    return {"zoo": source.entry.name, "family": f"{entry.__module__}.{entry.__qualname__}",
            "config": repr(source.config), "dialect": source.dialect}


def has_inspection(source: ZooSource | UserSource, options: LoadOptions,
                   step: int | None) -> bool:
    """Whether an entry exists for these (a cheap look, not a validated read)."""
    return _path(inspection_key(source, options, step)).is_file()


def inspection_key(source: ZooSource | UserSource, options: LoadOptions,
                   step: int | None) -> str:
    return make_key("inspection", describe(source), {**asdict(options), "step": step})


# --- gradient reports (built-in models: no user files to follow) ---------------------------


def grads_key(source: ZooSource, options: LoadOptions, seed: int) -> str:
    return make_key("grads", describe(source), {**asdict(options), "seed": seed})


def load_grads(key: str) -> GradientReport | None:
    from rnninspect.analysis.grads import GradFinding, GradientReport, StepGradients
    from rnninspect.render.deserialize import ill_typed

    entry = read(key, "grads")
    if entry is None:
        return None
    try:
        d = dict(entry.payload)
        d["variables"] = tuple(_frozen(StepGradients, r) for r in d["variables"])
        d["findings"] = tuple(_frozen(GradFinding, f) for f in d["findings"])
        report: GradientReport = _frozen(GradientReport, d)
        wrong = ill_typed(report)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        wrong = f"{type(e).__name__}: {e}"
    if wrong is not None:
        drop(_path(key), f"not a gradient report: {wrong}"[:200])
        return None
    return report


def _frozen(cls: Any, d: Mapping[str, Any]) -> Any:
    """`cls(**d)` for a dataclass stored with `asdict`: lists back to tuples, and every
    field present (an entry written by older code is a miss, never a half-filled result)."""
    names = {f.name for f in fields(cls)}
    if set(d) != names:
        raise KeyError(f"fields of {cls.__name__}: {sorted(set(d) ^ names)}")
    return cls(**{k: _tuples(v) for k, v in d.items()})


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def store_grads(key: str, report: GradientReport) -> None:
    write(key, "grads", asdict(report), ())
