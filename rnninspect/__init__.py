"""rnninspect: where every weight of a TensorFlow RNN lives, and which time steps share it."""

from rnninspect.api import inspect
from rnninspect.errors import (
    InvalidOptionError,
    ModelSourceError,
    RnnInspectError,
    TraceError,
    UnknownModelError,
)
from rnninspect.model import (
    Cell,
    Finding,
    FindingKind,
    Inspection,
    Placement,
    Role,
    Severity,
    VariableInfo,
)

# Importing it installs Inspection's display hook (to_dict, to_json, __rich__, ...): the data
# model imports no renderer (docs/layout.md).
from rnninspect.render import display as _display  # noqa: F401

__version__ = "0.1.0"

__all__ = [
    "Cell",
    "Finding",
    "FindingKind",
    "Inspection",
    "InvalidOptionError",
    "ModelSourceError",
    "Placement",
    "RnnInspectError",
    "Role",
    "Severity",
    "TraceError",
    "UnknownModelError",
    "VariableInfo",
    "__version__",
    "inspect",
]
