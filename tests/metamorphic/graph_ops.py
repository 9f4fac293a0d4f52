"""What TF1 training scripts add around a model, added to an already built `tf.Graph`.

Runs in rnninspect's TF1 worker (imported by a variant file). Each op set reads only what any
TF1 program has: the graph's trainable-variable collection and the program's loss.

**The program's loss**, in this order:
1. the tensors the program itself passed to `tf.gradients` or to an optimizer's
   `compute_gradients`/`minimize` (recorded while it builds: the seeds of its gradient
   subgraphs);
2. else every float scalar that nothing consumes and that depends on a variable (a forward
   graph's `cost`, one per copy);
3. else the mean of each output a zoo builder names (the seeds build no loss).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

VARIABLE_OPS = {"VarHandleOp", "VariableV2", "Variable"}


@dataclass(frozen=True)
class Context:
    graph: Any
    losses: list[Any]
    weights: list[Any]  # the trainable variables

    @property
    def loss(self) -> Any:
        """The one loss a training transformation minimises (its predicate ensures one)."""
        if len(self.losses) != 1:
            raise ValueError(f"one loss expected, the program has {len(self.losses)}")
        return self.losses[0]


@contextmanager
def recording_losses() -> Iterator[list[Any]]:
    """While the program builds: what it takes gradients of."""
    import tensorflow as tf

    tf1 = tf.compat.v1
    seen: list[Any] = []
    gradients, compute = tf1.gradients, tf1.train.Optimizer.compute_gradients

    def record(ys: Any) -> None:
        for y in ys if isinstance(ys, (list, tuple)) else [ys]:
            if not any(y is s for s in seen):
                seen.append(y)

    def gradients_recorded(ys: Any, *args: Any, **kwargs: Any) -> Any:
        record(ys)
        return gradients(ys, *args, **kwargs)

    def compute_recorded(self: Any, loss: Any, *args: Any, **kwargs: Any) -> Any:
        record(loss)
        return compute(self, loss, *args, **kwargs)

    tf1.gradients = gradients_recorded
    tf1.train.Optimizer.compute_gradients = compute_recorded
    try:
        yield seen
    finally:
        tf1.gradients = gradients
        tf1.train.Optimizer.compute_gradients = compute


def forward_losses(graph: Any, outputs: list[str]) -> list[Any]:
    """Rules 2 and 3 of the module docstring."""
    import tensorflow as tf

    consumed = {t.name for op in graph.get_operations() for t in op.inputs}
    sinks = [t for op in graph.get_operations() for t in op.outputs[:1]
             if t.name not in consumed and t.dtype.is_floating and t.shape.rank == 0
             and _reads_variable(t)]
    if sinks:
        return sinks
    with graph.as_default():
        return [tf.reduce_mean(graph.get_tensor_by_name(name), name="metamorphic_loss")
                for name in outputs]


def _reads_variable(tensor: Any) -> bool:
    seen, stack = set(), [tensor.op]
    while stack:
        op = stack.pop()
        if op.type in VARIABLE_OPS:
            return True
        for t in op.inputs:
            if t.op.name not in seen:
                seen.add(t.op.name)
                stack.append(t.op)
    return False


def apply(names: list[str], graph: Any, losses: list[Any]) -> None:
    import tensorflow as tf

    with graph.as_default():
        context = Context(graph, losses, list(tf.compat.v1.trainable_variables()))
        for name in names:
            OPS[name](context)


# --- the op sets ------------------------------------------------------------------------------


def _tf() -> Any:
    import tensorflow as tf

    return tf


def summary_loss(c: Context) -> None:
    tf1 = _tf().compat.v1
    for i, loss in enumerate(c.losses):
        tf1.summary.scalar(f"loss_{i}", loss)
    tf1.summary.merge_all()


def summary_histograms(c: Context) -> None:
    tf1 = _tf().compat.v1
    for v in c.weights:
        tf1.summary.histogram(v.op.name.replace("/", "_"), v)
    tf1.summary.merge_all()


def print_loss(c: Context) -> None:
    for loss in c.losses:
        _tf().print("loss:", loss)


def tf1_print(c: Context) -> None:
    for loss in c.losses:
        _tf().compat.v1.Print(loss, [loss], message="loss")


def check_numerics_loss(c: Context) -> None:
    for loss in c.losses:
        _tf().debugging.check_numerics(loss, "loss")


def check_numerics_weights(c: Context) -> None:
    for v in c.weights:
        _tf().debugging.check_numerics(v, v.op.name)


def check_numerics_all(c: Context) -> None:
    _tf().compat.v1.add_check_numerics_ops()


def assert_loss_finite(c: Context) -> None:
    tf = _tf()
    for loss in c.losses:
        tf.debugging.Assert(tf.reduce_all(tf.math.is_finite(loss)), [loss])


def assert_weights_finite(c: Context) -> None:
    tf = _tf()
    for v in c.weights:
        tf.debugging.Assert(tf.reduce_all(tf.math.is_finite(v)), [v.op.name])


def minimize_sgd(c: Context) -> None:
    _tf().compat.v1.train.GradientDescentOptimizer(0.1).minimize(c.loss)


def apply_gradients_adam(c: Context) -> None:
    tf1 = _tf().compat.v1
    _apply(c, tf1.train.AdamOptimizer(1e-3), lambda g: g,
           global_step=tf1.train.get_or_create_global_step())


def clip_by_value(c: Context) -> None:
    _apply(c, None, lambda g: _tf().clip_by_value(g, -1.0, 1.0))


def clip_by_norm(c: Context) -> None:
    _apply(c, None, lambda g: _tf().clip_by_norm(g, 5.0))


def clip_by_global_norm(c: Context) -> None:
    tf, tf1 = _tf(), _tf().compat.v1
    pairs = [(g, v) for g, v in zip(tf1.gradients(c.loss, c.weights), c.weights, strict=True)
             if g is not None]
    clipped, _ = tf.clip_by_global_norm([g for g, _ in pairs], 5.0)
    tf1.train.GradientDescentOptimizer(0.1).apply_gradients(
        zip(clipped, [v for _, v in pairs], strict=True))


def _apply(c: Context, optimizer: Any, clip: Callable[[Any], Any], **kwargs: Any) -> None:
    tf1 = _tf().compat.v1
    optimizer = optimizer or tf1.train.GradientDescentOptimizer(0.1)
    grads = tf1.gradients(c.loss, c.weights)
    optimizer.apply_gradients([(clip(g), v) for g, v in zip(grads, c.weights, strict=True)
                               if g is not None], **kwargs)


def _regularised(c: Context, penalty: Callable[[Any], Any], weights: list[Any]) -> None:
    tf = _tf()
    total = c.loss + 1e-4 * tf.add_n([penalty(v) for v in weights])
    tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(total)


def l2_all(c: Context) -> None:
    _regularised(c, _tf().nn.l2_loss, c.weights)


def l2_matrices(c: Context) -> None:
    _regularised(c, _tf().nn.l2_loss, [v for v in c.weights if v.shape.rank >= 2])


def l1_all(c: Context) -> None:
    tf = _tf()
    _regularised(c, lambda v: tf.reduce_sum(tf.abs(v)), c.weights)


def weight_decay_assign(c: Context) -> None:
    tf = _tf()
    tf.group(*[tf.compat.v1.assign(v, v * (1.0 - 1e-4)) for v in c.weights],
             name="weight_decay")


def ema_weights(c: Context) -> None:
    _tf().compat.v1.train.ExponentialMovingAverage(0.999).apply(c.weights)


def saver(c: Context) -> None:
    _tf().compat.v1.train.Saver(max_to_keep=3)


def step_counter(c: Context) -> None:
    tf1 = _tf().compat.v1
    tf1.assign_add(tf1.train.get_or_create_global_step(), 1, name="next_step")


def lr_variable(c: Context) -> None:
    tf, tf1 = _tf(), _tf().compat.v1
    lr = tf.Variable(0.1, trainable=False, name="learning_rate")
    tf1.assign(lr, tf1.placeholder(tf.float32, [], name="new_learning_rate"))
    tf1.summary.scalar("learning_rate", lr)


def lr_schedule(c: Context) -> None:
    tf1 = _tf().compat.v1
    step = tf1.train.get_or_create_global_step()
    lr = tf1.train.exponential_decay(0.1, step, 100, 0.96, staircase=True)
    tf1.train.GradientDescentOptimizer(lr).minimize(c.loss, global_step=step)


def initializers(c: Context) -> None:
    tf1 = _tf().compat.v1
    tf1.global_variables_initializer()
    tf1.local_variables_initializer()
    tf1.report_uninitialized_variables()


OPS: dict[str, Callable[[Context], None]] = {f.__name__: f for f in (
    summary_loss, summary_histograms, print_loss, tf1_print, check_numerics_loss,
    check_numerics_weights, check_numerics_all, assert_loss_finite, assert_weights_finite,
    minimize_sgd, apply_gradients_adam, clip_by_value, clip_by_norm, clip_by_global_norm,
    l2_all, l2_matrices, l1_all, weight_decay_assign, ema_weights, saver, step_counter,
    lr_variable, lr_schedule, initializers)}
# the op sets that train the program's loss (so it must have exactly one)
TRAINING = {"minimize_sgd", "apply_gradients_adam", "clip_by_value", "clip_by_norm",
            "clip_by_global_norm", "l2_all", "l2_matrices", "l1_all", "lr_schedule"}
