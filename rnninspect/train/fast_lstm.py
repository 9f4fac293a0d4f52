"""The PTB model's training forward pass, computed the way fused LSTM kernels compute it.

Same model, same variables, same maths as `PTBModel.call` (one `LSTMCell` per layer, read at
every step), in the order cuDNN and PyTorch's CPU `nn.LSTM` use:

- layer by layer: a layer runs over all T steps before the next layer starts (the stacked
  recurrence only depends on the layer below at the same step, so this is the same result);
- the input half of every step at once: `x · W_x + b` for all T is one `[B·T, in] × [in, 4h]`
  matmul outside the time loop; only `h · W_h` stays in the loop (no per-step concat);
- the gates' elementwise work as one expression per step (XLA fuses it into one kernel);
- one softmax matmul over all steps (as the model does).

Dropout draws one `[B, T, h]` mask per layer output instead of T masks of `[B, h]`: the same
distribution, different draws from `PTBModel.call` (with `keep_prob` 1 the two agree to
rounding; tests/test_train_fast_step.py checks loss and gradients).

`RNNINSPECT_FAST=0` falls back to `model(...)`; `RNNINSPECT_LOOP=scan` runs the time loop as
`keras.ops.scan` instead of unrolling it (see docs/training.md for what each measured).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from typing import Any

import keras
from keras import ops

from rnninspect.zoo.keras_models import PTBModel


def enabled(model: Any) -> bool:
    """Whether `forward` computes `model.call`'s function (one cell object per layer)."""
    return (
        os.environ.get("RNNINSPECT_FAST", "1") != "0"
        and isinstance(model, PTBModel)
        and model.variant != "noreuse"
    )


def loop_mode(units: int = 0, batch: int | None = None, *, on_gpu: bool | None = None) -> str:
    """`RNNINSPECT_LOOP` (unroll or scan) if set; else what measured fastest on an H200 with
    JAX (docs/training.md, 2026-11-27): `scan` for medium-sized cells at small batches
    (650 units, batch 20: 1.5× the unrolled loop), unrolled everywhere else (small, large,
    batch 256, and every CPU run)."""
    mode = os.environ.get("RNNINSPECT_LOOP")
    if mode is not None:
        if mode not in ("unroll", "scan"):
            raise ValueError(f"RNNINSPECT_LOOP must be unroll or scan; got {mode!r}")
        return mode
    gpu = _jax_gpu() if on_gpu is None else on_gpu
    small_batch = batch is not None and batch <= 64
    return "scan" if gpu and small_batch and 256 <= units <= 1024 else "unroll"


def loop_mode_and_backward(units: int, batch: int | None) -> tuple[str, str]:
    """(loop mode, backward): `RNNINSPECT_BACKWARD` (bptt or autodiff) if set; else `bptt`
    for an unrolled loop on a CPU under TensorFlow or JAX (docs/training.md, profile of
    2026-12-07: 1.4–1.6× the autodiff step), `autodiff` everywhere else (scan, any GPU —
    not measured there yet — and the torch backend, where Keras's custom gradients differ)."""
    mode = loop_mode(units, batch)
    backward = os.environ.get("RNNINSPECT_BACKWARD")
    if backward is not None:
        if backward not in ("bptt", "autodiff"):
            raise ValueError(f"RNNINSPECT_BACKWARD must be bptt or autodiff; got {backward!r}")
        return mode, backward if mode == "unroll" else "autodiff"
    cpu = keras.backend.backend() in ("tensorflow", "jax") and not _on_gpu()
    return mode, "bptt" if cpu and mode == "unroll" else "autodiff"


def _on_gpu() -> bool:
    if keras.backend.backend() == "jax":
        return _jax_gpu()
    import tensorflow as tf

    return bool(tf.config.list_logical_devices("GPU"))


def _jax_gpu() -> bool:
    if keras.backend.backend() != "jax":
        return False
    import jax

    return bool(jax.default_backend() == "gpu")


def _cell_step(z: Any, c: Any, units: int) -> tuple[Any, Any]:
    """Keras LSTMCell gates, column blocks i, f, c, o."""
    i = ops.sigmoid(z[:, :units])
    f = ops.sigmoid(z[:, units : 2 * units])
    g = ops.tanh(z[:, 2 * units : 3 * units])
    o = ops.sigmoid(z[:, 3 * units :])
    c = f * c + i * g
    return o * ops.tanh(c), c


