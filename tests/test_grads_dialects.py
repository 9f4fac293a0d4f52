"""The TF1 and Keras dialects of ptb, given the same weights, have the same per-step gradient
profile (issue 12): the TF1 weights are copied into the Keras model (fused kernel rows split
into kernel / recurrent kernel, gate columns i, j, f, o reordered to Keras's i, f, c, o)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnninspect.api import gradients
from rnninspect.sources import LoadOptions, resolve
from rnninspect.tf import worker
from rnninspect.tf.gradients import LegacyWeights, model_gradients

SEED = 3
SIZE = 16


def _keras_order(columns: np.ndarray) -> np.ndarray:
    i, j, f, o = np.split(columns, 4, axis=-1)  # TF1 BasicLSTMCell
    return np.concatenate([i, f, j, o], axis=-1)  # Keras LSTMCell: i, f, c, o


def _keras_with_tf1_weights(source, weights):
    from rnninspect.tf.imports import import_keras_for_tracing

    import_keras_for_tracing()
    model = source.entry.build(source.config, "keras")
    by_path = {v.path: v for v in model.variables}
    by_path["embedding/embeddings"].assign(weights["model/embedding"])
    for layer in range(2):
        fused = weights[f"model/RNN/multi_rnn_cell/cell_{layer}/basic_lstm_cell/kernel"]
        bias = weights[f"model/RNN/multi_rnn_cell/cell_{layer}/basic_lstm_cell/bias"]
        by_path[f"lstm_cell_{layer}/kernel"].assign(_keras_order(fused[:SIZE]))
        by_path[f"lstm_cell_{layer}/recurrent_kernel"].assign(_keras_order(fused[SIZE:]))
        by_path[f"lstm_cell_{layer}/bias"].assign(_keras_order(bias))
    by_path["softmax/kernel"].assign(weights["model/softmax_w"])
    by_path["softmax/bias"].assign(weights["model/softmax_b"])
    return model


def test_tf1_and_keras_ptb_agree_on_the_per_step_profile_for_the_same_weights():
    options = LoadOptions("legacy", None, 6, SIZE, 2, 50, 4)
    source = resolve("ptb", options)
    tf1 = gradients("ptb", options, seed=SEED)
    weights = worker.call(LegacyWeights("ptb", source.config, SEED))
    model = _keras_with_tf1_weights(source, weights)
    keras = model_gradients(model, source.entry.signature(source.config), "ptb", (), SEED,
                            int_high=source.entry.int_high(source.config),
                            logits=lambda inputs: source.entry.logits(model, inputs))
    assert tf1.loss == pytest.approx(keras.loss, rel=1e-4)  # same function, same batch
    k = {v.variable: v for v in keras.variables}
    for v in tf1.variables:
        layer = v.variable.split("cell_")[1][0]
        if v.variable.endswith("kernel"):  # ‖[K; U]‖² = ‖K‖² + ‖U‖², step by step
            kernel = k[f"lstm_cell_{layer}/kernel"]
            recurrent = k[f"lstm_cell_{layer}/recurrent_kernel"]
            other = tuple(math.hypot(a, b) for a, b in zip(kernel.norms, recurrent.norms,
                                                           strict=True))
        else:
            other = k[f"lstm_cell_{layer}/bias"].norms
        assert len(other) == len(v.norms) == 6
        assert int(np.argmax(other)) == int(np.argmax(v.norms)), v.variable
        for a, b in zip(v.norms[1:], other[1:], strict=True):  # ratios to the last step
            assert a / v.norms[-1] == pytest.approx(b / other[-1], rel=0.1)
