"""Hyperparameters of the seed programs, exactly as published (SEEDS.md §1.2, §2)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PTBConfig:
    """Zaremba et al. (2014) configs of TensorFlow's ptb_word_lm.py."""

    init_scale: float
    learning_rate: float
    max_grad_norm: float
    num_layers: int
    num_steps: int
    hidden_size: int
    max_epoch: int
    max_max_epoch: int
    keep_prob: float
    lr_decay: float
    batch_size: int
    vocab_size: int


PTB_CONFIGS: dict[str, PTBConfig] = {
    "small": PTBConfig(0.1, 1.0, 5, 2, 20, 200, 4, 13, 1.0, 0.5, 20, 10000),
    "medium": PTBConfig(0.05, 1.0, 5, 2, 35, 650, 6, 39, 0.5, 0.8, 20, 10000),
    "large": PTBConfig(0.04, 1.0, 10, 2, 35, 1500, 14, 55, 0.35, 1 / 1.15, 20, 10000),
    "test": PTBConfig(0.1, 1.0, 1, 1, 2, 2, 1, 1, 1.0, 0.5, 20, 10000),
}


@dataclass(frozen=True)
class MNISTConfig:
    """aymericdamien/TensorFlow-Examples recurrent_network.py (2016)."""

    n_input: int
    num_steps: int
    hidden_size: int
    n_classes: int
    batch_size: int
    learning_rate: float
    forget_bias: float


MNIST_CONFIGS: dict[str, MNISTConfig] = {
    "default": MNISTConfig(28, 28, 128, 10, 128, 0.001, 1.0),
}

# Command-line override -> config field, per config type.
PTB_OVERRIDES = {
    "num_steps": "num_steps",
    "hidden": "hidden_size",
    "layers": "num_layers",
    "vocab": "vocab_size",
    "batch": "batch_size",
}
MNIST_OVERRIDES = {"num_steps": "num_steps", "hidden": "hidden_size", "batch": "batch_size"}

