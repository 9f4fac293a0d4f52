"""The data model: frozen dataclasses and enums. No TensorFlow here.

One `Inspection` feeds every renderer (tables, JSON, diagrams) and the tests. It holds
plain values only, so it pickles, compares with ``==`` and crosses process boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import graphviz

SCHEMA = "rnninspect.inspection/1"


class Role(str, Enum):
    """What a variable connects, decided from dataflow (DESIGN.md §3)."""

    EMBEDDING = "embedding"
    INPUT_TO_HIDDEN = "input_to_hidden"
    HIDDEN_TO_HIDDEN = "hidden_to_hidden"
    INPUT_HIDDEN_FUSED = "input_hidden_fused"
    HIDDEN_TO_OUTPUT = "hidden_to_output"
    BIAS = "bias"
    TRAINING_STATE = "training_state"  # optimizer slots, step counters, learning rates
    CARRIED_STATE = "carried_state"  # a stateful RNN's state, kept from one call to the next
    OTHER = "other"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.EMBEDDING: "embedding",
    Role.INPUT_TO_HIDDEN: "input→hidden",
    Role.HIDDEN_TO_HIDDEN: "hidden→hidden",
    Role.INPUT_HIDDEN_FUSED: "input+hidden (fused)",
    Role.HIDDEN_TO_OUTPUT: "hidden→output",
    Role.BIAS: "bias",
    Role.TRAINING_STATE: "training state",
    Role.CARRIED_STATE: "carried state",
    Role.OTHER: "other",
}


class Placement(str, Enum):
    """Where a variable's reads sit relative to the recurrence."""

    BEFORE = "before"  # read once, upstream of the recurrence (an input projection)
    CELL = "cell"  # read inside the time steps
    AFTER = "after"  # read once the recurrence is done (an output layer)
    NONE = "none"  # no recurrence, or not connected to it


