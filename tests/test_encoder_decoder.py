"""An unrolled encoder-decoder: every decoder step depends on the encoder's last step (the
initial state), yet reads its own input kernel — the read belongs to the decoder step it
meets first, not to the encoder's latest step."""

from __future__ import annotations

import pytest

from rnninspect.api import inspect

SPEC = "tests/models/forms/seq2seq_unrolled.py:build"


@pytest.fixture(scope="module")
def seq2seq():
    return inspect(SPEC)


def test_decoder_input_kernel_is_read_at_every_decoder_step_by_the_decoder_cell(seq2seq):
    by_name = {v.name: v for v in seq2seq.variables}
    kernel = by_name["decoder/lstm_cell/kernel"]
    recurrent = by_name["decoder/lstm_cell/recurrent_kernel"]
    assert kernel.steps == recurrent.steps == (0, 1, 2, 3)
    assert kernel.cell == recurrent.cell != by_name["encoder/lstm_cell/kernel"].cell
    assert kernel.role.value == "input_to_hidden"


def test_encoder_weights_are_read_at_its_five_steps(seq2seq):
    by_name = {v.name: v for v in seq2seq.variables}
    for w in ("kernel", "recurrent_kernel", "bias"):
        assert by_name[f"encoder/lstm_cell/{w}"].steps == (0, 1, 2, 3, 4)
