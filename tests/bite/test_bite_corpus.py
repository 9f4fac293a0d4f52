"""The real corpus where its ground truth is not met in full: everything else about the
program must still hold, so a regression there is not hidden by the known discrepancy."""

from __future__ import annotations

from tests import test_real_corpus as corpus


def test_nmt_attention_differs_from_its_ground_truth_in_one_known_line_only() -> None:
    """Known wrong (KNOWN_WRONG in tests/test_real_corpus.py): the attention's V is called
    hidden→hidden. Every other fact of the ground truth holds: the per-step GRU calls are
    the decoder cell's four steps, the encoder loop below it, the roles, the dead recurrent
    kernel of the first call."""
    assert "nmt_attention" in corpus.KNOWN_WRONG
    assert corpus.discrepancies(corpus.expected("nmt_attention"),
                                corpus.inspected("nmt_attention")) == [
        "decoder/attention/V/kernel: role got hidden_to_hidden expected other"]


def test_nmt_attention_names_its_encoder_loop_beside_the_static_decoder() -> None:
    """A while loop beside static cells is `loop{layer}`; the decoder's static cell (its
    per-step GRU calls) is `cell1`, above the encoder."""
    cells = {c.name: c for c in corpus.inspection("nmt_attention").cells}
    assert sorted(cells) == ["cell1", "loop0"]
    assert (cells["loop0"].layer, cells["loop0"].dynamic) == (0, True)
    assert (cells["cell1"].layer, cells["cell1"].num_steps) == (1, 4)