class Severity(str, Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class FindingKind(str, Enum):
    DUPLICATED_ACROSS_STEPS = "duplicated_across_steps"
    SHARED_ACROSS_LAYERS = "shared_across_layers"
    REDUNDANT_PROJECTION = "redundant_projection"
    UNUSED_VARIABLE = "unused_variable"
    NO_RECURRENCE = "no_recurrence"
    WEIGHT_TYING = "weight_tying"
    NO_GRAPH = "no_graph"  # a checkpoint alone: roles rest on names and shapes only
    UNRESOLVED = "unresolved"  # the analysis could not prove where a weight sits
    DEAD_WEIGHT = "dead_weight"  # a weight that can only ever multiply zeros
    DEAD_STEPS = "dead_steps"  # steps whose contribution never reaches the loss


@dataclass(frozen=True)
class RowSplit:
    """Rows of a fused kernel: ``[start, stop)`` multiplying the input and the previous state."""

    input: tuple[int, int]
    hidden: tuple[int, int]


@dataclass(frozen=True)
class GateBlock:
    """A column block of a gated kernel, in the framework's real order."""

    gate: str
    columns: tuple[int, int]


@dataclass(frozen=True)
class VariableInfo:
    name: str
    shape: tuple[int | None, ...]
    dtype: str
    params: int
    trainable: bool
    role: Role
    placement: Placement
    cell: str | None  # name of the recurrent cell it belongs to
    layer: int | None
    steps: tuple[int, ...]  # unrolled steps whose computation reads it
    dynamic: bool  # read inside a while-loop body (every iteration)
    shared: bool  # read by more than one step or call
    reads: int  # ops that consume its value (two summed row slices of a kernel: one)
    row_split: RowSplit | None = None
    gates: tuple[GateBlock, ...] | None = None
    also_cells: tuple[str, ...] = ()  # further cells (layers) that read it: a sharing bug
    also_roles: tuple[Role, ...] = ()  # further roles of one variable (weight tying)
    # copy name -> steps that read it in that copy (only when the graph holds copies)
    steps_by_copy: tuple[tuple[str, tuple[int, ...]], ...] = ()
    # the layer-0 cell kernel its output reaches with no nonlinearity in between (projections)
    linear_into: str | None = None
    dead_steps: tuple[int, ...] = ()  # steps whose reads reach no model output
    dead: bool = False  # every read multiplies an operand that is always zero

    @property
    def logical_params(self) -> int:
        """Parameters times the number of steps that read it (1 if read outside the steps)."""
        return self.params * max(1, len(self.steps))

    @property
    def reused(self) -> bool:
        """Is this variable shared in any sense: read by more than one step or call
        (`shared`), or by more than one cell/layer (`also_cells`)?"""
        return self.shared or bool(self.also_cells)


@dataclass(frozen=True)
class Cell:
    """One recurrent cell (one layer of a stack): the variables applied at every step."""

    name: str
    layer: int
    kind: str  # "LSTM", "GRU", "RNN"
    units: int | None
    gate_order: tuple[str, ...]  # e.g. ("i", "j", "f", "o") for TF1 BasicLSTMCell
    state: tuple[str, ...]  # what it carries from step to step, e.g. ("c", "h")
    variables: tuple[str, ...]
    num_steps: int | None  # None when dynamic (a while loop)
    dynamic: bool
    # "forward" / "backward" in a bidirectional pair (two cells over one input, one of them
    # reading it in reverse time order); None otherwise
    direction: str | None = None


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    severity: Severity
    message: str
    variables: tuple[str, ...]
    params: int = 0  # parameters at stake
    fix: str | None = None


@dataclass(frozen=True)
class Link:
    """Dataflow between two blocks of the rolled picture (input, weight, cell or output)."""

    source: str
    target: str


@dataclass(frozen=True)
class StepOp:
    """One op of the detailed single-step graph."""

    id: str
    op: str
    label: str
    reads: str | None = None  # variable name when this op consumes a variable
    gate: str | None = None  # gate name when this op is a gate activation


@dataclass(frozen=True)
class StepGraph:
    step: int
    ops: tuple[StepOp, ...]
    edges: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CopyInfo:
    """One of several unrolled instances of the model that share its variables (the PTB
    program's Train, Valid and Test models), with no data path between them."""

    name: str
    num_steps: int | None
    batch_size: int | None
    training: bool  # its activations feed gradients and variable updates
    primary: bool = False  # the copy whose steps `VariableInfo.steps` holds
    dynamic: bool = False  # its cells run inside a while loop (T decided at run time)


@dataclass(frozen=True)
class Inspection:
    model: str
    dialect: str
    config: tuple[tuple[str, Any], ...]
    num_steps: int | None
    total_params: int  # unique trainable parameters
    logical_params: int  # parameters x steps that read them, summed over trainable variables
    variables: tuple[VariableInfo, ...]
    cells: tuple[Cell, ...]
    findings: tuple[Finding, ...]
    links: tuple[Link, ...] = ()
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    op_count: int = 0
    copies: tuple[CopyInfo, ...] = ()  # empty unless the graph holds several copies
    step_graph: StepGraph | None = field(default=None, compare=False)

    # -- lookups -------------------------------------------------------------------------
    def variable(self, name: str) -> VariableInfo:
        for v in self.variables:
            if v.name == name:
                return v
        known = ", ".join(v.name for v in self.variables)
        raise KeyError(f"no variable {name!r}; known: {known}")

    def by_role(self, role: Role) -> tuple[VariableInfo, ...]:
        return tuple(v for v in self.variables if v.role is role)

    @property
    def layers(self) -> int:
        return len({c.layer for c in self.cells})

    # -- exports and display: all through the one display hook ------------------------
    def to_dict(self) -> dict[str, Any]:
        return _display().as_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Inspection:
        """The inverse of `to_dict`: ``Inspection.from_dict(d).to_dict() == d``."""
        return _display().from_dict(data)

    def to_json(self, indent: int | None = 2) -> str:
        return _display().as_json(self, indent)

    def diagram(self, view: str = "rolled", **options: Any) -> graphviz.Digraph:
        return _display().diagram(self, view, **options)

    def __repr__(self) -> str:
        """One line (the full record is `to_dict()`; the table is `str()`)."""
        count = len(self.variables)
        return (f"Inspection(model={self.model!r}, dialect={self.dialect!r}, "
                f"T={self.num_steps!r}, {count} variable{'s' if count != 1 else ''}, "
                f"{self.total_params:,} params)")

    def __rich__(self) -> Any:
        return _display().renderable(self)

    def __str__(self) -> str:
        return _display().text(self)

    def _repr_html_(self) -> str:
        return _display().html(self)


class DisplayHook(Protocol):
    """What `render.display` provides (mypy checks the module against it there)."""

    def as_dict(self, inspection: Inspection) -> dict[str, Any]: ...
    def from_dict(self, data: dict[str, Any]) -> Inspection: ...
    def as_json(self, inspection: Inspection, indent: int | None) -> str: ...
    def diagram(self, inspection: Inspection, view: str, **options: Any) -> graphviz.Digraph: ...
    def renderable(self, inspection: Inspection) -> Any: ...
    def text(self, inspection: Inspection) -> str: ...
    def html(self, inspection: Inspection) -> str: ...


_HOOK: list[DisplayHook] = []  # installed once, by rnninspect.render.display on import


def register_display(hook: DisplayHook) -> None:
    """Install the display hook. `render/display.py` registers itself when it is imported,
    and the package's `__init__` imports it, so every `Inspection` a user holds can show
    itself, while the data model imports no renderer (no import runs upward)."""
    _HOOK[:] = [hook]


def _display() -> DisplayHook:
    """The display hook `render.display` registered (which also reads an Inspection back
    from its dict)."""
    if not _HOOK:
        raise RuntimeError("Inspection's display hook is not installed; import "
                           "rnninspect.render.display (importing rnninspect does)")
    return _HOOK[0]
