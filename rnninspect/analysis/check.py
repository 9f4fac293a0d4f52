"""`check MODEL`: sharing assertions for CI, from flags and/or a small TOML file.

Patterns are shell globs on variable names (``*`` also crosses ``/``). A pattern matches a
name, or any tail of it that starts after a ``/`` — so ``RNN/*`` matches
``model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/kernel``; a leading ``/`` anchors the
pattern at the start of the name. A pattern that matches no variable is itself a failure
(a renamed scope must not turn a check into a silent pass).

TOML file (every key optional; the same names as the flags)::

    expect_shared = ["RNN/*"]
    expect_distinct = ["softmax_*"]
    expect_params = 4651600
    fail_on = "error"
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from rnninspect.errors import InvalidOptionError
from rnninspect.model import Inspection, Severity, VariableInfo

SEVERITY_ORDER = (Severity.INFO, Severity.WARNING, Severity.ERROR)
TOML_KEYS = ("expect_shared", "expect_distinct", "expect_params", "fail_on")


@dataclass(frozen=True)
class Expectations:
    expect_shared: tuple[str, ...] = ()  # every matching variable is read by > 1 step or layer
    expect_distinct: tuple[str, ...] = ()  # every matching variable is used in one place only
    expect_params: int | None = None  # unique trainable parameters, exactly
    fail_on: Severity | None = None  # any finding at this severity or above fails
    sources: tuple[str, ...] = field(default=(), compare=False)  # where they came from

    @property
    def empty(self) -> bool:
        return not (self.expect_shared or self.expect_distinct or self.expect_params is not None
                    or self.fail_on is not None)

    def merged(self, other: Expectations) -> Expectations:
        """Patterns from both; `other`'s scalars win where set (flags over the file)."""
        return Expectations(
            self.expect_shared + other.expect_shared,
            self.expect_distinct + other.expect_distinct,
            other.expect_params if other.expect_params is not None else self.expect_params,
            other.fail_on if other.fail_on is not None else self.fail_on,
            self.sources + other.sources,
        )


def parse_severity(text: str, where: str = "--fail-on") -> Severity:
    try:
        return Severity(text)
    except ValueError:
        known = ", ".join(s.value for s in SEVERITY_ORDER)
        raise InvalidOptionError(f"{where} must be one of {known}; got {text!r}") from None


def _load_toml_bytes(data: bytes, path: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise InvalidOptionError(
                f"reading {path} needs Python ≥ 3.11 or the 'tomli' package") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InvalidOptionError(f"{path} is not valid TOML: {e}") from None


def load_expectations(path: str | Path) -> Expectations:
    """Read a TOML expectations file, naming the file and key of any bad value."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise InvalidOptionError(f"cannot read expectations file {p}: {e.strerror}") from None
    table = _load_toml_bytes(data, str(p))
    unknown = sorted(set(table) - set(TOML_KEYS))
    if unknown:
        raise InvalidOptionError(
            f"{p}: unknown key {unknown[0]!r}; known keys: {', '.join(TOML_KEYS)}")

    def patterns(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(x, str) and x for x in value):
            raise InvalidOptionError(f"{p}: {key} must be a list of glob patterns; got {value!r}")
        return tuple(value)

    params = table.get("expect_params")
    if params is not None and (isinstance(params, bool) or not isinstance(params, int)
                               or params < 0):
        raise InvalidOptionError(f"{p}: expect_params must be a whole number ≥ 0; got {params!r}")
    fail_on = table.get("fail_on")
    if fail_on is not None and not isinstance(fail_on, str):
        raise InvalidOptionError(f"{p}: fail_on must be a string; got {fail_on!r}")
    return Expectations(
        patterns("expect_shared"), patterns("expect_distinct"), params,
        None if fail_on is None else parse_severity(fail_on, f"{p}: fail_on"), (str(p),))


def matches(pattern: str, name: str) -> bool:
    if pattern.startswith("/"):
        return fnmatchcase(name, pattern[1:])
    parts = name.split("/")
    return any(fnmatchcase("/".join(parts[i:]), pattern) for i in range(len(parts)))


def _matching(ins: Inspection, pattern: str) -> list[VariableInfo]:
    return [v for v in ins.variables if matches(pattern, v.name)]


def _no_match(ins: Inspection, pattern: str, flag: str) -> str:
    sample = ", ".join(v.name for v in ins.variables[:3])
    more = ", …" if len(ins.variables) > 3 else ""
    return f"{flag} {pattern!r} matches no variable (names look like: {sample}{more})"


def _where_read(v: VariableInfo) -> str:
    if v.dynamic:
        return "read inside a while loop (every iteration)"
    if v.reads == 0:
        return "never read"
    if not v.steps:
        return f"read once, {v.placement.value} the recurrence"
    steps = "step" if len(v.steps) == 1 else "steps"
    listed = ", ".join(str(s) for s in v.steps[:5]) + (", …" if len(v.steps) > 5 else "")
    layers = f" by layers {', '.join((str(v.cell), *v.also_cells))}" if v.also_cells else ""
    return f"read at {len(v.steps)} {steps} ({listed}){layers}"


def check(inspection: Inspection, expectations: Expectations) -> list[str]:
    """One line per failed expectation; an empty list means every expectation holds."""
    failures: list[str] = []
    for pattern in expectations.expect_shared:
        found = _matching(inspection, pattern)
        if not found:
            failures.append(_no_match(inspection, pattern, "expect-shared pattern"))
        failures += [f"expected shared ({pattern!r}): {v.name} is not shared — {_where_read(v)}"
                     for v in found if not v.reused]
    for pattern in expectations.expect_distinct:
        found = _matching(inspection, pattern)
        if not found:
            failures.append(_no_match(inspection, pattern, "expect-distinct pattern"))
        failures += [f"expected distinct ({pattern!r}): {v.name} is shared — {_where_read(v)}"
                     for v in found if v.reused]
    expected = expectations.expect_params
    if expected is not None and inspection.total_params != expected:
        delta = inspection.total_params - expected
        failures.append(f"expected {expected:,} unique trainable parameters; found "
                        f"{inspection.total_params:,} ({delta:+,})")
    if expectations.fail_on is not None:
        floor = SEVERITY_ORDER.index(expectations.fail_on)
        failures += [
            f"finding {f.severity.value} {f.kind.value} (--fail-on {expectations.fail_on.value}):"
            f" {f.message}"
            for f in inspection.findings if SEVERITY_ORDER.index(f.severity) >= floor
        ]
    return failures


def expectations_from_flags(
    shared: Sequence[str] | None, distinct: Sequence[str] | None, params: int | None,
    fail_on: str | None,
) -> Expectations:
    for flag, pats in (("--expect-shared", shared or ()), ("--expect-distinct", distinct or ())):
        for pat in pats:
            if not pat.strip():
                raise InvalidOptionError(f"{flag} takes a glob pattern; got an empty string")
    if params is not None and params < 0:
        raise InvalidOptionError(f"--expect-params must be ≥ 0; got {params}")
    return Expectations(tuple(shared or ()), tuple(distinct or ()), params,
                        None if fail_on is None else parse_severity(fail_on), ("flags",))
