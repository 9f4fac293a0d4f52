"""What the passes learn about each variable and cell before it becomes an Inspection."""

from __future__ import annotations

from dataclasses import dataclass, field

from rnninspect.analysis.loops import Loop
from rnninspect.analysis.reads import Use
from rnninspect.analysis.recurrence import (
    Chain,
    Upstream,
)
from rnninspect.graph import TracedVariable
from rnninspect.model import Placement, Role, RowSplit


@dataclass
class CellBuild:
    chains: list[Chain]
    clock: Upstream | None = None  # step clock when the cell has no chains (per-step copies)
    # per-step copies: what tells their roles (`duplicates.state_clocks`), and the copies
    # whose layer is not proven (names)
    state_clocks: list[Upstream] = field(default_factory=list)
    unproven: list[str] = field(default_factory=list)
    num_steps: int = 0
    loop: Loop | None = None  # a while loop: every iteration reads the cell's weights
    calls: list[Loop] = field(default_factory=list)  # one-iteration loops: its steps' calls
    layer: int = 0
    name: str = ""
    kind: str = "RNN"
    gate_order: tuple[str, ...] = ()
    # one cell applied to independent sequences made from different model inputs (twin
    # towers): the inputs; whether that is copies or one layer is not proven
    separate_inputs: tuple[str, ...] = ()
    # a fused op's own layer and direction (`fused.place_fused`): "forward" / "backward"
    direction: str | None = None


@dataclass
class VarFacts:
    var: TracedVariable
    uses: list[Use]
    steps: set[int] = field(default_factory=set)
    cell: CellBuild | None = None
    placement: Placement = Placement.NONE
    dynamic: bool = False
    step_uses: dict[int, Use] = field(default_factory=dict)
    duplicated: bool = False
    other_cells: list[CellBuild] = field(default_factory=list)  # layers sharing its cell
    also_roles: list[Role] = field(default_factory=list)
    use_cells: dict[str, CellBuild] = field(default_factory=dict)  # read op -> its cell
    use_steps: dict[str, int] = field(default_factory=dict)  # read op -> its time step
    # A layer called once per step (each call a one-iteration while loop): its read in one
    # call and that call's clock (pos 0: depends on the state the call carries) tell its
    # role, whatever cell it sits in.
    own_state: tuple[Use, Upstream] | None = None
    # the role (and row split) a fused RNN op's weight slot proves (`fused.py`)
    proven: tuple[Role, RowSplit | None] | None = None


