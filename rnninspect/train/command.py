"""`rnninspect train`: argument parsing and the run. Importing this module is cheap: Keras
(and with it the backend framework) is imported only inside `run`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import MutableMapping
from typing import TYPE_CHECKING

from rich.console import Console

from rnninspect.errors import ExitStatus
from rnninspect.train import distributed
from rnninspect.train.settings import FAMILIES, check_positive

if TYPE_CHECKING:
    from rnninspect.train.preflight import Plan


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", choices=FAMILIES, help="which seed program to train")
    parser.add_argument("--config", metavar="NAME",
                        help="ptb: small|medium|large|test (default small)")
    parser.add_argument(
        "--data", metavar="PATH",
        help="ptb: dir with ptb.{train,valid,test}.txt; mnist: "
        "mnist.npz or dir of IDX files (default: built-in synthetic data)",
    )
    parser.add_argument(
        "--epochs", type=int, metavar="N",
        help="passes over the training data; default: the seed program's (ptb: 13 small, "
        "39 medium, 55 large; mnist: 2)"
    )
    parser.add_argument("--max-steps", type=int, metavar="N",
                        help="at most this many steps per epoch")
    parser.add_argument("--batch", type=int, metavar="N", help="batch size (default: the config's)")
    parser.add_argument("--num-steps", type=int, metavar="T", help="unrolled time steps (ptb)")
    parser.add_argument("--hidden", type=int, metavar="N", help="LSTM units")
    parser.add_argument("--layers", type=int, metavar="N", help="LSTM layers (ptb)")
    parser.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto",
                        help="where to train (auto: a GPU when one is visible)")
    parser.add_argument(
        "--precision",
        choices=("fp32", "mixed"),
        help="fp32 (default) or mixed = bfloat16 compute, float32 weights",
    )
    parser.add_argument(
        "--checkpoint", metavar="DIR", help="write checkpoints and model.keras here"
    )
    parser.add_argument(
        "--checkpoint-every",
        type=int,
        metavar="STEPS",
        help="checkpoint every STEPS steps (default: every 5 min and each epoch)",
    )
    parser.add_argument(
        "--probe-every",
        type=int,
        metavar="STEPS",
        help="record a probe snapshot (gate saturation, state norms; see `rnninspect probe`) "
        "every STEPS steps and at each epoch end, on the first validation batch, in "
        "DIR/probe/ (needs --checkpoint DIR); `rnninspect report DIR` charts them",
    )
    parser.add_argument("--resume", metavar="DIR", help="continue the run checkpointed in DIR")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="let --checkpoint DIR replace the run already checkpointed there",
    )
    parser.add_argument("--seed", type=int, metavar="N",
                        help="seed of weights, dropout, shuffling (default 0)")
    parser.add_argument("--require-gpu", action="store_true", help="fail unless a GPU is visible")
    parser.add_argument(
        "--log-every",
        type=int,
        default=10,
        metavar="STEPS",
        help="update the progress (or, when output is not a terminal, print a line) every "
        "STEPS steps",
    )
    distributed.add_arguments(parser)


def run(args: argparse.Namespace, console: Console) -> int:
    """Check everything that can be checked cheaply (`preflight`; with several workers, that
    they all check in: `distributed`), then import Keras with the backend's C++ start-up lines
    hidden, build, and train."""
    from rnninspect.train.preflight import plan
    from rnninspect.train.stop import STOP

    cluster = distributed.cluster_from(args, os.environ)
    distributed.check(cluster, args, os.environ.get("KERAS_BACKEND") or "tensorflow")
    if cluster is not None:
        check_positive(args)
        distributed.start(cluster, args, os.environ)
    run_plan = plan(args)
    with STOP:  # SIGTERM/SIGHUP/Ctrl-C from here on: a checkpoint, then 143/129/130
        # One run per directory; in a multi-worker run only the chief writes there (the
        # others share the directory, on one host or a shared file system).
        if run_plan.checkpoint_dir is None or (cluster is not None and not cluster.chief):
            return _train(run_plan, args, console, cluster)
        from rnninspect.train.lock import RunLock

        with RunLock(run_plan.checkpoint_dir):
            return _train(run_plan, args, console, cluster)


def _train(
    run_plan: Plan, args: argparse.Namespace, console: Console,
    cluster: distributed.Cluster | None,
) -> int:
    from rnninspect.train.preflight import clear_run

    if args.device == "cpu" and "keras" not in sys.modules:
        hide_gpus_before_import(os.environ)
    from rnninspect.tf.imports import import_keras_quietly, silenced_native_stderr

    keras = import_keras_quietly()
    from rnninspect.train.session import build_session

    with silenced_native_stderr():  # device probing (cuInit) and the model build
        distributed.start_engine(keras.backend.backend())
        trainer = build_session(run_plan, args, console)
    if run_plan.overwrite and run_plan.checkpoint_dir is not None and (
        cluster is None or cluster.chief
    ):
        clear_run(run_plan.checkpoint_dir)
    status = trainer()
    stopped = (ExitStatus.INTERRUPTED, ExitStatus.TERMINATED, ExitStatus.HANGUP)
    if status not in stopped:  # the others stopped at the same step
        distributed.finish()
    return status


def hide_gpus_before_import(environ: MutableMapping[str, str]) -> None:
    """For --device cpu in a fresh process: hide GPUs from every backend before it starts
    (here, not in `devices`, which imports Keras: that would start the backend first)."""
    environ["CUDA_VISIBLE_DEVICES"] = "-1"
    environ["JAX_PLATFORMS"] = "cpu"
