"""`resolve(spec, options)`: a built-in model or a user model, one set of option rules;
`load(spec, options)`: resolve, then trace."""

from __future__ import annotations

import errno
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnninspect import zoo
from rnninspect.errors import InvalidOptionError, ModelSourceError
from rnninspect.graph import Traced
from rnninspect.model import Inspection
from rnninspect.sources.user import load_user


@dataclass(frozen=True)
class LoadOptions:
    dialect: str | None = None
    config: str | None = None
    num_steps: int | None = None
    hidden: int | None = None
    layers: int | None = None
    vocab: int | None = None
    batch: int | None = None

    def overrides(self) -> dict[str, int | None]:
        return {
            "num_steps": self.num_steps,
            "hidden": self.hidden,
            "layers": self.layers,
            "vocab": self.vocab,
            "batch": self.batch,
        }


@dataclass(frozen=True)
class ZooSource:
    entry: zoo.ZooModel[Any]
    config: Any  # the entry's config type, overrides applied
    dialect: str


@dataclass(frozen=True)
class UserSource:
    spec: str  # built as its code (or file) says: no options apply


def resolve(spec: str, options: LoadOptions | None = None) -> ZooSource | UserSource:
    """Which model `spec` names, with every option validated (before anything is built)."""
    options = options or LoadOptions()
    if spec not in zoo.MODELS and _looks_like_user_model(spec):
        given = [k for k, v in options.overrides().items() if v is not None]
        given += [k for k in ("dialect", "config") if getattr(options, k) is not None]
        if given:
            flag = "--" + given[0].replace("_", "-")
            raise InvalidOptionError(
                f"{flag} applies to built-in models only; {spec!r} is built as its code says"
            )
        refuse_special(spec)
        return UserSource(spec)
    entry = zoo.get(spec)
    dialect = entry.check_dialect(options.dialect)
    return ZooSource(entry, entry.config(options.config, options.overrides()), dialect)


def load(spec: str, options: LoadOptions | None = None) -> Traced | Inspection:
    """Build and trace the model named by `spec` (see `resolve`)."""
    source = resolve(spec, options)
    if isinstance(source, UserSource):
        return load_user(source.spec)
    from rnninspect.tf.zoo import trace_zoo

    return trace_zoo(source.entry, source.config, source.dialect)


_SPECIAL = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def refuse_special(spec: str) -> None:
    """A model path (or FILE.py of FILE.py:NAME) that is a FIFO, a device or a socket — or a
    symlink to one, like ``/dev/zero`` — would hang or read forever, and a symlink that
    leads nowhere (or round in a loop) would read as "no such file": one line instead."""
    for candidate in (spec, spec.rpartition(":")[0]):
        if not candidate:
            continue
        if Path(candidate).is_symlink() and not Path(candidate).exists():
            raise ModelSourceError(_dangling(Path(candidate), spec))
        try:
            mode = Path(candidate).stat().st_mode  # follows symlinks
        except (OSError, ValueError):
            continue
        what = next((name for test, name in _SPECIAL if test(mode)), None)
        if what is not None:
            raise ModelSourceError(
                f"{spec!r} is not a regular file ({what}); give a model file, a SavedModel or "
                "checkpoint directory, or FILE.py:NAME")
        return


def _dangling(path: Path, spec: str) -> str:
    """A symlink that leads nowhere: to a missing file, or round in a loop."""
    try:
        path.resolve(strict=True)
        looped = False
    except RuntimeError:  # how Python < 3.13 reports a loop
        looped = True
    except OSError as e:
        looped = e.errno == errno.ELOOP
    if looped:
        return f"{spec!r} is a symlink loop (it leads back to itself); point it at the model"
    return (f"{spec!r} is a symlink to {str(path.readlink())!r}, which does not exist; point "
            "it at the model")


def _looks_like_user_model(spec: str) -> bool:
    return ":" in spec or "/" in spec or "." in spec or Path(spec).exists()
