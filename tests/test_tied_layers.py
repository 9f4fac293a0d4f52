"""Stacked layers that run on one cell's weights (`[cell] * n`): found for any number of
layers, each layer read at every step, and the parameters at stake counted per extra layer."""

from __future__ import annotations

import pytest

from rnninspect import inspect
from rnninspect.model import FindingKind, Inspection

T = 5


def _tied(ins: Inspection) -> list:  # the shared_across_layers findings
    return [f for f in ins.findings if f.kind is FindingKind.SHARED_ACROSS_LAYERS]


@pytest.mark.parametrize("dialect", ["legacy", "keras"])
@pytest.mark.parametrize("layers", [2, 3, 4])
def test_n_tied_layers(dialect: str, layers: int) -> None:
    ins = inspect("ptb-tiedlayers", dialect=dialect, config="test", num_steps=T, layers=layers)
    assert ins.num_steps == T
    assert [c.layer for c in ins.cells] == list(range(layers))
    assert all(c.num_steps == T for c in ins.cells)
    cell_vars = [v for v in ins.variables if v.cell is not None]
    assert cell_vars and all(v.cell == "cell0" for v in cell_vars)
    for v in cell_vars:
        assert v.steps == tuple(range(T)), v.name
        assert len(v.also_cells) == layers - 1, v.name
    [finding] = _tied(ins)
    one_cell = sum(v.params for v in cell_vars)
    # Separate layers would each bring one more cell's worth of weights.
    assert finding.params == (layers - 1) * one_cell
    assert str(layers) in finding.message.split(" layers")[0]
    assert {f.kind for f in ins.findings} == {FindingKind.SHARED_ACROSS_LAYERS}


@pytest.mark.parametrize("builder", ["tf1_two_tied_one_separate", "keras_two_tied_one_separate"])
def test_two_tied_and_one_separate_layer(builder: str) -> None:
    ins = inspect(f"tests/models/tied/mixed_stacks.py:{builder}")
    assert ins.num_steps == T
    assert sorted(c.layer for c in ins.cells) == [0, 1, 2]
    tied = [v for v in ins.variables if v.also_cells]
    separate = [v for v in ins.variables if v.cell is not None and not v.also_cells]
    assert tied and separate
    assert all(len(v.also_cells) == 1 for v in tied)
    assert all("separate" in v.name for v in separate) and all("tied" in v.name for v in tied)
    layer_of = {c.name: c.layer for c in ins.cells}
    assert {layer_of[v.cell] for v in tied} | {layer_of[c] for v in tied for c in v.also_cells} \
        == {0, 1}
    assert {layer_of[v.cell] for v in separate} == {2}
    [finding] = _tied(ins)
    assert finding.params == sum(v.params for v in tied)
    assert sorted(finding.variables) == sorted(v.name for v in tied)
