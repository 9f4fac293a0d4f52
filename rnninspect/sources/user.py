"""MODEL SPEC -> the loader for it: code, a saved file, a directory or a checkpoint."""

from __future__ import annotations

import re
from pathlib import Path

from rnninspect.errors import ModelSourceError, UnknownModelError
from rnninspect.graph import Traced
from rnninspect.model import Inspection
from rnninspect.sources.code import CodeSpec, load_code, top_level_names
from rnninspect.sources.isolated import read_isolated

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_MODULE = re.compile(rf"^{_NAME}(\.{_NAME})*$")
_CODE = re.compile(rf"^(?P<target>.+):(?P<name>{_NAME})$")


def parse_code_spec(spec: str) -> CodeSpec | None:
    """`path/to/file.py:NAME` or `package.module:NAME`; None for anything else."""
    m = _CODE.match(spec)
    if m is None or Path(spec).exists():
        return None
    target = m["target"]
    if target.endswith(".py"):
        return CodeSpec(spec, target, m["name"], is_file=True)
    if _MODULE.match(target):
        return CodeSpec(spec, target, m["name"], is_file=False)
    return None


def load_user(spec: str) -> Traced | Inspection:
    """Load a user's model: code, a `.keras` or `.h5` file, a SavedModel, a GraphDef, a
    MetaGraph or a checkpoint. Raises `UnknownModelError` / `ModelSourceError` with one line
    to act on."""
    code = parse_code_spec(spec)
    if code is not None:
        return load_code(code)
    path = Path(spec)
    if not path.exists():
        if Path(f"{spec}.index").exists():  # a checkpoint prefix: model.ckpt-100
            return read_isolated("checkpoint", spec, spec)
        raise UnknownModelError(_missing(spec))
    if path.is_dir():
        return _load_directory(path, spec)
    return _load_file(path, spec)


def _missing(spec: str) -> str:
    from rnninspect import zoo

    known = ", ".join(zoo.MODELS)
    return (f"no such file or directory: {spec!r} — and it is not a built-in model "
            f"({known}) nor FILE.py:NAME / package.module:NAME")


def _load_file(path: Path, spec: str) -> Traced | Inspection:
    suffix = path.suffix.lower()
    if suffix == ".keras":
        from rnninspect.sources.keras_file import load_keras_file

        return load_keras_file(path, spec)
    if suffix in (".h5", ".hdf5"):
        from rnninspect.sources.h5_file import load_h5_file

        return load_h5_file(path, spec)
    if path.name in ("saved_model.pb", "saved_model.pbtxt"):
        return read_isolated("saved_model", path.parent, spec)
    if suffix in (".pb", ".pbtxt"):
        return read_isolated("graph_def", path, spec)
    if suffix == ".meta":
        return read_isolated("meta", path, spec)
    if suffix == ".index":
        return read_isolated("checkpoint", path.with_suffix(""), spec)
    if suffix == ".py":
        names = top_level_names(path)
        defined = f" (it defines: {', '.join(names)})" if names else ""
        raise ModelSourceError(
            f"{spec!r} is Python code: add :NAME, the function or attribute that returns the "
            f"model, e.g. {spec}:{names[0] if names else 'build'}{defined}")
    raise ModelSourceError(
        f"{spec!r}: unsupported file type {suffix or '(none)'!r}; rnninspect reads .keras, "
        ".h5/.hdf5 (Keras HDF5), .pb/.pbtxt (GraphDef), .meta (MetaGraph), checkpoints, "
        "SavedModel directories and FILE.py:NAME")


def _load_directory(path: Path, spec: str) -> Traced | Inspection:
    if (path / "saved_model.pb").exists() or (path / "saved_model.pbtxt").exists():
        return read_isolated("saved_model", path, spec)
    if (path / "model.keras").exists():
        from rnninspect.sources.keras_file import load_keras_file

        return load_keras_file(path / "model.keras", spec)
    if (path / "checkpoint").exists() or any(path.glob("*.index")):
        return read_isolated("checkpoint_dir", path, spec)
    found = sorted(p.name for p in path.iterdir())[:6]
    listing = ", ".join(found) if found else "it is empty"
    raise ModelSourceError(
        f"directory {spec!r} holds no model: expected saved_model.pb (a TF2 SavedModel), "
        f"model.keras (a `rnninspect train --checkpoint` directory) or a TF checkpoint; "
        f"found: {listing}")
