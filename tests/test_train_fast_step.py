"""The fused-kernel forward pass (train/fast_lstm.py) computes the model's own call: the same
loss, carried state and gradients as PTBModel's per-step loop, on TensorFlow and on JAX, with
the time loop unrolled or scanned, and with the written-out backward pass (bptt)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("keras")

# Prints, for each loop mode, the largest absolute difference between the plain per-step
# loop (PTBModel.call) and fast_lstm.forward in loss, carried state and every gradient.
SCRIPT = r"""
import json, os, sys
import keras
import numpy as np
from rnninspect.train import fast_lstm
from rnninspect.train.recipes import objective
from rnninspect.zoo.keras_models import PTBModel

variant = sys.argv[1]
# (time loop, backward pass, layers as a wavefront): autodiff of the unrolled and scanned
# loops, and the written-out backpropagation through time of the unrolled loop, one layer
# after another and all layers as one wavefront.
MODES = {"unroll": ("unroll", "autodiff", "0"), "scan": ("scan", "autodiff", "0"),
         "bptt": ("unroll", "bptt", "0"), "wavefront": ("unroll", "bptt", "1")}
keras.utils.set_random_seed(3)
model = PTBModel(vocab_size=30, hidden_size=8, num_layers=2, num_steps=5, init_scale=0.5,
                 variant=variant)
rng = np.random.default_rng(0)
ids = rng.integers(0, 30, (3, 5)).astype("int32")
targets = rng.integers(0, 30, (3, 5)).astype("int32")
states = [[rng.normal(size=(3, 8)).astype("float32") for _ in "hc"] for _ in range(2)]
variables = model.trainable_variables
backend = keras.backend.backend()


def loss_grads(call):
    if backend == "tensorflow":
        import tensorflow as tf
        with tf.GradientTape() as tape:
            logits, new = call(ids, states)
            loss = objective("ptb", logits, targets)[0]
        grads = tape.gradient(loss, variables)
        return loss, new, [tf.convert_to_tensor(g) for g in grads]
    import jax
    def f(tv):
        (logits, new), _ = fast_lstm.stateless(model, call, tv, model.non_trainable_variables,
                                               ids, states)
        return objective("ptb", logits, targets)[0], new
    (loss, new), grads = jax.value_and_grad(f, has_aux=True)(
        [v.value for v in variables])
    return loss, new, grads


def arrays(loss, new, grads):
    return [np.asarray(loss)] + [np.asarray(s) for hc in new for s in hc] + [
        np.asarray(g) for g in grads]


plain = arrays(*loss_grads(lambda x, s: model(x, s, training=True)))
result = {"backend": backend, "grad_norm": float(sum(np.abs(g).sum() for g in plain[5:]))}
for mode, (loop, backward, wave) in MODES.items():
    os.environ["RNNINSPECT_LOOP"], os.environ["RNNINSPECT_BACKWARD"] = loop, backward
    os.environ["RNNINSPECT_WAVEFRONT"] = wave
    fast = arrays(*loss_grads(lambda x, s: fast_lstm.forward(model, x, s, True)))
    assert [a.shape for a in fast] == [a.shape for a in plain]
    result[mode] = max(float(np.max(np.abs(a - b))) for a, b in zip(plain, fast))

# With dropout the fast forward draws other masks than the per-step loop, but the wavefront
# draws the same masks as the layers one after another: same seed state, same results.
model = PTBModel(vocab_size=30, hidden_size=8, num_layers=3, num_steps=5, init_scale=0.5,
                 keep_prob=0.5, variant=variant)
states = [[rng.normal(size=(3, 8)).astype("float32") for _ in "hc"] for _ in range(3)]
variables = model.trainable_variables
seed_state = np.asarray(model.dropout.seed_generator.state.value)
by_mode = []
for wave in ("0", "1"):
    os.environ["RNNINSPECT_WAVEFRONT"] = wave
    model.dropout.seed_generator.state.assign(seed_state)
    by_mode.append(arrays(*loss_grads(lambda x, s: fast_lstm.forward(model, x, s, True))))