def lstm_layer(
    x: Any, h: Any, c: Any, cell: Any, dtype: str, loop: str, backward: str = "autodiff"
) -> tuple[Any, Any, Any]:
    """One layer over a time-major sequence `x` [T, B, in] -> (outputs [T, B, h], h, c)."""
    steps, width = x.shape[0], x.shape[2]
    units = cell.units
    kernel = ops.cast(cell.kernel, dtype)
    recurrent = ops.cast(cell.recurrent_kernel, dtype)
    bias = ops.cast(cell.bias, dtype)
    xw = ops.matmul(ops.reshape(x, (-1, width)), kernel) + bias  # all T steps at once
    xw = ops.reshape(xw, (steps, -1, 4 * units))
    if backward == "bptt":
        out, h, c = _recurrence_bptt(xw, h, c, recurrent)
        return out, h, c
    if loop == "scan":

        def body(carry: Any, xw_t: Any) -> tuple[Any, Any]:
            h_t, c_t = _cell_step(xw_t + ops.matmul(carry[0], recurrent), carry[1], units)
            # Keras's TensorFlow scan wants the per-step outputs shaped like the carry.
            return (h_t, c_t), (h_t, c_t)

        (h, c), (out, _) = ops.scan(body, (h, c), xw)
        return out, h, c
    outputs = []
    # unstack, not xw[t]: the gradient of T slices is T full-size padded tensors summed
    # (O(T²·B·4h)); that of unstack is one stack.
    for xw_t in ops.unstack(xw, num=steps, axis=0):
        h, c = _cell_step(xw_t + ops.matmul(h, recurrent), c, units)
        outputs.append(h)
    return ops.stack(outputs, axis=0), h, c


def _gate_factors(gates: Any, cs: Any, c0: Any, steps: int) -> list[Any]:
    """Per-step factors of the backward pass that do not depend on the recursion, for all T
    steps at once: dz of the i, f, c blocks per unit of dc; dz of the o block and dc per unit
    of dh; the forget gate (dc to the previous step's dc)."""
    i, f, g, o = (ops.stack(gate, axis=0) for gate in zip(*gates, strict=True))
    c_prev = ops.stack([c0, *cs[:-1]], axis=0)
    tanh_c = ops.tanh(ops.stack(cs, axis=0))
    factors = (g * i * (1.0 - i), c_prev * f * (1.0 - f), i * (1.0 - g * g),
               tanh_c * o * (1.0 - o), o * (1.0 - tanh_c * tanh_c), f)
    return [ops.unstack(factor, num=steps, axis=0) for factor in factors]


