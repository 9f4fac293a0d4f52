"""`rnninspect.keras.ProbeCallback`: probe snapshots of a user's Keras 3 model during `fit`.

The same code as `train --probe-every` (`probe.history.record`): at the end of every
`every_epoch`-th epoch the model's current weights are probed on the batch given
(`probe.snapshot`: numpy from the weights, on any backend) and written to
RUN_DIR/probe/step-NNNNNN.json, where `step` is the optimizer's step counter (training steps
over every `fit`) and `epoch` the 1-based epoch. Arguments are checked when the callback is
made: one `InvalidOptionError` line naming the bad value.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from rnninspect.errors import InvalidOptionError


def checked_inputs(inputs: Any) -> list[Any]:
    """`inputs` as a list of arrays, one per model input, each with a batch dimension."""
    arrays = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    found = [np.asarray(a) for a in arrays]
    if not found or any(a.ndim < 2 or a.shape[0] < 1 for a in found):
        shapes = ", ".join(str(tuple(a.shape)) for a in found) or "none"
        raise InvalidOptionError(
            f"ProbeCallback(inputs=…) takes a batch (an array [batch, steps, …], or a list of "
            f"them, one per model input); got {shapes}")
    return found


def checked_every(every_epoch: Any) -> int:
    if isinstance(every_epoch, bool) or not isinstance(every_epoch, int) or every_epoch < 1:
        raise InvalidOptionError(
            f"ProbeCallback(every_epoch=…) must be a whole number ≥ 1; got {every_epoch!r}")
    return every_epoch


@cache
def probe_callback_class() -> type:
    import keras

    class ProbeCallback(keras.callbacks.Callback):  # type: ignore[misc]  # keras is untyped
        """Record a probe snapshot (gate saturation, state norms, dead units, the first
        non-finite value per layer and step) of the model being trained, on `inputs`, at the
        end of every `every_epoch`-th epoch, into `run_dir`/probe/ (a `rnninspect.probe/1`
        document plus step and epoch). `rnninspect report RUN_DIR` charts the snapshots."""

        def __init__(self, run_dir: str | Path, inputs: Any, every_epoch: int = 1,
                     name: str | None = None) -> None:
            super().__init__()
            self.run_dir = Path(run_dir)
            if self.run_dir.exists() and not self.run_dir.is_dir():
                raise InvalidOptionError(
                    f"ProbeCallback({str(run_dir)!r}): a file, not a directory")
            self.inputs = checked_inputs(inputs)
            self.every_epoch = checked_every(every_epoch)
            self.name = name
            self.written: list[Path] = []

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            if (epoch + 1) % self.every_epoch:
                return
            from rnninspect.probe.history import record

            step = _steps_done(self.model, epoch)
            shapes = " + ".join("×".join(str(d) for d in a.shape) for a in self.inputs)
            self.written.append(record(
                self.run_dir, self.model, self.inputs, step=step, epoch=epoch + 1,
                end_of_epoch=True, name=self.name or str(self.model.name),
                notes=(f"data: the batch given to ProbeCallback ({shapes})",
                       f"weights at the end of epoch {epoch + 1} ({step} training steps)")))

    return ProbeCallback


def _steps_done(model: Any, epoch: int) -> int:
    """The optimizer's step counter (over every `fit`); the epoch when there is none."""
    import keras

    optimizer = getattr(model, "optimizer", None)
    iterations = getattr(optimizer, "iterations", None)
    if iterations is None:
        return epoch + 1
    return int(keras.ops.convert_to_numpy(iterations))
