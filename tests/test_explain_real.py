"""The explanation says only what the analysis found: an embedding is tied to the kernel of
the cell it actually feeds, and a dead recurrent kernel is not said to multiply h_t-1."""

from __future__ import annotations

from rnninspect import inspect
from rnninspect.render.explain import explain


def test_attention_decoder_explanation_names_the_right_cells() -> None:
    lines = explain(inspect("tests/models/real/nmt_attention.py:build"))
    decoder_embedding = next(x for x in lines if x.startswith(
        "Input→hidden: decoder/embedding/embeddings"))
    assert "encoder/" not in decoder_embedding and "cell1" in decoder_embedding
    dead = next(x for x in lines if "decoder/gru/gru_cell/recurrent_kernel" in x
                and x.startswith("Hidden→hidden"))
    assert "zero initial value" in dead and "previous step's h" not in dead
    live = next(x for x in lines if "encoder/gru/gru_cell/recurrent_kernel" in x
                and x.startswith("Hidden→hidden"))
    assert "previous step's h" in live
