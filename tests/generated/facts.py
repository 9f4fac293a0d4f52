"""The ground truth a writer accumulates while it puts each weight in place: one `Weight` per
variable it creates (it knows the role, cell label, layer, direction and steps because it
wrote the code that reads it), turned into the corpus's `EXPECTED` dict
(tests/models/real/README.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# sorted indices, or "dynamic" (read in a while-loop body); None: not asserted (a cell both
# run by a loop and called step by step)
Steps = list[int] | str | None


@dataclass(frozen=True)
class Weight:
    name: str
    shape: tuple[int, ...]
    role: str
    cell: str | None = None  # a label: same label = one rnninspect cell
    layer: int | None = None
    steps: Steps = field(default_factory=list)
    direction: str | None = None
    # False where the taxonomy does not decide the layer (a decoder seeded by an encoder's
    # state: tests/models/real/README.md); the key is then left out of the truth
    layer_asserted: bool = True
    cell_asserted: bool = True  # False: only the role is asserted (with layer_asserted False)

    @property
    def params(self) -> int:
        return math.prod(self.shape)

    def entry(self) -> dict[str, Any]:
        out: dict[str, Any] = {"role": self.role}
        if self.cell_asserted:
            out["cell"] = self.cell
        if self.steps is not None:
            out["steps"] = self.steps
        if self.layer_asserted:
            out["layer"] = self.layer
        if self.direction is not None:
            out["direction"] = self.direction
        return out


@dataclass
class Truth:
    """What a writer knows so far; `expected()` is the corpus-format dict."""

    num_steps: int | None
    weights: list[Weight] = field(default_factory=list)
    training_state: int = 0
    copies: list[dict[str, Any]] = field(default_factory=list)
    findings: dict[str, list[str]] = field(default_factory=dict)
    num_steps_asserted: bool = True  # False: T is not one number the taxonomy decides
    # how many cells and layers, where not one per cell label (one cell run as two layers)
    cells: int | None = None
    layers: int | None = None

    def add(self, weight: Weight) -> str:
        if any(w.name == weight.name for w in self.weights):
            raise AssertionError(f"the writer made {weight.name} twice")
        self.weights.append(weight)
        return weight.name

    def expected(self, key: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "builder": "build",
            "mirrors": f"generated: {key}",
            "total_params": sum(w.params for w in self.weights),
            **({"num_steps": self.num_steps} if self.num_steps_asserted else {}),
            "variables": {w.name: w.entry() for w in self.weights},
            "training_state_count": self.training_state,
            "findings": self.findings,
        }
        if self.copies:
            out["copies"] = self.copies
        out |= {k: v for k, v in (("cells", self.cells), ("layers", self.layers)) if v}
        return out


def steps_of(num_steps: int, dynamic: bool) -> Steps:
    return "dynamic" if dynamic else list(range(num_steps))
