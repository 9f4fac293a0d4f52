"""`train`: a seed model with Keras 3 (TensorFlow, JAX or torch backend)."""

from __future__ import annotations

import argparse
import os

from rich.console import Console

from rnninspect.cli.args import Command
from rnninspect.errors import BackendError
from rnninspect.train.command import add_arguments

KERAS_BACKENDS = ("tensorflow", "jax", "torch")


def run_train(args: argparse.Namespace, out: Console, err: Console) -> int:
    backend = os.environ.get("KERAS_BACKEND")
    if backend is not None and backend not in KERAS_BACKENDS:
        raise BackendError(
            f"KERAS_BACKEND={backend} is not a Keras backend rnninspect trains on; use one of "
            f"{', '.join(KERAS_BACKENDS)} (or unset it for tensorflow)")
    from rnninspect.train.command import run

    try:
        return int(run(args, out))
    except ModuleNotFoundError as e:
        if e.name and e.name.split(".")[0] in ("jax", "jaxlib", "torch"):
            backend = os.environ.get("KERAS_BACKEND", "")
            raise BackendError(
                f"KERAS_BACKEND={backend} needs {e.name.split('.')[0]}, which is not installed "
                f"here; pip install {e.name.split('.')[0]} (or unset KERAS_BACKEND to train on "
                "TensorFlow)"
            ) from e
        raise


TRAIN = Command("train a seed model (Keras 3: TensorFlow, JAX, torch)", add_arguments, run_train)
