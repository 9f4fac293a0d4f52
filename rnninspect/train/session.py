"""Set up one training run (seed, precision, data, devices) from settings or a checkpoint."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import keras
from rich.console import Console

from rnninspect.probe.data import probe_batch
from rnninspect.train import checkpoint as ckpt
from rnninspect.train import distributed
from rnninspect.train.loop import Result, Trainer
from rnninspect.train.preflight import Plan, check_splits
from rnninspect.train.recipes import Recipe
from rnninspect.train.settings import RunSettings
from rnninspect.train.workload import Workload, fit_config, load_workload

POLICIES = {"fp32": "float32", "mixed": "mixed_bfloat16"}


def make_trainer(
    settings: RunSettings | dict[str, Any],
    console: Console,
    *,
    workload: Workload | None = None,
    device: str = "auto",
    require_gpu: bool = False,
    checkpoint_dir: Path | None = None,
    checkpoint_every: int = 0,
    log_every: int = 10,
    probe_every: int = 0,
) -> Trainer:
    """A Trainer for `settings` (a `RunSettings`, or its JSON form); `workload` overrides
    the data named in the settings (tests pass tiny data this way). `probe_every` N > 0:
    a probe snapshot every N steps and at each epoch end, on the data's fixed probe batch."""
    if not isinstance(settings, RunSettings):
        settings = RunSettings.from_json(settings)
    workload = workload or load_workload(settings.family, settings.data, settings.seed)
    settings = settings.with_config(fit_config(workload, settings.config))
    check_splits(settings, workload.data)  # never "train" on nothing
    recipe = Recipe(settings.family, settings.config, settings.epochs, settings.max_steps)
    batch = (probe_batch(workload.data, recipe.batch_size, recipe.num_steps) if probe_every
             else None)
    seed_everything(settings.seed)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(POLICIES[settings.precision])
    try:
        return Trainer(
            recipe,
            workload,
            console,
            device=device,
            require_gpu=require_gpu,
            checkpoint_dir=checkpoint_dir,
            checkpoint_every=checkpoint_every,
            log_every=log_every,
            settings=settings.to_json(),
            probe_every=probe_every,
            probe_batch=batch,
        )
    finally:
        keras.config.set_dtype_policy(previous)


def seed_everything(seed: int) -> None:
    """keras.utils.set_random_seed, minus its `import tensorflow` on the other backends
    (the JAX path must not import TensorFlow, which may not even be installed there)."""
    if keras.backend.backend() == "tensorflow":
        keras.utils.set_random_seed(seed)
        return
    import random

    import numpy as np
    from keras.src.backend.common import global_state
    from keras.src.random import seed_generator
    from keras.src.utils.rng_utils import GLOBAL_RANDOM_SEED

    global_state.set_global_attribute(GLOBAL_RANDOM_SEED, seed)
    global_state.set_global_attribute(seed_generator.GLOBAL_SEED_GENERATOR, None)
    random.seed(seed)
    np.random.seed(seed)
    if keras.backend.backend() == "torch":
        import torch

        torch.manual_seed(seed)


def train(settings: RunSettings | dict[str, Any], console: Console, **kwargs: Any) -> Result:
    return make_trainer(settings, console, **kwargs).run()


def resume(directory: Path, console: Console, epochs: int | None = None, **kwargs: Any) -> Trainer:
    """A Trainer restored from `directory/checkpoint.npz`, continuing where it stopped."""
    snapshot = ckpt.load(directory)
    settings = RunSettings.from_json(snapshot.meta["settings"])
    if epochs is not None:
        settings = replace(settings, epochs=epochs)
    kwargs.setdefault("checkpoint_dir", directory)
    trainer = make_trainer(settings, console, **kwargs)
    trainer.restore(directory, snapshot)
    return trainer


def build_session(plan: Plan, args: argparse.Namespace, console: Console) -> Callable[[], int]:
    """The trainer of a checked `Plan` (`preflight.plan`): a new run, or `--resume`'s."""
    settings = plan.settings
    workload = Workload(settings.family, plan.data, shuffle_seed=settings.seed)
    trainer = make_trainer(
        settings,
        console,
        workload=workload,
        device=args.device,
        require_gpu=args.require_gpu,
        checkpoint_dir=plan.checkpoint_dir,
        checkpoint_every=args.checkpoint_every or 0,
        log_every=args.log_every,
        probe_every=getattr(args, "probe_every", None) or 0,
    )
    distributed.adopt(trainer, args.checkpoint_every)
    if plan.resume_from is not None:
        trainer.restore(plan.resume_from, ckpt.load(plan.resume_from))
    return lambda: trainer.run().status
