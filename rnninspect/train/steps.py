"""One compiled training step and one evaluation step per backend.

The carried LSTM state goes in and comes out as plain arrays (never variables), so the same
step serves truncated BPTT, evaluation from zeros, and data parallelism, where each replica
carries the state of its own rows. Gradients are of `loss * grad_scale` (see recipes).
"""

from __future__ import annotations

import os
from typing import Any

import keras
import numpy as np

from rnninspect.train import fast_lstm
from rnninspect.train.placement import Placement
from rnninspect.train.recipes import objective

States = Any  # nested [[h, c], ...] per layer (ptb) or None (mnist)


def _outputs(family: str, out: Any) -> tuple[Any, States]:
    return (out[0], out[1]) if family == "ptb" else (out, None)


def _inputs(family: str, x: Any, states: States) -> tuple[Any, ...]:
    return (x, states) if family == "ptb" else (x,)


def _call(model: Any, fast: bool) -> Any:
    """The forward pass the step differentiates: the fused-kernel form of the PTB model's
    call (fast_lstm) when it computes the same function, else the model's own call."""
    if fast:
        return lambda x, states, training: fast_lstm.forward(model, x, states, training)
    return lambda *inputs, training: model(*inputs, training=training)


class Stepper:
    """Backend-neutral interface: `train`/`evaluate` return (loss, accuracy, states)."""

    def __init__(
        self, model: Any, optimizer: Any, family: str, grad_scale: float, placement: Placement
    ) -> None:
        self.model, self.optimizer, self.family = model, optimizer, family
        self.grad_scale, self.placement = grad_scale, placement
        self.fast = family == "ptb" and fast_lstm.enabled(model)
        self.call = _call(model, self.fast)
        optimizer.build(model.trainable_variables)

    def zero_states(self, batch: int) -> States:
        if self.family != "ptb":
            return None
        hidden = self.model.hidden_size
        zeros = np.zeros((batch, hidden), np.float32)
        return self.states_from_numpy([[zeros, zeros] for _ in range(self.model.num_layers)])

    def states_from_numpy(self, states: Any) -> States:
        return None if states is None else keras.tree.map_structure(self.put, states)

    def states_to_numpy(self, states: States) -> Any:
        return None if states is None else keras.tree.map_structure(self.fetch, states)

    def put(self, array: np.ndarray) -> Any:
        return keras.ops.convert_to_tensor(array)

    def fetch(self, tensor: Any) -> np.ndarray:
        return np.asarray(keras.ops.convert_to_numpy(tensor))

    def sync(self) -> None:
        """Write any state held outside the Keras variables back into them."""

    # Set per backend (a compiled function, or a method on the torch stepper).
    train: Any
    evaluate: Any

    def reload(self) -> None:
        """Re-read the Keras variables after they were assigned (checkpoint restore)."""


