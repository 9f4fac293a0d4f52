"""A decoder stack fed its own prediction, through a projection or the embedding of its
argmax, in every loop form (docs/analysis.md §5, §6): the smallest generated program of each
class that was wrong or unresolved before, kept as a regression case. The truth is the
generator's, written from the program (tests/generated/); each program must be judged right
(not merely unresolved)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.generated.description import Description
from tests.generated.runner import inspect_file, judge, write

CASES = {
    # raw_rnn: the lookup on the prediction joins layer 0; layers were numbered 3, 4 (7, 8, 9)
    "raw_rnn_embedding_L2": Description(
        "tf1", "raw_rnn", "hand_lstm_variant", 2, stack="multi", inputs="embedding",
        head="every", extras=("ln",), feedback="matmul", steps=2, hidden=3),
    "raw_rnn_embedding_L3": Description(
        "tf1", "raw_rnn", "hand_lstm_variant", 3, stack="multi", inputs="embedding",
        head="every", extras=("peephole",), feedback="matmul", steps=2, hidden=3),
    "raw_rnn_project_L3": Description(
        "tf1", "raw_rnn", "hand_lstm_variant", 3, stack="multi", head="every",
        extras=("coupled",), feedback="project", steps=2, hidden=3),
    "while_embedding_L3": Description(
        "tf1", "feedback_while", "lstm", 3, stack="multi", head="every",
        feedback="matmul_embed", steps=2, hidden=3),
    # a Python loop whose last lookup feeds no step: was unresolved
    "python_loop_embedding_L2": Description(
        "tf1", "feedback_loop", "gru", 2, head="last", feedback="dense_embed", steps=2,
        hidden=3),
    # Keras cells stepped on the embedding of their argmax, after a warm-up loop: the
    # embedding made a cell of its own
    "keras_warmup_embedding": Description(
        "keras", "feedback", "lstm", 1, inputs="warmup", head="every",
        feedback="dense_embed", steps=2, hidden=3),
    "keras_stack_embedding_L3": Description(
        "keras", "feedback", "gru", 3, head="every", feedback="dense_embed", steps=3,
        hidden=3),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fed_back_stack_is_right(name: str, tmp_path: Path) -> None:
    d = CASES[name]
    source, truth = write(d)
    path = tmp_path / f"fed_back_{name}.py"
    path.write_text(source, encoding="utf-8")
    status, lines = judge(truth, inspect_file(path))
    assert status == "right", f"{d.key}: " + "; ".join(lines)