def _stacked_recurrence(
    num_layers: int, masked: bool, batch_major: bool = False
) -> Callable[..., Any]:
    """The recurrence of `num_layers` stacked LSTM layers, with backpropagation through time
    written out as fused RNN kernels do it (cuDNN, oneDNN). Called as

        f(xw, h0 × L, c0 × L, recurrent × L, kernel × (L−1), bias × (L−1)[, mask × (L−1)])
          -> (top layer's outputs [T, B, h] ([B, T, h] if `batch_major`), h × L, c × L)

    with `xw` [T, B, 4h] the bottom layer's input half (`x · W_x + b`, all steps at once) and
    each layer above reading the one below (times its dropout mask) step by step.

    - the recurrent weight's gradient is ONE `[h, T·B] × [T·B, 4h]` matmul after the loop,
      where autodiff of the unrolled loop makes T `[h, B] × [B, 4h]` matmuls and sums T
      full-size partial gradients (at 650 units, 35 × 6.8 MB); so are the upper layers'
      input kernels';
    - what does not depend on the backward recursion (the gates' derivatives) is computed
      for all T steps at once, outside the loop; the loop keeps only what must be serial;
    - no per-step slicing of the gate block (autodiff of four slices is four padded
      full-size tensors per step);
    - with several layers, step t of layer l+1 needs only step t of layer l, so the layers
      run as a wavefront: TensorFlow's executor runs layer l+1's step t beside layer l's
      step t+1 (and backwards the other way), two serial chains on two cores where one
      layer at a time leaves a core idle (see `wavefront`).

    Same function as `_cell_step` over the steps and layers (Keras gate order i, f, c, o);
    tests/test_train_fast_step.py checks the gradients against autodiff of the model's loop.
    """
    layers = num_layers

    def recurrence(*flat: Any) -> Any:
        xw, h0, c0 = flat[0], list(flat[1 : 1 + layers]), list(flat[1 + layers : 1 + 2 * layers])
        recurrent = list(flat[1 + 2 * layers : 1 + 3 * layers])
        kernels = list(flat[1 + 3 * layers : 4 * layers])  # layer l+1's, for l = 0..L-2
        biases = list(flat[4 * layers : 5 * layers - 1])
        masks = list(flat[5 * layers - 1 :]) if masked else [None] * (layers - 1)
        steps = xw.shape[0]
        bottom = ops.unstack(xw, num=steps, axis=0)
        mask_at = [None if m is None else ops.unstack(m, num=steps, axis=0) for m in masks]
        h, c = list(h0), list(c0)
        hs: list[list[Any]] = [[] for _ in range(layers)]
        cs: list[list[Any]] = [[] for _ in range(layers)]
        gates: list[list[Any]] = [[] for _ in range(layers)]
        inputs: list[list[Any]] = [[] for _ in range(layers)]  # what layers >= 1 read
        for t in range(steps):
            for layer in range(layers):
                if layer == 0:
                    z = bottom[t] + ops.matmul(h[0], recurrent[0])
                else:
                    below, mask = hs[layer - 1][t], mask_at[layer - 1]
                    x = below if mask is None else below * mask[t]
                    inputs[layer].append(x)
                    z = (ops.matmul(x, kernels[layer - 1]) + biases[layer - 1]
                         + ops.matmul(h[layer], recurrent[layer]))
                zi, zf, zg, zo = ops.split(z, 4, axis=1)
                i, f, g, o = ops.sigmoid(zi), ops.sigmoid(zf), ops.tanh(zg), ops.sigmoid(zo)
                c[layer] = f * c[layer] + i * g
                h[layer] = o * ops.tanh(c[layer])
                hs[layer].append(h[layer])
                cs[layer].append(c[layer])
                gates[layer].append((i, f, g, o))
        time_axis = 1 if batch_major else 0
        out = ops.stack(hs[-1], axis=time_axis)

        def grad(*upstream: Any) -> tuple[Any, ...]:
            if len(upstream) == 1:  # JAX: one cotangent shaped like the output
                upstream = tuple(upstream[0])
            d_out = ops.zeros_like(out) if upstream[0] is None else upstream[0]
            dh_next = [ops.zeros_like(ref) if u is None else u
                       for u, ref in zip(upstream[1 : 1 + layers], h, strict=True)]
            dc_next = [ops.zeros_like(ref) if u is None else u
                       for u, ref in zip(upstream[1 + layers :], c, strict=True)]
            factors = [_gate_factors(gates[k], cs[k], c0[k], steps) for k in range(layers)]
            recurrent_t = [_materialized(ops.transpose(w)) for w in recurrent]
            kernels_t = [_materialized(ops.transpose(w)) for w in kernels]
            d_outs = ops.unstack(d_out, num=steps, axis=time_axis)
            dz_steps: list[list[Any]] = [[] for _ in range(layers)]
            for t in range(steps - 1, -1, -1):
                from_above = d_outs[t]
                for layer in range(layers - 1, -1, -1):
                    dz_i, dz_f, dz_c, dh_to_dzo, dh_to_dc, forget = (
                        factor[t] for factor in factors[layer])
                    dh = from_above + dh_next[layer]
                    dc = dc_next[layer] + dh * dh_to_dc
                    dz = ops.concatenate([dc * dz_i, dc * dz_f, dc * dz_c, dh * dh_to_dzo], axis=1)
                    dc_next[layer] = dc * forget
                    dh_next[layer] = ops.matmul(dz, recurrent_t[layer])
                    dz_steps[layer].append(dz)
                    if layer > 0:
                        dx, mask = ops.matmul(dz, kernels_t[layer - 1]), mask_at[layer - 1]
                        from_above = dx if mask is None else dx * mask[t]
            dz_all = [ops.stack(dz[::-1], axis=0) for dz in dz_steps]  # [T, B, 4h] each
            d_recurrent, d_kernels, d_biases = [], [], []
            for layer in range(layers):
                width = recurrent[layer].shape[0]
                rows = ops.reshape(dz_all[layer], (-1, 4 * width))
                h_prev = ops.reshape(ops.stack([h0[layer], *hs[layer][:-1]], axis=0), (-1, width))
                d_recurrent.append(ops.matmul(ops.transpose(h_prev), rows))
                if layer > 0:
                    x = ops.stack(inputs[layer], axis=0)
                    x = ops.reshape(x, (-1, kernels[layer - 1].shape[0]))
                    d_kernels.append(ops.matmul(ops.transpose(x), rows))
                    d_biases.append(ops.sum(rows, axis=0))
            d_masks = [ops.zeros_like(m) for m in masks] if masked else []
            return (dz_all[0], *dh_next, *dc_next, *d_recurrent, *d_kernels, *d_biases, *d_masks)

        return (out, *h, *c), grad

    stacked: Callable[..., Any] = ops.custom_gradient(recurrence)
    return stacked


