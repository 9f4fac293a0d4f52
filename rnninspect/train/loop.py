"""The training loop: epochs of compiled steps, evaluation, checkpoints, signals and NaN.

The position and the epoch's accumulators are plain data (`Position`), independent of the
progress display, so that a checkpoint written mid-epoch resumes at exactly the next step
with the same losses. Exit statuses are `rnninspect.errors.ExitStatus`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np
from rich.console import Console

from rnninspect.errors import ExitStatus, InvalidOptionError
from rnninspect.probe.data import DataBatch
from rnninspect.train import checkpoint as ckpt
from rnninspect.train.devices import place
from rnninspect.train.placement import Placement
from rnninspect.train.recipes import Recipe, build_model, make_optimizer
from rnninspect.train.report import (
    EpochRow,
    Tick,
    epoch_table,
    make_progress,
    plain_line,
    stats_line,
)
from rnninspect.train.stepper import make_stepper
from rnninspect.train.steps import Stepper
from rnninspect.train.stop import STOP, StopRequest
from rnninspect.train.workload import Workload

EXIT_OK, EXIT_NAN, EXIT_INTERRUPTED = ExitStatus.OK, ExitStatus.FAILURE, ExitStatus.INTERRUPTED


@dataclass
class Position:
    epoch: int = 0  # 0-based epoch of the next step
    step: int = 0  # next training step within that epoch
    loss_sum: float = 0.0  # train accumulators of the epoch so far
    acc_sum: float = 0.0
    seconds: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Result:
    status: int
    losses: list[float]  # every training step's loss run by this process, in order
    history: list[EpochRow]
    checkpoint: Path | None


class Trainer:
    def __init__(
        self,
        recipe: Recipe,
        workload: Workload,
        console: Console,
        *,
        device: str = "auto",
        require_gpu: bool = False,
        checkpoint_dir: Path | None = None,
        checkpoint_every: int = 0,
        log_every: int = 10,
        settings: dict[str, Any] | None = None,
        probe_every: int = 0,
        probe_batch: DataBatch | None = None,
    ) -> None:
        self.recipe, self.workload, self.console = recipe, workload, console
        self.checkpoint_dir, self.checkpoint_every = checkpoint_dir, checkpoint_every
        self.log_every = max(log_every, 1)
        self.probe_every, self.probe_batch = probe_every, probe_batch
        self.settings = settings or {}
        self.chief = True  # a multi-worker run (train/distributed): only the chief writes
        self.run_meta: dict[str, Any] = {}  # recorded in the checkpoint beside the settings
        self.placement: Placement = place(device, require_gpu)
        if recipe.batch_size % self.placement.replicas:
            raise InvalidOptionError(
                f"--batch {recipe.batch_size} does not split over {self.placement.replicas} "
                f"devices; use a multiple of {self.placement.replicas}"
            )
        steps = workload.train_steps(recipe)
        with self.placement.scope():
            self.model = build_model(recipe)
            self.optimizer = make_optimizer(recipe, steps)
            self.stepper: Stepper = make_stepper(
                self.model, self.optimizer, recipe.family, recipe.grad_scale, self.placement
            )
        self.position = Position()
        self.states: Any = None

    # -- checkpoints ---------------------------------------------------------------------------
    def _variables(self) -> list[Any]:
        return list(self.model.variables) + list(self.optimizer.variables)

    def save(self, with_model: bool = False) -> Path | None:
        if self.checkpoint_dir is None:
            return None
        self.stepper.sync()
        states = self.stepper.states_to_numpy(self.states)
        flat = None if states is None else [np.asarray(s) for s in keras.tree.flatten(states)]
        meta = {"settings": self.settings, "position": asdict(self.position), **self.run_meta}
        values = [np.asarray(keras.ops.convert_to_numpy(v.value)) for v in self._variables()]
        if not self.chief:
            return None
        path = ckpt.save(self.checkpoint_dir, ckpt.Snapshot(meta, values, flat))
        if with_model:
            ckpt.save_model(self.checkpoint_dir, self.model)
        return path

    def probe(self, end_of_epoch: bool) -> Path | None:
        """A probe snapshot of the current weights on the fixed probe batch, written to
        CHECKPOINT_DIR/probe/ (`rnninspect.probe.history`); only the chief writes."""
        if self.checkpoint_dir is None or self.probe_batch is None:
            return None
        self.stepper.sync()
        if not self.chief:
            return None
        from rnninspect.probe.history import record

        pos, batch = self.position, self.probe_batch
        done = pos.epoch * self.workload.train_steps(self.recipe) + pos.step
        epoch = pos.epoch if end_of_epoch else pos.epoch + 1
        when = f"end of epoch {epoch}" if end_of_epoch else f"epoch {epoch}"
        return record(self.checkpoint_dir, self.model, [batch.x], step=done, epoch=epoch,
                      end_of_epoch=end_of_epoch, name=self.recipe.family,
                      notes=(f"data: {batch.source}",
                             f"weights of the run after {done} training steps ({when})"))

    def _probe_due(self) -> bool:
        if not self.probe_every:
            return False
        pos = self.position
        done = pos.epoch * self.workload.train_steps(self.recipe) + pos.step
        return done % self.probe_every == 0

    def restore(self, directory: Path, snapshot: ckpt.Snapshot) -> None:
        ckpt.assign(self._variables(), snapshot.variables, directory)
        self.stepper.reload()
        self.position = Position(**snapshot.meta["position"])
        if snapshot.states is not None and self.position.step > 0:
            zeros = self.stepper.zero_states(self.recipe.batch_size)  # splits over replicas
            template = self.stepper.states_to_numpy(zeros)
            self.states = self.stepper.states_from_numpy(
                keras.tree.pack_sequence_as(template, snapshot.states)
            )

    # -- the loop ------------------------------------------------------------------------------
    def _evaluate(self, split: str) -> tuple[float, float]:
        states = self.stepper.zero_states(self.recipe.batch_size)
        loss_sum = acc_sum = 0.0
        n = 0
        for x, y in self.workload.batches(self.recipe, split, self.position.epoch, 0):
            loss, acc, states = self.stepper.evaluate(x, y, states)
            loss_sum, acc_sum, n = loss_sum + float(loss), acc_sum + float(acc), n + 1
        return loss_sum / max(n, 1), acc_sum / max(n, 1)

    def _train_epoch(
        self, progress: Any, task: Any, interrupt: StopRequest, losses: list[float]
    ) -> int | None:
        pos, recipe = self.position, self.recipe
        if pos.step == 0 or self.states is None:
            self.states = self.stepper.zero_states(recipe.batch_size)
        tokens = recipe.batch_size * recipe.num_steps
        batches: Iterator[Any] = self.workload.batches(recipe, "train", pos.epoch, pos.step)
        last_save = time.monotonic()
        for x, y in batches:
            if interrupt.requested:
                return EXIT_INTERRUPTED
            start = time.perf_counter()
            loss_t, acc_t, states = self.stepper.train(x, y, self.states)
            loss, acc = float(loss_t), float(acc_t)
            if not math.isfinite(loss):
                kept = (
                    f"; last good checkpoint kept in {self.checkpoint_dir}"
                    if self.checkpoint_dir
                    else ""
                )
                self.console.print(
                    f"[red]loss became {loss} at epoch {pos.epoch + 1} step {pos.step + 1}: "
                    f"training stopped{kept}[/red]"
                )
                return EXIT_NAN
            self.states = states
            pos.step, pos.seconds = pos.step + 1, pos.seconds + time.perf_counter() - start
            pos.loss_sum, pos.acc_sum = pos.loss_sum + loss, pos.acc_sum + acc
            losses.append(loss)
            if pos.step % self.log_every == 0 or pos.step == 1:
                self._log(progress, task, tokens)
            due = (
                pos.step % self.checkpoint_every == 0
                if self.checkpoint_every
                else time.monotonic() - last_save > 300
            )
            if due:
                self.save()
                last_save = time.monotonic()
            if self._probe_due():
                self.probe(end_of_epoch=False)
        return None

    def _log(self, progress: Any, task: Any, tokens: int) -> None:
        pos, recipe = self.position, self.recipe
        tick = Tick(recipe.family, pos.epoch + 1, recipe.epochs, pos.step,
                    self.workload.train_steps(recipe), pos.loss_sum / pos.step,
                    pos.acc_sum / pos.step, pos.step * tokens / max(pos.seconds, 1e-9),
                    pos.seconds)
        if self.console.is_terminal:
            stats = stats_line(tick.family, tick.loss, tick.acc, tick.rate)
            progress.update(task, completed=pos.step, stats=stats)
        else:
            self.console.print(plain_line(tick), markup=False, highlight=False)

    def run(self) -> Result:
        recipe, pos = self.recipe, self.position
        losses: list[float] = []
        history = [EpochRow(**row) for row in pos.history]
        steps = self.workload.train_steps(recipe)
        tokens = recipe.batch_size * recipe.num_steps
        with STOP as interrupt, make_progress(self.console) as progress:
            while pos.epoch < recipe.epochs:
                lr = self.workload.learning_rate(recipe, pos.epoch)
                task = progress.add_task(
                    f"epoch {pos.epoch + 1}/{recipe.epochs}",
                    total=steps,
                    completed=pos.step,
                    stats="",
                )
                status = self._train_epoch(progress, task, interrupt, losses)
                if status is None and interrupt.requested:
                    status = EXIT_INTERRUPTED
                if status == EXIT_INTERRUPTED:
                    status = interrupt.status  # 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP
                    saved = self.save(with_model=True)
                    where = (f"; checkpoint saved in {saved.parent} (continue with --resume "
                             f"{saved.parent})" if saved else "")
                    by = "" if interrupt.name == "SIGINT" else f" by {interrupt.name}"
                    self.console.print(
                        f"interrupted{by} at epoch {pos.epoch + 1} step {pos.step}{where}",
                        markup=False, highlight=False, soft_wrap=True,  # a path to copy whole
                    )
                if status is not None:
                    return Result(status, losses, history, self.checkpoint_dir)
                self.stepper.sync()
                valid = self._evaluate("valid") if recipe.family == "ptb" else None
                test_loss, test_acc = self._evaluate("test")
                n = max(pos.step, 1)
                row = EpochRow(
                    pos.epoch + 1,
                    lr,
                    pos.loss_sum / n,
                    None if valid is None else valid[0],
                    test_loss,
                    None if recipe.family == "ptb" else pos.acc_sum / n,
                    None if recipe.family == "ptb" else test_acc,
                    pos.step * tokens / max(pos.seconds, 1e-9),
                    pos.seconds,
                )
                history.append(row)
                self.position = pos = Position(pos.epoch + 1, history=[asdict(r) for r in history])
                stats = _epoch_stats(recipe.family, row)
                progress.update(task, completed=steps, stats=stats)  # the bar ends at 100%
                if not self.console.is_terminal:
                    self.console.print(f"epoch {row.epoch}/{recipe.epochs} done  {stats}  "
                                       f"{row.seconds:.1f} s", markup=False, highlight=False)
                if self.probe_every:
                    self.probe(end_of_epoch=True)
                self.save(with_model=True)
        self.console.print(epoch_table(recipe.family, history, self.title()))
        return Result(EXIT_OK, losses, history, self.checkpoint_dir)

    def title(self) -> str:
        p = self.placement
        where = f"{len(p.devices)}× " if p.replicas > 1 else ""
        kind = "GPU" if p.gpu else "CPU"
        return f"{self.recipe.family} on {where}{kind} ({p.backend}); data: {self.workload.source}"


def _epoch_stats(family: str, row: EpochRow) -> str:
    if family == "ptb":
        valid = math.exp(row.valid_loss or 0.0)
        return f"train ppl {math.exp(row.train_loss):,.2f}  valid ppl {valid:,.2f}"
    return f"train acc {row.train_acc or 0:.3f}  test acc {row.test_acc or 0:.3f}"
