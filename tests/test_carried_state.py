"""A stateful RNN's carried state (rnninspect/analysis/carried.py): a non-trainable variable
the forward pass reads and an assignment writes with what a cell computed is the role
`carried_state`, in its cell; a non-trainable variable nothing writes back, or one written
from the weights themselves (a moving average), is not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

KERAS = '''
import keras


def build():
    x = keras.Input((4, 3), batch_size=2)
    y = keras.layers.{layer}(5, stateful={stateful}, unroll={unroll}, name="rnn")(x)
    return keras.Model(x, keras.layers.Dense(2, name="head")(y))
'''

TF1 = '''
import tensorflow as tf

tf1 = tf.compat.v1
T, B, F, H = 3, 2, 3, 4


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [B, T, F], name="x")
        carried = tf.Variable(tf.zeros([B, H]), trainable=False, name="carried")
        cell = tf1.nn.rnn_cell.BasicRNNCell(H)
        state = carried.read_value()
        outputs = []
        with tf1.variable_scope("rnn") as scope:
            for t in range(T):
                if t > 0:
                    scope.reuse_variables()
                out, state = cell(x[:, t, :], state)
                outputs.append(out)
        loss = tf.reduce_mean(tf.stack(outputs))
        {write}
        tf1.train.GradientDescentOptimizer(0.1).minimize(loss)
    return graph
'''
WRITES = {
    "assigned": "with tf.control_dependencies([carried.assign(state)]):\n"
                "            loss = tf.identity(loss)",
    "never written": "",
    # a running average of a weight: written from the weights, not from what the cell computed
    "averaged": "carried.assign_sub(0.1 * (carried - tf.reduce_mean(tf1.trainable_variables()"
                "[0])))",
}


def _inspect(tmp_path: Path, source: str) -> dict[str, Any]:
    from rnninspect import inspect

    path = tmp_path / "model.py"
    path.write_text(source, encoding="utf-8")
    result: dict[str, Any] = inspect(f"{path}:build").to_dict()
    return result


def _roles(got: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {v["name"]: (v["role"], v["cell"]) for v in got["variables"]}


@pytest.mark.parametrize(("layer", "unroll"), [("LSTM", False), ("GRU", True)])
def test_a_stateful_keras_layers_state_is_carried_state_in_its_cell(
        tmp_path: Path, layer: str, unroll: bool) -> None:
    got = _inspect(tmp_path, KERAS.format(layer=layer, stateful=True, unroll=unroll))
    state = [v for v in got["variables"] if not v["trainable"]]
    assert len(state) == (2 if layer == "LSTM" else 1)
    cell = next(v["cell"] for v in got["variables"] if v["role"] == "hidden_to_hidden")
    assert {(v["role"], v["cell"]) for v in state} == {("carried_state", cell)}
    assert not [f for f in got["findings"] if f["kind"] == "unresolved"]
    assert got["total_params"] == sum(v["params"] for v in got["variables"] if v["trainable"])


def test_the_same_layer_not_stateful_has_no_carried_state(tmp_path: Path) -> None:
    got = _inspect(tmp_path, KERAS.format(layer="LSTM", stateful=False, unroll=False))
    assert all(v["role"] != "carried_state" for v in got["variables"])


@pytest.mark.parametrize(("write", "role"), [("assigned", "carried_state"),
                                             ("never written", None), ("averaged", None)])
def test_tf1_state_kept_in_a_variable(tmp_path: Path, write: str, role: str | None) -> None:
    got = _inspect(tmp_path, TF1.format(write=WRITES[write]))
    carried = _roles(got)["carried"][0]
    if role is None:
        assert carried != "carried_state"
    else:
        assert carried == role
    assert _roles(got)["rnn/basic_rnn_cell/kernel"][0] == "input_hidden_fused"
