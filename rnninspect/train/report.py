"""What the user sees while training: a rich progress bar and the final per-epoch table."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table


@dataclass
class EpochRow:
    epoch: int  # 1-based, as the seed prints it
    learning_rate: float
    train_loss: float
    valid_loss: float | None
    test_loss: float | None
    train_acc: float | None
    test_acc: float | None
    tokens_per_s: float  # RATE_UNIT[family]: tokens/s (ptb) or image rows/s (mnist)
    seconds: float


def perplexity(loss: float | None) -> float | None:
    return None if loss is None else math.exp(min(loss, 700.0))


# The throughput unit: a PTB step reads batch × num_steps tokens, an MNIST step
# batch × 28 image rows (each row is one time step of the LSTM).
RATE_UNIT = {"ptb": "tokens/s", "mnist": "rows/s"}


def stats_line(family: str, loss: float, acc: float, rate: float) -> str:
    quality = f"ppl {perplexity(loss):,.2f}" if family == "ptb" else f"acc {acc:.3f}"
    return f"loss {loss:.4f}  {quality}  {rate:,.0f} {RATE_UNIT[family]}"


@dataclass(frozen=True)
class Tick:
    """Where an epoch is, for the one plain line printed when output is not a terminal."""

    family: str
    epoch: int  # 1-based
    epochs: int
    step: int  # steps done in this epoch
    steps: int
    loss: float  # mean over the epoch so far
    acc: float
    rate: float  # RATE_UNIT[family]
    seconds: float  # spent stepping in this epoch so far

    @property
    def eta(self) -> float:
        return (self.steps - self.step) * self.seconds / max(self.step, 1)


def plain_line(tick: Tick) -> str:
    """`epoch 1/13 step 200/2323  loss 5.1234  ppl 168.37  12,345 tokens/s  ETA 0:04:10`."""
    stats = stats_line(tick.family, tick.loss, tick.acc, tick.rate)
    eta = round(tick.eta)
    clock = f"{eta // 3600}:{eta // 60 % 60:02d}:{eta % 60:02d}"
    return f"epoch {tick.epoch}/{tick.epochs} step {tick.step}/{tick.steps}  {stats}  ETA {clock}"


def make_progress(console: Console) -> Progress:
    """The live bar on a terminal; elsewhere (a pipe, CI, nohup) it is disabled and the loop
    prints `plain_line`s instead."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[stats]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
    )


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def epoch_table(family: str, rows: list[EpochRow], title: str) -> Table:
    table = Table(title=title)
    for name in ("epoch", "lr"):
        table.add_column(name, justify="right")
    if family == "ptb":
        for name in ("train ppl", "valid ppl", "test ppl"):
            table.add_column(name, justify="right")
    else:
        for name in ("train loss", "train acc", "test loss", "test acc"):
            table.add_column(name, justify="right")
    table.add_column(RATE_UNIT[family], justify="right")
    table.add_column("seconds", justify="right")
    for r in rows:
        cells: list[Any]
        if family == "ptb":
            cells = [perplexity(r.train_loss), perplexity(r.valid_loss), perplexity(r.test_loss)]
            quality = [_fmt(c, ",.2f") for c in cells]
        else:
            quality = [
                _fmt(r.train_loss, ".4f"),
                _fmt(r.train_acc, ".4f"),
                _fmt(r.test_loss, ".4f"),
                _fmt(r.test_acc, ".4f"),
            ]
        table.add_row(
            str(r.epoch),
            f"{r.learning_rate:.4g}",
            *quality,
            f"{r.tokens_per_s:,.0f}",
            f"{r.seconds:.1f}",
        )
    return table
