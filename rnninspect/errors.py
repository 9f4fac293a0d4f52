"""Exceptions (each also subclasses a builtin so callers can catch either) and the exit
status every command returns (the only definition; the CLI and training share it)."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    FAILURE = 1  # a check failed (check, train with NaN loss)
    ERROR = 2  # bad input: one line on stderr
    INTERRUPTED = 130


class RnnInspectError(Exception):
    """Base class: a problem the user can fix. The message is one line naming the bad value."""


class InvalidOptionError(RnnInspectError, ValueError):
    """A command-line or API option has a bad value."""


class UnknownModelError(RnnInspectError, LookupError):
    """A model spec names nothing rnninspect can load."""


class ModelSourceError(RnnInspectError, ValueError):
    """A model file or function exists but cannot be used (syntax error, wrong return type...)."""


class TraceError(RnnInspectError, RuntimeError):
    """TensorFlow failed while building or tracing the model."""


class BackendError(RnnInspectError, RuntimeError):
    """The deep-learning backend is missing or configured in a way we cannot use."""


class CacheError(RnnInspectError, OSError):
    """The result cache cannot do what was asked (a read-only cache directory)."""


class ExecutableNotFoundError(RnnInspectError, RuntimeError):
    """Graphviz's `dot` is needed (to render SVG/PNG/PDF) but is not installed."""


class DotRenderError(RnnInspectError, RuntimeError):
    """Graphviz's `dot` rejected a diagram (the DOT text was written instead)."""
