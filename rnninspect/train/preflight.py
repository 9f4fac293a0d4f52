"""What `rnninspect train` checks before it imports Keras, so that a run that cannot succeed
fails in the first seconds with one line instead of after an epoch: the numeric flags, the
checkpoint directory (writable, not in use by another run, not holding another run),
`--resume`'s flags against the run it continues, and every data split holding at least one
batch.

numpy only: nothing here imports Keras or a backend framework.
"""

from __future__ import annotations

import argparse
import errno
import os
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from rnninspect.errors import InvalidOptionError, free_space
from rnninspect.train import checkpoint as ckpt
from rnninspect.train import distributed
from rnninspect.train.data import PTB_FILES, Corpus, read_ptb, synthetic_corpus
from rnninspect.train.lock import check_free
from rnninspect.train.mnist_data import ImageSet, read_mnist, synthetic_mnist
from rnninspect.train.settings import RunSettings, check_positive, settings_from_args

Data = Corpus | ImageSet

# --resume continues a run with its own settings: these flags may not contradict them.
# flag -> how to read the run's value from its RunSettings.
RUN_FLAGS: dict[str, Any] = {
    "config": lambda s: s.config_name,
    "batch": lambda s: s.config.batch_size,
    "num_steps": lambda s: s.config.num_steps,
    "hidden": lambda s: s.config.hidden_size,
    "layers": lambda s: getattr(s.config, "num_layers", None),
    "max_steps": lambda s: s.max_steps,
    "seed": lambda s: s.seed,
    "precision": lambda s: s.precision,
}


@dataclass(frozen=True)
class Plan:
    """A run that passed every check: its settings, its data, where it checkpoints."""

    settings: RunSettings
    data: Data
    checkpoint_dir: Path | None
    resume_from: Path | None
    overwrite: bool


def plan(args: argparse.Namespace) -> Plan:
    check_positive(args)
    if args.resume:
        source: Path | None = Path(args.resume)
        settings = resumed_settings(Path(args.resume), args)
    else:
        source, settings = None, settings_from_args(args)
    target = Path(args.checkpoint) if args.checkpoint else source
    if getattr(args, "probe_every", None) and target is None:
        raise InvalidOptionError(
            f"--probe-every {args.probe_every} writes its snapshots into the run directory: "
            "add --checkpoint DIR")
    if target is not None:
        continues = source is not None and target.resolve() == source.resolve()
        if continues and args.overwrite:
            raise InvalidOptionError(
                f"--overwrite would erase the run that --resume {source} continues; drop it"
            )
        check_writable(target)
        cluster = distributed.active()
        if cluster is None or cluster.chief:  # only the chief writes there (and locks it)
            check_free(target)  # another run writing there: refused before anything else
        if not continues and not args.overwrite:
            refuse_existing_run(target)
    data = load_data(settings.family, settings.data)
    check_splits(settings, data)
    return Plan(settings, data, target, source, bool(args.overwrite))


# --- the checkpoint directory ------------------------------------------------------------------


def check_writable(directory: Path) -> None:
    """Create `directory` and write a file in it now, not when the first checkpoint is due."""
    for place in (directory, *directory.parents):
        if place.exists() or place.is_symlink():
            if not place.is_dir():
                raise InvalidOptionError(
                    f"--checkpoint {directory}: {place} is a file, not a directory"
                )
            break
    probe = directory / f".rnninspect-write-test-{os.getpid()}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            os.write(fd, b"x")
        finally:
            os.close(fd)
            probe.unlink(missing_ok=True)
    except OSError as e:
        free = free_space(directory)
        room = f", {free} free there" if free is not None and e.errno == errno.ENOSPC else ""
        raise InvalidOptionError(
            f"--checkpoint {directory}: cannot write there ({e.strerror or e}{room})"
        ) from None


