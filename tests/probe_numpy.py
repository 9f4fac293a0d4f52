"""What the probe tests share (no test module imports another): the logistic function and
the 2015 saturation statistics of one gate's values, as plain numpy."""

from __future__ import annotations

from typing import Any

import numpy as np


def sigmoid(a: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-a))


def stats(activation: str, a: Any) -> tuple[float, float, float]:
    """(mean, share < low, share > high): 0.1 / 0.9 for a sigmoid, ∓0.9 for a tanh."""
    if activation == "sigmoid":
        return float(a.mean()), float((a < 0.1).mean()), float((a > 0.9).mean())
    return float(a.mean()), float((a < -0.9).mean()), float((a > 0.9).mean())
