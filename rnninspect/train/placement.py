"""Where a training run computes: its backend, devices and distribution strategy (no
framework import here: `devices` finds them, `distributed` for multi-worker runs)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Placement:
    backend: str
    devices: list[str]  # names, for the report
    gpu: bool
    strategy: Any = None  # TensorFlow tf.distribute strategy (default strategy when single)
    distribution: Any = None  # keras.distribution.DataParallel under JAX with >1 device
    notes: list[str] = field(default_factory=list)
    processes: int = 1  # >1: a multi-worker run (train/distributed)

    @property
    def replicas(self) -> int:
        return max(len(self.devices), 1) if (self.strategy or self.distribution) else 1

    def scope(self) -> Any:
        if self.strategy is not None:
            return self.strategy.scope()
        if self.distribution is not None and self.processes > 1:
            return self.distribution.scope()  # variables replicated over every process
        return contextlib.nullcontext()
