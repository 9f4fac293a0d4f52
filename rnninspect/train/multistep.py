"""The training steps of a multi-worker run (train/distributed): the one-process steppers,
with the carried state read back across processes.

A worker holds only its own replicas' rows of the carried state; a checkpoint needs all of
them, so `fetch` gathers them from every worker (a collective: every worker calls it at the
same step, which `Trainer.save` guarantees, the chief alone then writing). Feeding is the
one-process code's: every worker has the whole global batch and gives each of its replicas
that replica's row block.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnninspect.train.steps import JaxStepper, TensorFlowStepper


class MultiWorkerTensorFlowStepper(TensorFlowStepper):
    def fetch(self, tensor: Any) -> np.ndarray:
        return np.asarray(self.placement.strategy.gather(tensor, axis=0))


class MultiProcessJaxStepper(JaxStepper):
    def put(self, array: np.ndarray) -> Any:
        import jax

        layout = self.placement.distribution.get_data_layout(array.shape).backend_layout
        return jax.make_array_from_callback(array.shape, layout, lambda index: array[index])

    def fetch(self, tensor: Any) -> np.ndarray:
        from jax.experimental import multihost_utils

        if getattr(tensor, "is_fully_replicated", True):
            return np.asarray(tensor)
        return np.asarray(multihost_utils.process_allgather(tensor, tiled=True))
