"""A family's data, batched the way its seed program batches it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np

from rnninspect.train.data import Corpus, epoch_size, ptb_batches
from rnninspect.train.mnist_data import ImageSet, image_batches
from rnninspect.train.preflight import load_data
from rnninspect.train.recipes import Recipe, ptb_learning_rate
from rnninspect.zoo.configs import PTBConfig

Batch = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Workload:
    family: str
    data: Corpus | ImageSet
    shuffle_seed: int = 0  # mnist: epoch e is shuffled with seed shuffle_seed + e

    @property
    def source(self) -> str:
        return self.data.source

    def _steps(self, recipe: Recipe, split: str) -> int:
        if isinstance(self.data, Corpus):
            raw = getattr(self.data, split)
            n = epoch_size(len(raw), recipe.batch_size, recipe.num_steps)
        else:
            n = (
                len(self.data.x_train if split == "train" else self.data.x_test)
                // recipe.batch_size
            )
        return n if recipe.max_steps is None else min(n, recipe.max_steps)

    def train_steps(self, recipe: Recipe) -> int:
        return self._steps(recipe, "train")

    def batches(self, recipe: Recipe, split: str, epoch: int, start: int) -> Iterator[Batch]:
        """Batches `start`, `start`+1, ... of `split` in epoch `epoch` (capped by max_steps)."""
        stop = self._steps(recipe, split)
        if isinstance(self.data, Corpus):
            it = ptb_batches(getattr(self.data, split), recipe.batch_size, recipe.num_steps, start)
        elif split == "train":
            d = self.data
            it = image_batches(
                d.x_train, d.y_train, recipe.batch_size, self.shuffle_seed + epoch, start
            )
        else:
            it = image_batches(self.data.x_test, self.data.y_test, recipe.batch_size, None, start)
        return islice(it, max(stop - start, 0))

    def learning_rate(self, recipe: Recipe, epoch: int) -> float:
        if isinstance(recipe.config, PTBConfig):
            return ptb_learning_rate(recipe.config, epoch)
        return float(recipe.config.learning_rate)


def load_workload(family: str, data: str | None, seed: int) -> Workload:
    """PTB files or MNIST from `data` when given, else the built-in synthetic data."""
    return Workload(family, load_data(family, data), shuffle_seed=seed if family == "mnist" else 0)


def fit_config(workload: Workload, config: Any) -> Any:
    """The PTB model's vocabulary is the corpus's (10000 for the real PTB files)."""
    from dataclasses import replace

    if isinstance(workload.data, Corpus) and isinstance(config, PTBConfig):
        return replace(config, vocab_size=workload.data.vocab_size)
    return config
