"""The seed programs' training recipes (SEEDS.md §1.4, §2.2) as Keras 3 pieces.

ptb: plain SGD at learning_rate, decayed by lr_decay each epoch after max_epoch, global-norm
clipping at max_grad_norm, cost = cross-entropy summed over time and averaged over the batch.
mnist: Adam at 0.001 on the mean cross-entropy, no clipping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras
from keras import ops

from rnninspect.zoo.configs import MNISTConfig, PTBConfig
from rnninspect.zoo.keras_models import build_mnist, build_ptb


@dataclass(frozen=True)
class Recipe:
    family: str  # "ptb" or "mnist"
    config: PTBConfig | MNISTConfig
    epochs: int
    max_steps: int | None  # cap on training steps per epoch (bounded runs), None = full epoch

    @property
    def batch_size(self) -> int:
        return self.config.batch_size

    @property
    def num_steps(self) -> int:
        return self.config.num_steps

    @property
    def grad_scale(self) -> float:
        # The seed differentiates reduce_sum(loss) / batch_size, i.e. num_steps × the mean
        # token cross-entropy; with SGD at lr 1.0 and clipping at 5 the scale matters.
        return float(self.config.num_steps) if self.family == "ptb" else 1.0


def ptb_learning_rate(config: PTBConfig, epoch: int) -> float:
    """LR of 0-based `epoch`: constant for max_epoch epochs, then × lr_decay per epoch
    (the upstream 2016-12 / tensorflow/models convention, `i + 1 - max_epoch`)."""
    return float(config.learning_rate * config.lr_decay ** max(epoch + 1 - config.max_epoch, 0))


@keras.saving.register_keras_serializable(package="rnninspect")
class EpochDecay(keras.optimizers.schedules.LearningRateSchedule):  # type: ignore[misc]
    """The per-epoch decay as a function of the optimizer's step counter, so that it is part
    of the optimizer state on every backend (JAX's stateless apply included) and resumes."""

    def __init__(self, base: float, decay: float, max_epoch: int, steps: int) -> None:
        self.base, self.decay, self.max_epoch, self.steps = base, decay, max_epoch, steps

    def __call__(self, step: Any) -> Any:
        epoch = ops.floor_divide(ops.cast(step, "float32"), float(self.steps))
        exponent = ops.maximum(epoch + 1.0 - float(self.max_epoch), 0.0)
        return self.base * ops.power(self.decay, exponent)

    def get_config(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "decay": self.decay,
            "max_epoch": self.max_epoch,
            "steps": self.steps,
        }


def make_optimizer(recipe: Recipe, steps_per_epoch: int) -> Any:
    config = recipe.config
    if isinstance(config, PTBConfig):
        schedule = EpochDecay(
            config.learning_rate, config.lr_decay, config.max_epoch, steps_per_epoch
        )
        return keras.optimizers.SGD(
            learning_rate=schedule,
            global_clipnorm=float(config.max_grad_norm),
        )
    return keras.optimizers.Adam(learning_rate=config.learning_rate)


def build_model(recipe: Recipe) -> Any:
    config = recipe.config
    if isinstance(config, PTBConfig):
        model = build_ptb(config)
        dummy = ops.zeros((1, config.num_steps), "int32")
    else:
        model = build_mnist(config)
        dummy = ops.zeros((1, config.num_steps, config.n_input))
    # The zoo models build their layers in __init__ but not themselves; JAX's stateless_call
    # insists on `model.built`, which one call (creating no variables) sets.
    if not model.built:
        model(dummy)
    return model


def objective(family: str, logits: Any, targets: Any) -> tuple[Any, Any]:
    """(mean cross-entropy, accuracy) in float32, whatever the compute dtype (mixed)."""
    logits = ops.cast(logits, "float32")
    if keras.backend.backend() in ("tensorflow", "jax"):
        ce = ops.mean(_cross_entropy(logits, ops.cast(targets, "int32")))
    else:  # torch: Keras's custom gradients take other arguments there
        ce = ops.mean(ops.sparse_categorical_crossentropy(targets, logits, from_logits=True))
    if family == "ptb":
        return ce, ops.zeros((), "float32")
    hit = ops.cast(ops.equal(ops.argmax(logits, axis=-1), ops.cast(targets, "int32")), "float32")
    return ce, ops.mean(hit)


def _cross_entropy_rows(logits: Any, targets: Any) -> Any:
    """Per-row `sparse_categorical_crossentropy(targets, logits, from_logits=True)`, with the
    gradient `softmax − one_hot` read off the forward pass's exponentials: `exp · (g / Σexp)`
    in one pass, then `g` taken off at the targets only (no one-hot tensor). At PTB's 10,000
    words TensorFlow's fused op took twice as long, single-threaded (docs/training.md);
    tests/test_train_fast_step.py checks value and gradient."""
    shifted = logits - ops.max(logits, axis=-1, keepdims=True)
    exp = ops.exp(shifted)
    total = ops.sum(exp, axis=-1, keepdims=True)
    picked = ops.take_along_axis(shifted, ops.expand_dims(targets, -1), axis=-1)
    loss = ops.squeeze(ops.log(total) - picked, -1)

    def grad(*upstream: Any) -> tuple[Any, None]:
        scale = ops.expand_dims(upstream[0], -1)
        vocab = logits.shape[-1]
        d = ops.reshape(exp * (scale / total), (-1, vocab))
        flat = ops.reshape(targets, (-1,))
        at = ops.stack([ops.arange(ops.shape(flat)[0], dtype=flat.dtype), flat], axis=1)
        hit = ops.take_along_axis(d, ops.expand_dims(flat, -1), axis=-1)[:, 0]
        d = ops.scatter_update(d, at, hit - ops.reshape(scale, (-1,)))
        return ops.reshape(d, ops.shape(logits)), None

    return loss, grad


_cross_entropy: Callable[..., Any] = ops.custom_gradient(_cross_entropy_rows)
