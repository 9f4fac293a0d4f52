"""The built-in models: the two seed programs, their buggy variants, each in its dialects,
and the contrast forms. Each entry is a `ZooModel` that owns its behaviour (`base.py`)."""

from __future__ import annotations

from typing import Any

from rnninspect.errors import UnknownModelError
from rnninspect.zoo.base import DIALECTS, ZooModel
from rnninspect.zoo.configs import MNIST_CONFIGS, MNIST_OVERRIDES, PTB_CONFIGS, PTB_OVERRIDES
from rnninspect.zoo.contrast import CONTRAST_CONFIGS, CONTRAST_OVERRIDES, ContrastFamily
from rnninspect.zoo.contrast import DESCRIPTIONS as CONTRAST_DESCRIPTIONS
from rnninspect.zoo.seeds import MNISTFamily, MNISTTrainFamily, PTBFamily, PTBMainFamily

__all__ = ["DIALECTS", "MODELS", "ZooModel", "get", "owner_of"]


def _ptb(name: str, variant: str, description: str) -> PTBFamily:
    return PTBFamily(
        name, variant, description, DIALECTS, "legacy", PTB_CONFIGS, "small", PTB_OVERRIDES
    )


_ENTRIES: tuple[ZooModel[Any], ...] = (
    _ptb(
        "ptb",
        "standard",
        "PTB word LM (Zaremba et al. 2014): Python loop over steps, one LSTM cell reused",
    ),
    MNISTFamily(
        "mnist",
        "standard",
        "MNIST row classifier (2016): linear `hidden` projection, then static_rnn",
        DIALECTS,
        "legacy",
        MNIST_CONFIGS,
        "default",
        MNIST_OVERRIDES,
    ),
    _ptb(
        "ptb-noreuse",
        "noreuse",
        "Buggy PTB: a new cell (new weights) at every step — missing reuse",
    ),
    _ptb(
        "ptb-tiedlayers",
        "tiedlayers",
        "Buggy PTB: one cell object for every layer ([cell] * n) — shared across layers",
    ),
    PTBMainFamily(
        "ptb-main", "main",
        "PTB as main() builds it: Train/Valid/Test copies sharing the weights + SGD, clipping",
        ("legacy",), "legacy", PTB_CONFIGS, "small", PTB_OVERRIDES,
    ),
    MNISTTrainFamily(
        "mnist-train", "train",
        "MNIST seed as the script builds it: the model, cost, AdamOptimizer.minimize, accuracy",
        ("legacy",), "legacy", MNIST_CONFIGS, "default", MNIST_OVERRIDES,
    ),
    *(
        ContrastFamily(name, name, description,
                       ("legacy",) if name == "dynamic" else ("keras",),
                       "legacy" if name == "dynamic" else "keras",
                       CONTRAST_CONFIGS, "default", CONTRAST_OVERRIDES)
        for name, description in CONTRAST_DESCRIPTIONS.items()
    ),
)
MODELS: dict[str, ZooModel[Any]] = {m.name: m for m in _ENTRIES}


def get(name: str) -> ZooModel[Any]:
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(MODELS)
        raise UnknownModelError(
            f"unknown model {name!r}; built-in models: {known} (or a user model: file.py:NAME, "
            "package.module:NAME, a .keras file, a SavedModel directory, .pb/.pbtxt, .meta)"
        ) from None


def owner_of(model_obj: Any) -> ZooModel[Any] | None:
    """The entry whose own Keras class `model_obj` is (a model `rnninspect train` saved)."""
    return next((m for m in MODELS.values() if m.owns(model_obj)), None)
