"""The built-in models: the two seed programs, their buggy variants, each in its dialects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rnninspect.errors import InvalidOptionError, UnknownModelError
from rnninspect.zoo.configs import (
    MNIST_CONFIGS,
    MNIST_OVERRIDES,
    PTB_CONFIGS,
    PTB_OVERRIDES,
    with_overrides,
)
from rnninspect.zoo.contrast import CONTRAST_CONFIGS, CONTRAST_OVERRIDES
from rnninspect.zoo.contrast import DESCRIPTIONS as CONTRAST_DESCRIPTIONS

DIALECTS = ("legacy", "keras")


@dataclass(frozen=True)
class ZooModel:
    name: str
    family: str  # "ptb", "mnist" or "contrast": which builders and input signature
    variant: str  # "standard", "noreuse", "tiedlayers"
    description: str
    dialects: tuple[str, ...]
    default_dialect: str
    configs: dict[str, Any]
    default_config: str
    overrides: dict[str, str]

    def config(self, name: str | None, overrides: dict[str, int | None]) -> Any:
        name = name or self.default_config
        if name not in self.configs:
            known = ", ".join(self.configs)
            raise InvalidOptionError(
                f"unknown config {name!r} for model {self.name!r}; choose one of: {known}"
            )
        for key, value in overrides.items():
            if value is None:
                continue
            if key not in self.overrides:
                raise InvalidOptionError(
                    f"--{key.replace('_', '-')} does not apply to model {self.name!r}"
                )
            if value < 1:
                raise InvalidOptionError(f"--{key.replace('_', '-')} must be ≥ 1; got {value}")
        return with_overrides(self.configs[name], self.overrides, overrides)

    def check_dialect(self, dialect: str | None) -> str:
        dialect = dialect or self.default_dialect
        if dialect not in self.dialects:
            known = ", ".join(self.dialects)
            raise InvalidOptionError(
                f"unknown dialect {dialect!r} for model {self.name!r}; choose one of: {known}"
            )
        return dialect


def _ptb(name: str, variant: str, description: str, dialects: tuple[str, ...]) -> ZooModel:
    return ZooModel(
        name, "ptb", variant, description, dialects, "legacy", PTB_CONFIGS, "small", PTB_OVERRIDES
    )


MODELS: dict[str, ZooModel] = {
    m.name: m
    for m in (
        _ptb(
            "ptb",
            "standard",
            "PTB word LM (Zaremba et al. 2014): Python loop over steps, one LSTM cell reused",
            DIALECTS,
        ),
        ZooModel(
            "mnist",
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
            DIALECTS,
        ),
        _ptb(
            "ptb-tiedlayers",
            "tiedlayers",
            "Buggy PTB: one cell object for every layer ([cell] * n) — shared across layers",
            DIALECTS,
        ),
        *(
            ZooModel(name, "contrast", name, description,
                     ("legacy",) if name == "dynamic" else ("keras",),
                     "legacy" if name == "dynamic" else "keras",
                     CONTRAST_CONFIGS, "default", CONTRAST_OVERRIDES)
            for name, description in CONTRAST_DESCRIPTIONS.items()
        ),
    )
}


def get(name: str) -> ZooModel:
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(MODELS)
        raise UnknownModelError(
            f"unknown model {name!r}; built-in models: {known} (or a user model: file.py:NAME, "
            "package.module:NAME, a .keras file, a SavedModel directory, .pb/.pbtxt, .meta)"
        ) from None