def refuse_existing_run(directory: Path) -> None:
    """A new run never silently replaces the one already checkpointed in `directory`."""
    meta = ckpt.read_meta(directory)
    if meta is None:
        return
    stamp = (directory / ckpt.CHECKPOINT).stat().st_mtime
    when = datetime.fromtimestamp(stamp).astimezone().strftime("%Y-%m-%d %H:%M %Z")
    raise InvalidOptionError(
        f"{directory} holds a run from {when} at {_where(meta)}; pass --resume {directory}, "
        "or --overwrite"
    )


def _where(meta: dict[str, Any]) -> str:
    position, epochs = meta["position"], meta["settings"].get("epochs", "?")
    if position.get("step", 0):
        return f"epoch {position['epoch'] + 1}/{epochs}, step {position['step']}"
    done = " (finished)" if isinstance(epochs, int) and position["epoch"] >= epochs else ""
    return f"epoch {position['epoch']}/{epochs}{done}"


def clear_run(directory: Path) -> None:
    """--overwrite: remove the old run's files once the new run is ready to start."""
    for name in (ckpt.CHECKPOINT, ckpt.MODEL_FILE):
        (directory / name).unlink(missing_ok=True)


# --- --resume ----------------------------------------------------------------------------------


def resumed_settings(directory: Path, args: argparse.Namespace) -> RunSettings:
    meta = ckpt.read_meta(directory)
    if meta is None:
        raise ckpt.missing(directory)
    settings = RunSettings.from_json(meta["settings"])
    conflicts = [f"{args.model} (the run is {settings.family})"] if (
        args.model != settings.family) else []
    for name, of_run in RUN_FLAGS.items():
        given, saved = getattr(args, name, None), of_run(settings)
        if given is not None and given != saved:
            conflicts.append(f"--{name.replace('_', '-')} {given} (the run has {saved})")
    if args.data is not None and (
        settings.data is None or _resolved(args.data) != _resolved(settings.data)
    ):
        conflicts.append(f"--data {args.data} (the run has {settings.data or 'synthetic data'})")
    if conflicts:
        raise InvalidOptionError(
            f"--resume {directory} continues that run with its own settings; these conflict "
            f"with them: {', '.join(conflicts)}; drop them, or start a new run without --resume"
        )
    done = meta["position"]["epoch"]
    if args.epochs is not None:
        settings = replace(settings, epochs=args.epochs)
    if done >= settings.epochs:
        said = f"--epochs {args.epochs}: " if args.epochs is not None else ""
        raise InvalidOptionError(
            f"{said}{directory} holds a finished run ({done} epoch{'s' * (done != 1)} "
            "trained); to train it "
            f"further pass --epochs N with N > {done}"
        )
    return settings


def _resolved(path: str) -> Path:
    return Path(path).expanduser().resolve()


# --- data --------------------------------------------------------------------------------------


def load_data(family: str, data: str | None) -> Data:
    """PTB files or MNIST from `data` when given, else the built-in synthetic data."""
    where = Path(data).expanduser() if data else None
    if family == "ptb":
        return read_ptb(where) if where else synthetic_corpus()
    return read_mnist(where) if where else synthetic_mnist()


def check_splits(settings: RunSettings, data: Data) -> None:
    """Every split must hold one batch; otherwise training "succeeds" on nothing."""
    batch, steps = settings.config.batch_size, settings.config.num_steps
    if isinstance(data, Corpus):
        need = batch * (steps + 1)
        for i, split in enumerate(("train", "valid", "test")):
            have = len(getattr(data, split))
            if have < need:
                name = (Path(settings.data).expanduser() / PTB_FILES[i] if settings.data
                        else f"the {split} split of the {data.source}")
                raise InvalidOptionError(
                    f"{name} has {have:,} tokens; one batch needs batch × (num_steps + 1) = "
                    f"{batch} × {steps + 1} = {need:,}; give more text, or lower --batch or "
                    "--num-steps"
                )
        return
    for split, images in (("training", data.x_train), ("test", data.x_test)):
        if len(images) < batch:
            raise InvalidOptionError(
                f"{data.source} has {len(images):,} {split} images; one batch needs {batch} "
                "(lower --batch)"
            )
