"""Block links of stacked layers that run on one cell's weights: each layer's reads belong
to its own layer, so the links run layer to layer."""

from __future__ import annotations


def test_tied_layers_link_layer_to_layer(fresh) -> None:
    ins = fresh("ptb-tiedlayers", dialect="legacy", config="test", num_steps=4, layers=3)
    links = {(lk.source, lk.target) for lk in ins.links}
    assert [c.name for c in ins.cells] == ["cell0", "cell1", "cell2"]
    assert {("cell0", "cell1"), ("cell1", "cell2")} <= links
    assert ("cell0", "cell2") not in links
