"""The stepper for a placement: one process (`steps`) or several (`multistep`)."""

from __future__ import annotations

from typing import Any

from rnninspect.train import multistep
from rnninspect.train.placement import Placement
from rnninspect.train.steps import JaxStepper, Stepper, TensorFlowStepper, TorchStepper


def make_stepper(
    model: Any, optimizer: Any, family: str, grad_scale: float, placement: Placement
) -> Stepper:
    cls = {"tensorflow": TensorFlowStepper, "jax": JaxStepper, "torch": TorchStepper}[
        placement.backend
    ]
    if placement.processes > 1:
        cls = {"tensorflow": multistep.MultiWorkerTensorFlowStepper,
               "jax": multistep.MultiProcessJaxStepper}[placement.backend]
    return cls(model, optimizer, family, grad_scale, placement)
