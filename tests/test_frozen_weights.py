"""A Keras model with ``trainable = False`` has no trainable parameters (issue 23, item 13):
`total_params` counts trainable weights only, and `check --expect-params 0` passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli

MODEL = """import keras


def frozen():
    model = keras.Sequential([keras.Input((3, 2), batch_size=2),
                              keras.layers.SimpleRNN(4, unroll=True), keras.layers.Dense(2)])
    model.trainable = False
    return model


def half():
    model = keras.Sequential([keras.Input((3, 2), batch_size=2),
                              keras.layers.SimpleRNN(4, unroll=True), keras.layers.Dense(2)])
    model.layers[0].trainable = False
    return model
"""


@pytest.mark.parametrize("name, params", [("frozen", 0), ("half", 10)])
def test_frozen_weights_are_not_counted_as_trainable(tmp_path: Path, name: str,
                                                     params: int) -> None:
    (tmp_path / "model.py").write_text(MODEL)
    code, out, err = run_cli(["check", f"{tmp_path / 'model.py'}:{name}", "--expect-params",
                              str(params), "--no-cache"])
    assert code == 0, out + err
