"""Training throughput (tokens/s) of the PTB LM, side by side, in one process.

  rnninspect    our trainer: the seed's LSTMCell loop (zoo PTBModel) + rnninspect's compiled step
  keras LSTM    the same step on a model with Keras's fused `keras.layers.LSTM` layers
  torch nn.LSTM PyTorch `nn.LSTM` (cuDNN on a GPU), when torch is importable

All use random ids over a 10,000-word vocabulary, fp32, SGD with global-norm clipping, state
carried between batches, and read the loss back every step (as the trainer does). Run:

  python benchmarks/train_throughput.py                      # small, medium (CPU defaults)
  python benchmarks/train_throughput.py --configs small,medium,large,medium-b256 --steps 50
  KERAS_BACKEND=jax python benchmarks/train_throughput.py    # the same on JAX
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import keras
import numpy as np
from rich.console import Console
from rich.table import Table

from rnninspect.train.devices import place
from rnninspect.train.recipes import Recipe, build_model, make_optimizer
from rnninspect.train.steps import make_stepper
from rnninspect.zoo.configs import PTB_CONFIGS, PTBConfig

SETUPS = {
    "small": PTB_CONFIGS["small"],
    "medium": PTB_CONFIGS["medium"],
    "large": PTB_CONFIGS["large"],
    "medium-b256": replace(PTB_CONFIGS["medium"], batch_size=256),
}


class FusedLM(keras.Model):  # type: ignore[misc]
    """Embedding -> fused keras.layers.LSTM per layer -> Dense, with PTBModel's call contract."""

    def __init__(self, config: PTBConfig) -> None:
        super().__init__(name="fused")
        self.hidden_size, self.num_layers = config.hidden_size, config.num_layers
        init = keras.initializers.RandomUniform(-config.init_scale, config.init_scale)
        self.embedding = keras.layers.Embedding(config.vocab_size, config.hidden_size)
        self.lstms = [
            keras.layers.LSTM(
                config.hidden_size,
                return_sequences=True,
                return_state=True,
                kernel_initializer=init,
                recurrent_initializer=init,
            )
            for _ in range(config.num_layers)
        ]
        self.dropout = keras.layers.Dropout(1.0 - config.keep_prob)
        self.softmax = keras.layers.Dense(config.vocab_size)

    def call(self, ids: Any, states: Any, training: bool = False) -> Any:
        x = self.dropout(self.embedding(ids), training=training)
        new_states = []
        for lstm, (h, c) in zip(self.lstms, states, strict=True):
            x, h, c = lstm(x, initial_state=[h, c], training=training)
            x = self.dropout(x, training=training)
            new_states.append([h, c])
        return self.softmax(x), new_states


def keras_rate(config: PTBConfig, fused: bool, steps: int, warmup: int) -> float:
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    placement = place("auto", False)
    recipe = Recipe("ptb", config, 1, None)
    with placement.scope():
        model = FusedLM(config) if fused else build_model(recipe)
        if fused:  # build the variables before the optimizer sees them
            model(np.zeros((1, config.num_steps), np.int32), model_states(model, 1))
        stepper = make_stepper(
            model, make_optimizer(recipe, 1000), "ptb", recipe.grad_scale, placement
        )
    return timed(
        lambda x, y, s: stepper.train(x, y, s),
        stepper.zero_states(config.batch_size),
        config,
        steps,
        warmup,
    )


def model_states(model: Any, batch: int) -> Any:
    zeros = np.zeros((batch, model.hidden_size), np.float32)
    return [[zeros, zeros] for _ in range(model.num_layers)]


def timed(
    step: Callable[..., Any], states: Any, config: PTBConfig, steps: int, warmup: int
) -> float:
    rng = np.random.default_rng(0)
    shape = (config.batch_size, config.num_steps)
    data = [
        (
            rng.integers(0, config.vocab_size, shape).astype(np.int32),
            rng.integers(0, config.vocab_size, shape).astype(np.int32),
        )
        for _ in range(4)
    ]
    for i in range(warmup):
        loss, _, states = step(*data[i % 4], states)
        float(loss)
    start = time.perf_counter()
    for i in range(steps):
        loss, _, states = step(*data[i % 4], states)
        float(loss)  # a real trainer looks at every loss (NaN check, progress)
    return steps * config.batch_size * config.num_steps / (time.perf_counter() - start)


def torch_rate(config: PTBConfig, steps: int, warmup: int) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    v, s = config.vocab_size, config.hidden_size
    emb, head = torch.nn.Embedding(v, s).to(device), torch.nn.Linear(s, v).to(device)
    lstm = torch.nn.LSTM(
        s, s, config.num_layers, batch_first=True, dropout=1.0 - config.keep_prob
    ).to(device)
    params = [*emb.parameters(), *lstm.parameters(), *head.parameters()]
    opt = torch.optim.SGD(params, lr=config.learning_rate)
    zeros = torch.zeros(config.num_layers, config.batch_size, s, device=device)

    def step(x: np.ndarray, y: np.ndarray, states: Any) -> Any:
        xt, yt = torch.from_numpy(x).to(device).long(), torch.from_numpy(y).to(device).long()
        out, (h, c) = lstm(emb(xt), states)
        loss = torch.nn.functional.cross_entropy(head(out).reshape(-1, v), yt.reshape(-1))
        opt.zero_grad()
        (loss * config.num_steps).backward()
        torch.nn.utils.clip_grad_norm_(params, config.max_grad_norm)
        opt.step()
        return loss.detach(), None, (h.detach(), c.detach())

    return timed(step, (zeros, zeros), config, steps, warmup)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="small,medium", help=f"from {', '.join(SETUPS)}")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps (compilation)")
    args = parser.parse_args()
    console = Console()
    placement = place("auto", False)
    table = Table(
        title=f"PTB LM training, tokens/s ({placement.backend}, "
        f"{'GPU' if placement.gpu else 'CPU'}, fp32)"
    )
    for col in ("config", "rnninspect", "keras LSTM", "torch nn.LSTM", "ours/keras", "ours/torch"):
        table.add_column(col, justify="right")
    for name in args.configs.split(","):
        config = SETUPS[name]
        ours = keras_rate(config, False, args.steps, args.warmup)
        fused = keras_rate(config, True, args.steps, args.warmup)
        torch = torch_rate(config, args.steps, args.warmup)
        console.log(f"{name}: ours {ours:,.0f}, keras LSTM {fused:,.0f}, torch {torch}")
        table.add_row(
            name,
            f"{ours:,.0f}",
            f"{fused:,.0f}",
            "—" if torch is None else f"{torch:,.0f}",
            f"{ours / fused:.2f}×",
            "—" if torch is None else f"{ours / torch:.2f}×",
        )
    console.print(table)


if __name__ == "__main__":
    main()