class TensorFlowStepper(Stepper):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        import tensorflow as tf

        strategy = self.placement.strategy
        replicas = strategy.num_replicas_in_sync
        model, family, variables = self.model, self.family, self.model.trainable_variables
        call = self.call

        def replica_step(x: Any, y: Any, states: States) -> Any:
            with tf.GradientTape() as tape:
                logits, states = _outputs(family, call(*_inputs(family, x, states), training=True))
                loss, acc = objective(family, logits, y)
                # Each replica sees 1/replicas of the batch; gradients are summed below.
                scaled = loss * (self.grad_scale / replicas)
            grads = tape.gradient(scaled, variables)
            # Dense embedding gradient: what the seed's clip_by_global_norm saw, too.
            grads = [tf.convert_to_tensor(g) for g in grads]
            return loss, acc, states, grads

        fused_sgd = replicas == 1 and _plain_clipped_sgd(self.optimizer)

        def train(x: Any, y: Any, states: States) -> Any:
            loss, acc, states, grads = strategy.run(replica_step, args=(x, y, states))
            grads = [strategy.reduce("SUM", g, axis=None) for g in grads]
            if fused_sgd:
                _apply_clipped_sgd(self.optimizer, grads, variables)
            else:
                # Cross-replica context: the optimizer clips the *global* gradient, as one
                # device.
                self.optimizer.apply(grads, variables)
            return strategy.reduce("MEAN", loss, None), strategy.reduce("MEAN", acc, None), states

        def replica_eval(x: Any, y: Any, states: States) -> Any:
            logits, states = _outputs(family, call(*_inputs(family, x, states), training=False))
            loss, acc = objective(family, logits, y)
            return loss, acc, states

        def evaluate(x: Any, y: Any, states: States) -> Any:
            loss, acc, states = strategy.run(replica_eval, args=(x, y, states))
            return strategy.reduce("MEAN", loss, None), strategy.reduce("MEAN", acc, None), states

        # XLA fuses the unrolled loop's many small ops. On a CPU it pays for the per-step
        # loop but not for the fast forward, whose time is in large matmuls that TensorFlow's
        # own (oneDNN) kernels run ~3x faster than XLA:CPU's (docs/training.md);
        # RNNINSPECT_XLA=1/0 forces it on/off. Like Keras's jit_compile="auto", not for layers
        # that opt out (the cuDNN-capable fused LSTM), nor around cross-replica collectives.
        xla = os.environ.get("RNNINSPECT_XLA", "auto")
        jit = (
            replicas == 1
            and (xla == "1" or (xla == "auto" and (self.placement.gpu or not self.fast)))
            and all(getattr(layer, "supports_jit", True) for layer in model._flatten_layers())
        )
        self._train = tf.function(train, jit_compile=jit)
        self._eval = tf.function(evaluate, jit_compile=jit)

    def put(self, array: np.ndarray) -> Any:
        strategy = self.placement.strategy
        n = strategy.num_replicas_in_sync
        if n == 1:
            return keras.ops.convert_to_tensor(array)
        shards = np.split(array, n)  # replica r holds rows [r*B/n, (r+1)*B/n)
        return strategy.experimental_distribute_values_from_function(
            lambda ctx: shards[ctx.replica_id_in_sync_group]
        )

    def fetch(self, tensor: Any) -> np.ndarray:
        parts = self.placement.strategy.experimental_local_results(tensor)
        return (
            np.concatenate([np.asarray(p) for p in parts])
            if len(parts) > 1
            else np.asarray(parts[0])
        )

    def train(self, x: np.ndarray, y: np.ndarray, states: States) -> Any:
        return self._train(self.put(x), self.put(y), states)

    def evaluate(self, x: np.ndarray, y: np.ndarray, states: States) -> Any:
        return self._eval(self.put(x), self.put(y), states)


def _plain_clipped_sgd(optimizer: Any) -> bool:
    """Whether `optimizer` is the PTB recipe's: SGD, no momentum, weight decay, EMA, loss
    scaling or per-variable clipping, only `global_clipnorm` (what `_apply_clipped_sgd`
    computes)."""
    return (
        type(optimizer) is keras.optimizers.SGD
        and optimizer.momentum == 0
        and optimizer.global_clipnorm is not None
        and optimizer.clipnorm is None
        and optimizer.clipvalue is None
        and optimizer.weight_decay is None
        and not optimizer.use_ema
        and optimizer.gradient_accumulation_steps is None
    )


def _apply_clipped_sgd(optimizer: Any, grads: list[Any], variables: list[Any]) -> None:
    """`optimizer.apply(grads, variables)` for `_plain_clipped_sgd` optimizers on TensorFlow,
    in two passes over the gradients instead of five: Keras squares every gradient into a
    new tensor for the global norm, multiplies each by the clipping scale, then by the
    learning rate, then subtracts; here `L2Loss` reads each once for the norm and
    `ResourceApplyGradientDescent` updates each variable in place with `lr · scale`. Same
    formula as `keras.optimizers.clip_by_global_norm` (NaN and Inf norms included);
    tests/test_train_fast_step.py checks the variables against Keras's apply."""
    import tensorflow as tf

    clip = float(optimizer.global_clipnorm)
    norm = tf.sqrt(tf.add_n([2.0 * tf.nn.l2_loss(g) for g in grads]))
    scale = clip * tf.minimum(1.0 / norm, 1.0 / clip) + (norm - norm)
    alpha = tf.cast(optimizer.learning_rate, tf.float32) * scale
    for variable, grad in zip(variables, grads, strict=True):
        tf.raw_ops.ResourceApplyGradientDescent(
            var=variable.value.handle, alpha=tf.cast(alpha, grad.dtype), delta=grad
        )
    optimizer.iterations.assign_add(1)