_recurrence_bptt = _stacked_recurrence(1, masked=False)


def _materialized(transposed: Any) -> Any:
    """A transposed weight as a tensor of its own. TensorFlow's graph optimizer otherwise folds
    the transpose into every per-step `matmul(dz, Wᵀ)` as `transpose_b`, which oneDNN ran at
    half the speed of the plain product for a [20, 2600] × [2600, 650] step (docs/training.md);
    XLA (JAX) chooses layouts itself."""
    if keras.backend.backend() != "tensorflow":
        return transposed
    import tensorflow as tf

    return tf.raw_ops.Snapshot(input=transposed)


def dropout(model: Any, x: Any, training: bool) -> Any:
    """`model.dropout(x)`, except that each replica of a TensorFlow tf.distribute strategy
    draws its own mask: Keras's seed generator gives every replica the same seed, hence the
    same mask on every row block (correlated dropout). Here the seed is folded with the
    replica's id. (On JAX a data-parallel step draws one mask for the global batch.)"""
    layer = model.dropout
    if not training or layer.rate == 0 or keras.backend.backend() != "tensorflow":
        return layer(x, training=training)
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return layer(x, training=training)
    seed = tf.random.experimental.stateless_fold_in(
        tf.cast(layer.seed_generator.next(), tf.int64), context.replica_id_in_sync_group
    )
    keep = tf.random.stateless_uniform(tf.shape(x), seed, dtype=tf.float32) >= layer.rate
    return tf.where(keep, x / tf.cast(1.0 - layer.rate, x.dtype), tf.zeros_like(x))


def wavefront(units: int, layers: int) -> bool:
    """Whether a training step runs the layers as one wavefront (`_stacked_recurrence`) rather
    than one after another: `RNNINSPECT_WAVEFRONT` (1 or 0) if set; else on TensorFlow on a
    CPU, with two layers or more of at most 256 units, where a step's `[B, h] × [h, 4h]`
    matmuls are too small to occupy the cores (small, 200 units: 1.04–1.12× the step; medium,
    650 units: 0.95×, as the per-step input matmuls replace one large one; docs/training.md)."""
    chosen = os.environ.get("RNNINSPECT_WAVEFRONT")
    if chosen is not None:
        if chosen not in ("0", "1"):
            raise ValueError(f"RNNINSPECT_WAVEFRONT must be 0 or 1; got {chosen!r}")
        return chosen == "1" and layers > 1
    return keras.backend.backend() == "tensorflow" and not _on_gpu() and layers > 1 and units <= 256


def _wavefront_layers(model: Any, x: Any, states: Any, dtype: str) -> tuple[Any, Any]:
    """All layers over a time-major `x` [T, B, s] in one `_stacked_recurrence`; returns the top
    layer's outputs, batch-major [B, T, h] as the softmax wants its rows (no transpose of the
    outputs nor of their gradient), after the dropout, and the new [h, c] per layer in the
    states' dtype."""
    layers = model.num_layers
    cells = [model.cell_at(0, layer) for layer in range(layers)]
    steps, batch, width = x.shape
    xw = ops.matmul(ops.reshape(x, (-1, width)), ops.cast(cells[0].kernel, dtype))
    xw = ops.reshape(xw + ops.cast(cells[0].bias, dtype), (steps, -1, 4 * cells[0].units))
    # Each layer's output dropout as a mask the recurrence applies step by step (the same
    # draw as dropping the [T, B, h] output).
    masks = [dropout(model, ops.ones((steps, batch, cell.units), dtype), True)
             for cell in cells] if model.dropout.rate > 0 else []
    state_dtype = keras.backend.standardize_dtype(states[0][0].dtype)
    weights = [
        *(ops.cast(cell.recurrent_kernel, dtype) for cell in cells),
        *(ops.cast(cell.kernel, dtype) for cell in cells[1:]),
        *(ops.cast(cell.bias, dtype) for cell in cells[1:]),
    ]
    out, *final = _stacked(layers, bool(masks), batch_major=True)(
        xw, *(ops.cast(h, dtype) for h, _ in states), *(ops.cast(c, dtype) for _, c in states),
        *weights, *masks[:-1],
    )
    if masks:  # the top layer's dropout, drawn time-major as the layers one after another do
        out = out * ops.transpose(masks[-1], (1, 0, 2))
    new_states = [[ops.cast(final[k], state_dtype), ops.cast(final[layers + k], state_dtype)]
                  for k in range(layers)]
    return out, new_states