result["dropout_loss"] = float(by_mode[0][0])
result["dropout"] = max(float(np.max(np.abs(a - b))) for a, b in zip(*by_mode))
print(json.dumps(result))
"""


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
@pytest.mark.parametrize("variant", ["standard", "tiedlayers"])
def test_fast_step_equals_the_per_step_loop(backend: str, variant: str) -> None:
    pytest.importorskip(backend)
    env = dict(os.environ, KERAS_BACKEND=backend, JAX_PLATFORMS="cpu", RNNINSPECT_FAST="1")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, variant],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    r = json.loads(done.stdout.strip().splitlines()[-1])
    assert r["backend"] == backend
    assert r["grad_norm"] > 1e-3  # the gradients compared are not all zero
    for mode in ("unroll", "scan", "bptt", "wavefront", "dropout"):
        assert r[mode] < 1e-5, (mode, r)
    assert r["dropout_loss"] > 0


def test_fast_path_is_off_for_per_step_cells() -> None:
    from rnninspect.train import fast_lstm
    from rnninspect.zoo.keras_models import PTBModel

    kwargs = {"vocab_size": 10, "hidden_size": 4, "num_layers": 1, "num_steps": 2}
    assert fast_lstm.enabled(PTBModel(**kwargs))
    assert not fast_lstm.enabled(PTBModel(variant="noreuse", **kwargs))


def test_time_loop_default_follows_the_gpu_measurements(monkeypatch):
    from rnninspect.train.fast_lstm import loop_mode

    monkeypatch.delenv("RNNINSPECT_LOOP", raising=False)
    assert loop_mode(650, 20, on_gpu=True) == "scan"  # medium b20: scan 1.5x unrolled
    assert loop_mode(650, 256, on_gpu=True) == "unroll"  # medium b256
    assert loop_mode(200, 20, on_gpu=True) == "unroll"  # small
    assert loop_mode(1500, 20, on_gpu=True) == "unroll"  # large
    assert loop_mode(650, 20, on_gpu=False) == "unroll"  # every CPU run
    monkeypatch.setenv("RNNINSPECT_LOOP", "scan")
    assert loop_mode(200, 20, on_gpu=False) == "scan"


CROSS_ENTROPY = r"""
import json
import keras
import numpy as np
from keras import ops
from rnninspect.train.recipes import _cross_entropy

rng = np.random.default_rng(1)
logits = (rng.normal(size=(2, 5, 11)) * 4).astype("float32")
targets = rng.integers(0, 11, (2, 5)).astype("int32")
weights = rng.normal(size=(2, 5)).astype("float32")  # a non-uniform upstream gradient


def value_and_grad(f):
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        x = tf.constant(logits)
        with tf.GradientTape() as tape:
            tape.watch(x)
            value = ops.sum(f(x) * weights)
        return np.asarray(value), np.asarray(tape.gradient(value, x))
    import jax
    value, g = jax.value_and_grad(lambda x: ops.sum(f(x) * weights))(logits)
    return np.asarray(value), np.asarray(g)


ours = value_and_grad(lambda x: _cross_entropy(x, targets))
keras_ = value_and_grad(
    lambda x: ops.sparse_categorical_crossentropy(targets, x, from_logits=True))
print(json.dumps({"value": float(abs(ours[0] - keras_[0])),
                  "grad": float(np.max(np.abs(ours[1] - keras_[1]))),
                  "grad_norm": float(np.abs(keras_[1]).sum())}))
"""


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_cross_entropy_equals_keras(backend: str) -> None:
    """The trainer's cross-entropy (its own gradient) equals Keras's, value and gradient."""
    pytest.importorskip(backend)
    env = dict(os.environ, KERAS_BACKEND=backend, JAX_PLATFORMS="cpu")
    done = subprocess.run([sys.executable, "-c", CROSS_ENTROPY], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    r = json.loads(done.stdout.strip().splitlines()[-1])
    assert r["grad_norm"] > 1e-2
    assert r["value"] < 1e-4 and r["grad"] < 1e-6, r


@pytest.mark.parametrize("scale", [0.01, 100.0, float("nan")])
def test_fused_clipped_sgd_equals_keras_apply(scale: float) -> None:
    """The TensorFlow trainer's two-pass SGD update equals Keras's `SGD(global_clipnorm)`
    apply: below the clipping norm, above it, and with a NaN gradient (NaN everywhere)."""
    if os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
        pytest.skip("the fused update is TensorFlow's")
    import keras
    import numpy as np
    import tensorflow as tf

    from rnninspect.train.recipes import EpochDecay
    from rnninspect.train.steps import _apply_clipped_sgd, _plain_clipped_sgd

    rng = np.random.default_rng(0)
    values = [rng.normal(size=shape).astype("float32") for shape in ((4, 3), (3,), (5, 2))]
    grads = [tf.constant(rng.normal(size=v.shape).astype("float32") * scale) for v in values]
    results = []
    for fused in (False, True):
        variables = [keras.Variable(v) for v in values]
        optimizer = keras.optimizers.SGD(learning_rate=EpochDecay(0.7, 0.5, 1, 2),
                                         global_clipnorm=5.0)
        optimizer.build(variables)
        assert _plain_clipped_sgd(optimizer)
        for _ in range(3):  # the schedule decays after the first epoch (2 steps)
            if fused:
                _apply_clipped_sgd(optimizer, grads, variables)
            else:
                optimizer.apply(grads, variables)
        assert int(optimizer.iterations.numpy()) == 3
        results.append([np.asarray(v.numpy()) for v in variables])
    for keras_value, fused_value, start in zip(*results, values, strict=True):
        if np.isnan(scale):
            assert np.isnan(keras_value).all() and np.isnan(fused_value).all()
        else:
            assert np.max(np.abs(keras_value - start)) > 1e-3  # the update moved them
            np.testing.assert_allclose(fused_value, keras_value, rtol=1e-6, atol=1e-6)
    assert not _plain_clipped_sgd(keras.optimizers.SGD(momentum=0.9, global_clipnorm=5.0))
    assert not _plain_clipped_sgd(keras.optimizers.Adam())