class JaxStepper(Stepper):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        import jax

        model, family, optimizer, fast = self.model, self.family, self.optimizer, self.fast

        def forward(tv: Any, ntv: Any, x: Any, y: Any, states: States, training: bool) -> Any:
            inputs = _inputs(family, x, states)
            if fast:
                out, ntv = fast_lstm.stateless(
                    model, fast_lstm.forward, tv, ntv, model, *inputs, training
                )
            else:
                out, ntv = model.stateless_call(tv, ntv, *inputs, training=training)
            logits, states = _outputs(family, out)
            loss, acc = objective(family, logits, y)
            return loss * self.grad_scale, (loss, acc, states, ntv)

        def train(state: Any, x: Any, y: Any, states: States) -> Any:
            tv, ntv, ov = state
            grads, (loss, acc, states, ntv) = jax.grad(forward, has_aux=True)(
                tv, ntv, x, y, states, True
            )
            tv, ov = optimizer.stateless_apply(ov, grads, tv)
            return (tv, ntv, ov), loss, acc, states

        def evaluate(state: Any, x: Any, y: Any, states: States) -> Any:
            _, (loss, acc, states, _) = forward(state[0], state[1], x, y, states, False)
            return loss, acc, states

        self._train = jax.jit(train, donate_argnums=0)
        self._eval = jax.jit(evaluate)
        self.reload()

    def reload(self) -> None:
        self.state = (
            [v.value for v in self.model.trainable_variables],
            [v.value for v in self.model.non_trainable_variables],
            [v.value for v in self.optimizer.variables],
        )

    def sync(self) -> None:
        tv, ntv, ov = self.state
        for variables, values in (
            (self.model.trainable_variables, tv),
            (self.model.non_trainable_variables, ntv),
            (self.optimizer.variables, ov),
        ):
            for var, value in zip(variables, values, strict=True):
                var.assign(value)

    def put(self, array: np.ndarray) -> Any:
        import jax

        dist = self.placement.distribution
        if dist is None:
            return jax.numpy.asarray(array)
        return jax.device_put(array, dist.get_data_layout(array.shape).backend_layout)

    def train(self, x: np.ndarray, y: np.ndarray, states: States) -> Any:
        self.state, loss, acc, states = self._train(self.state, self.put(x), self.put(y), states)
        return loss, acc, states

    def evaluate(self, x: np.ndarray, y: np.ndarray, states: States) -> Any:
        return self._eval(self.state, self.put(x), self.put(y), states)


class TorchStepper(Stepper):
    def train(self, x: np.ndarray, y: np.ndarray, states: States) -> Any:
        import torch

        variables = self.model.trainable_variables
        logits, states = _outputs(
            self.family, self.call(*_inputs(self.family, self.put(x), states), training=True)
        )
        loss, acc = objective(self.family, logits, self.put(y))
        self.model.zero_grad()
        (loss * self.grad_scale).backward()
        with torch.no_grad():
            self.optimizer.apply([v.value.grad for v in variables], variables)
        # Truncated BPTT: the carried state must not keep the previous graph alive.
        states = keras.tree.map_structure(lambda t: t.detach(), states)
        return loss.detach(), acc.detach(), states

    def evaluate(self, x: np.ndarray, y: np.ndarray, states: States) -> Any:
        import torch

        with torch.no_grad():
            out = self.call(*_inputs(self.family, self.put(x), states), training=False)
            logits, states = _outputs(self.family, out)
            loss, acc = objective(self.family, logits, self.put(y))
        return loss, acc, states
