"""TensorFlow failing to run a model that builds: one line naming the op and the fix, for any
op (the corpus's cuDNN and LSTMBlockCell programs show it end to end in
tests/test_grads_everywhere.py)."""

from __future__ import annotations

import pytest

from rnninspect.tf.framework_errors import explain

NO_KERNEL = (
    "Graph execution error:\n\nDetected at node 'enc/CudnnRNN' defined at (most recent call "
    "last):\n  File \"x.py\", line 3\nNo OpKernel was registered to support Op 'CudnnRNN' "
    "used by {{node enc/CudnnRNN}} with these attrs: [T=DT_FLOAT]\nRegistered devices: "
    "[CPU]\nRegistered kernels:\n  device='GPU'; T in [DT_FLOAT]\n")
NO_GRADIENT = ("No gradient defined for operation'rnn/GRUBlockCell_2' (op type: GRUBlockCell)."
               " In general every operation must have an associated `@tf.RegisterGradient`")


@pytest.mark.parametrize(("text", "words"), [
    (NO_KERNEL, ("enc/CudnnRNN (CudnnRNN)", "(CPU)", "needs a GPU")),
    (NO_GRADIENT, ("rnn/GRUBlockCell_2 (GRUBlockCell)", "no gradient")),
])
def test_a_known_failure_is_one_line_naming_the_op(text: str, words: tuple[str, ...]) -> None:
    said = explain(RuntimeError(text))
    assert said is not None and "\n" not in said
    for word in words:
        assert word in said


def test_anything_else_is_left_alone() -> None:
    assert explain(ValueError("Shapes (2, 3) and (4, 5) are incompatible")) is None
