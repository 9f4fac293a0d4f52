"""`RunSettings`: what one training run is (family, config, epochs, data, seed, precision),
validated once, from the command line or from a checkpoint. A checkpoint records
`to_json()`; `--resume` rebuilds the settings with `from_json`.

The family's config and its overrides are validated by the zoo entry of the same name
(`rnninspect.zoo`), exactly as `show` validates them.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from rnninspect import zoo
from rnninspect.errors import InvalidOptionError
from rnninspect.zoo.configs import MNISTConfig, PTBConfig

FAMILIES = ("mnist", "ptb")  # the zoo entries `rnninspect train` can train
DEFAULT_EPOCHS = {"mnist": 2}  # ptb: its config's max_max_epoch


@dataclass(frozen=True)
class RunSettings:
    family: str  # "ptb" or "mnist"
    config_name: str
    config: PTBConfig | MNISTConfig
    epochs: int
    max_steps: int | None = None
    data: str | None = None
    seed: int = 0
    precision: str = "fp32"  # "fp32" or "mixed"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "config": asdict(self.config)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunSettings:
        config_type = PTBConfig if data["family"] == "ptb" else MNISTConfig
        return cls(**{**data, "config": config_type(**data["config"])})

    def with_config(self, config: PTBConfig | MNISTConfig) -> RunSettings:
        return replace(self, config=config)


def settings_from_args(args: argparse.Namespace) -> RunSettings:
    """Validated run settings from `rnninspect train`'s arguments."""
    check_positive(args)
    entry = zoo.get(args.model)
    name = args.config or entry.default_config
    overrides = {"batch": args.batch, "num_steps": args.num_steps, "hidden": args.hidden,
                 "layers": args.layers}
    config = entry.config(name, overrides)
    epochs = args.epochs or DEFAULT_EPOCHS.get(args.model) or config.max_max_epoch
    seed = 0 if args.seed is None else args.seed
    return RunSettings(args.model, name, config, epochs, args.max_steps, args.data, seed,
                       args.precision or "fp32")


def check_positive(args: argparse.Namespace) -> None:
    """The step counts (`--log-every 0`, `--checkpoint-every 0`, ...) must be ≥ 1."""
    for name in ("epochs", "max_steps", "log_every", "checkpoint_every", "probe_every"):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            flag = "--" + name.replace("_", "-")
            raise InvalidOptionError(f"{flag} must be ≥ 1; got {value}")
