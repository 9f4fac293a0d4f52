"""`rnninspect train`: argument parsing and the run. Importing this module is cheap: Keras
(and with it the backend framework) is imported only inside `run`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rich.console import Console

from rnninspect.train.settings import FAMILIES, settings_from_args


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", choices=FAMILIES, help="which seed program to train")
    parser.add_argument("--config", help="ptb: small|medium|large|test (default small)")
    parser.add_argument(
        "--data",
        help="ptb: dir with ptb.{train,valid,test}.txt; mnist: "
        "mnist.npz or dir of IDX files (default: built-in synthetic data)",
    )
    parser.add_argument(
        "--epochs", type=int, help="default: the seed's (ptb max_max_epoch, mnist 2)"
    )
    parser.add_argument("--max-steps", type=int, help="at most this many steps per epoch")
    parser.add_argument("--batch", type=int, help="batch size (default: the config's)")
    parser.add_argument("--num-steps", type=int, help="unrolled time steps (ptb)")
    parser.add_argument("--hidden", type=int, help="LSTM units")
    parser.add_argument("--layers", type=int, help="LSTM layers (ptb)")
    parser.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto",
                        help="where to train (auto: a GPU when one is visible)")
    parser.add_argument(
        "--precision",
        choices=("fp32", "mixed"),
        default="fp32",
        help="mixed = bfloat16 compute, float32 weights",
    )
    parser.add_argument(
        "--checkpoint", metavar="DIR", help="write checkpoints and model.keras here"
    )
    parser.add_argument(
        "--checkpoint-every",
        type=int,
        default=0,
        metavar="STEPS",
        help="checkpoint every STEPS steps (default: every 5 min and each epoch)",
    )
    parser.add_argument("--resume", metavar="DIR", help="continue the run checkpointed in DIR")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the weights and the data order")
    parser.add_argument("--require-gpu", action="store_true", help="fail unless a GPU is visible")
    parser.add_argument("--log-every", type=int, default=10, metavar="STEPS",
                        help="report progress every STEPS steps")


def run(args: argparse.Namespace, console: Console) -> int:
    if args.device == "cpu" and "keras" not in sys.modules:
        from rnninspect.train.devices import hide_gpus_before_import

        hide_gpus_before_import(os.environ)
    from rnninspect.train.session import resume_session, start_session

    if args.resume:
        trainer = resume_session(Path(args.resume), args, console)
    else:
        settings = settings_from_args(args)
        trainer = start_session(settings, args, console)
    return trainer()
