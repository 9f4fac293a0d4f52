"""Keras callbacks of rnninspect: `ProbeCallback` records probe snapshots while `fit` trains.

    from rnninspect.keras import ProbeCallback

    model.fit(x, y, epochs=10, callbacks=[ProbeCallback("runs/mine", inputs=x[:32])])
    model.save("runs/mine/model.keras")
    # rnninspect report runs/mine           -> "Values through time", epoch by epoch
    # rnninspect probe runs/mine --history  -> the same as a table

Importing this module imports neither Keras nor a backend framework: the callback class is
made (subclassing your `keras.callbacks.Callback`) the first time `ProbeCallback` is used.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ProbeCallback"]  # noqa: F822 - made on first use by __getattr__


def __getattr__(name: str) -> Any:
    if name == "ProbeCallback":
        from rnninspect.probe.callback import probe_callback_class

        cls = probe_callback_class()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