@functools.cache
def _stacked(layers: int, masked: bool, batch_major: bool) -> Callable[..., Any]:
    return _stacked_recurrence(layers, masked, batch_major)


def forward(model: Any, ids: Any, states: Any, training: bool) -> tuple[Any, Any]:
    """`model(ids, states, training=training)` for a PTBModel, returning (logits, states)."""
    dtype = model.compute_dtype
    units = model.cell_at(0, 0).units
    loop, backward = loop_mode_and_backward(units, ids.shape[0])
    x = dropout(model, model.embedding(ids), training)  # [B, T, s]
    x = ops.transpose(x, (1, 0, 2))  # time-major: step t is a contiguous slice
    if training and backward == "bptt" and wavefront(units, model.num_layers):
        x, new_states = _wavefront_layers(model, x, states, dtype)  # [B, T, h]
    else:
        new_states = []
        for layer in range(model.num_layers):
            h, c = states[layer]
            state_dtype = keras.backend.standardize_dtype(h.dtype)
            x, h, c = lstm_layer(
                x, ops.cast(h, dtype), ops.cast(c, dtype), model.cell_at(0, layer), dtype, loop,
                backward if training else "autodiff",
            )
            x = dropout(model, x, training)
            new_states.append([ops.cast(h, state_dtype), ops.cast(c, state_dtype)])
        x = ops.transpose(x, (1, 0, 2))
    # One [B·T, s] × [s, V] matmul, on a 2-D input: its bias add then fuses into the matmul
    # (a 3-D input goes through tensordot's reshapes, which keep them apart).
    batch, steps, width = x.shape
    rows = ops.reshape(x, (-1, width))
    logits = ops.reshape(_softmax_rows(model, rows, training and backward == "bptt"),
                         (batch, steps, -1))
    return logits, new_states


def _softmax_rows(model: Any, rows: Any, written_out: bool) -> Any:
    """The softmax projection of the rows [B·T, s] -> [B·T, V]: `model.softmax`, or with the
    written-out backward pass (bptt) on TensorFlow the same product with its gradient written
    out too (XLA, on JAX, chooses layouts and fusions itself)."""
    layer = model.softmax
    if not written_out or layer.bias is None or keras.backend.backend() != "tensorflow":
        return layer(rows)
    return _projection(rows, ops.cast(layer.kernel, rows.dtype), ops.cast(layer.bias, rows.dtype))


def _projection_rows(rows: Any, kernel: Any, bias: Any) -> Any:
    """`rows · kernel + bias`, whose kernel and bias gradients are ONE `[s + 1, B·T] × [B·T, V]`
    matmul of the rows with a column of ones: autodiff sums the `[B·T, V]` gradient's columns
    for the bias in TensorFlow's `BiasAddGrad` (2.6 ms of a 50 ms small step, single-threaded)
    and lets the optimizer fold the transposes into the products (`transpose_a`/`_b`), which
    oneDNN runs slower; here the transposed operands are tensors of their own. Paired rounds
    on small: 1.03–1.14× the step (docs/training.md)."""
    logits = ops.matmul(rows, kernel) + bias

    def grad(*upstream: Any) -> tuple[Any, Any, Any]:
        d_logits = upstream[0]
        d_rows = ops.matmul(d_logits, _materialized(ops.transpose(kernel)))
        ones = ops.ones((rows.shape[0], 1), rows.dtype)
        with_ones = _materialized(ops.transpose(ops.concatenate([rows, ones], axis=1)))
        d_both = ops.matmul(with_ones, d_logits)  # [s + 1, V]: the kernel's rows, then the bias
        return d_rows, d_both[:-1], d_both[-1]

    return logits, grad


_projection: Callable[..., Any] = ops.custom_gradient(_projection_rows)


def stateless(
    model: Any,
    call: Callable[..., Any],
    trainable: Sequence[Any],
    non_trainable: Sequence[Any],
    *args: Any,
    **kwargs: Any,
) -> tuple[Any, list[Any]]:
    """`model.stateless_call` for a function of the model other than `model.call` (JAX):
    variables read their values from the given lists; returns (output, new non-trainables)."""
    mapping = [
        *zip(model.trainable_variables, trainable, strict=True),
        *zip(model.non_trainable_variables, non_trainable, strict=True),
    ]
    with keras.StatelessScope(state_mapping=mapping) as scope:
        out = call(*args, **kwargs)
    return out, [scope.get_current_value(v) for v in model.non_trainable_variables]
