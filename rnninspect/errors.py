"""Exceptions. Each also subclasses a builtin so callers can catch either."""

from __future__ import annotations


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


class ExecutableNotFoundError(RnnInspectError, RuntimeError):
    """Graphviz's `dot` is needed (to render SVG/PNG/PDF) but is not installed."""


class DotRenderError(RnnInspectError, RuntimeError):
    """Graphviz's `dot` rejected a diagram (the DOT text was written instead)."""
