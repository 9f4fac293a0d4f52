"""`ZooModel`: what a built-in model *is* — its configs and how it is built, signed and read.

Each family (`seeds.py`: the PTB LM and the MNIST classifier; `contrast.py`: the other common
RNN forms) subclasses `ZooModel` and owns its behaviour; nothing outside `rnninspect.zoo`
switches on a family. Adding a family means a subclass and its entries in `zoo/__init__.py`.
TensorFlow and Keras are imported inside the methods that build, never at import time.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Generic, Protocol, TypeVar

from rnninspect.errors import InvalidOptionError

DIALECTS = ("legacy", "keras")


class ZooConfig(Protocol):
    """A family's hyperparameters: a frozen dataclass whose fields include these."""

    @property
    def num_steps(self) -> int: ...
    @property
    def hidden_size(self) -> int: ...
    @property
    def batch_size(self) -> int: ...


C = TypeVar("C", bound=ZooConfig)


def config_pairs(config: ZooConfig) -> tuple[tuple[str, Any], ...]:
    """A config as the `(field, value)` pairs an `Inspection` records."""
    return tuple(asdict(config).items())  # type: ignore[call-overload]  # a dataclass


def with_overrides(config: C, fields_by_flag: Mapping[str, str],
                   overrides: Mapping[str, int | None]) -> C:
    """Return `config` with the given command-line overrides applied (None means keep)."""
    changes = {fields_by_flag[k]: v for k, v in overrides.items()
               if v is not None and k in fields_by_flag}
    return replace(config, **changes)  # type: ignore[type-var]  # C is a dataclass


@dataclass(frozen=True)
class LegacyGraph:
    graph: Any  # tf.Graph
    inputs: list[str]  # op names of the placeholders the user feeds
    outputs: list[str]  # op names of what the model computes


@dataclass(frozen=True)
class ZooModel(Generic[C]):
    name: str
    variant: str  # which form of the family: "standard", "noreuse", "tiedlayers", ...
    description: str
    dialects: tuple[str, ...]
    default_dialect: str
    configs: Mapping[str, C]
    default_config: str
    overrides: Mapping[str, str]  # command-line flag (num_steps, hidden...) -> config field

    def config(self, name: str | None, overrides: Mapping[str, int | None]) -> C:
        """The named config (default: the family's) with validated overrides applied."""
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

    def build(self, config: C, dialect: str, seed: int | None = None) -> Any:
        """`legacy`: a `LegacyGraph` (runs in the TF1 worker); `keras`: a Keras 3 model."""
        if dialect == "legacy":
            if seed is not None:
                # The graph seed fixes TF1's own initializers, but tf_keras cells
                # (BasicLSTMCell's kernel) draw their unseeded initializer's seed from
                # Python's `random`: seed it too, so one seed gives the same weights.
                random.seed(seed)
            return self.build_legacy(config, seed)
        return self.build_keras(config)

    def build_legacy(self, config: C, seed: int | None) -> LegacyGraph:
        raise NotImplementedError(f"{self.name} has no legacy dialect")

    def build_keras(self, config: C) -> Any:
        raise NotImplementedError(f"{self.name} has no keras dialect")

    def signature(self, config: C) -> list[Any]:
        """The Keras model's input signature (`tf.TensorSpec`s)."""
        raise NotImplementedError(f"{self.name} has no keras dialect")

    def logits(self, model: Any, inputs: Sequence[Any]) -> Any:
        """The Keras model's logits for `inputs`, in inference mode."""
        return model(inputs[0] if len(inputs) == 1 else list(inputs), training=False)

    def int_high(self, config: C) -> int:
        """Exclusive bound of random integer inputs (token ids); 2 where inputs are floats."""
        return 2

    def data_family(self) -> str | None:
        """Which real data the model reads, by `rnninspect.train`'s readers ("ptb" text,
        "mnist" images); None when it reads none (its inputs come from `--input`)."""
        return None

    def owns(self, model_obj: Any) -> bool:
        """Is `model_obj` this entry's own Keras class (e.g. loaded from a trained .keras)?"""
        return False

    def config_of(self, model_obj: Any) -> C:
        """The default config with the fields `model_obj` records (sizes, steps)."""
        base = self.configs[self.default_config]
        names = {f.name for f in fields(base)}  # type: ignore[arg-type]  # a dataclass
        return replace(base, **{k: getattr(model_obj, k) for k in sorted(names)  # type: ignore[type-var]
                                if k != "batch_size" and hasattr(model_obj, k)})
