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
    tokens_per_s: float
    seconds: float


def perplexity(loss: float | None) -> float | None:
    return None if loss is None else math.exp(min(loss, 700.0))


def stats_line(family: str, loss: float, acc: float, tokens_per_s: float) -> str:
    quality = f"ppl {perplexity(loss):,.2f}" if family == "ptb" else f"acc {acc:.3f}"
    return f"loss {loss:.4f}  {quality}  {tokens_per_s:,.0f} tok/s"


def make_progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[stats]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
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
    table.add_column("tokens/s", justify="right")
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
