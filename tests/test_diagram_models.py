"""The hand-built Inspections of tests/models/inspections.py keep their own invariants."""

from __future__ import annotations

from rnninspect.model import Role
from tests.models.inspections import mnist_like, ptb_like

# -- the fixtures' own invariants ------------------------------------------------------------


def test_ptb_like_params_match_the_paper() -> None:
    # PTB small: 4,651,600 trainable parameters (DESIGN.md §3).
    assert ptb_like().total_params == 4_651_600


def test_mnist_like_params_match_the_seed() -> None:
    assert mnist_like().total_params == 136_586


def test_noreuse_has_one_kernel_per_step() -> None:
    insp = ptb_like(5, noreuse=True)
    kernels = [v for v in insp.variables if v.role is Role.INPUT_HIDDEN_FUSED]
    assert len(kernels) == 2 * 5
    assert all(len(v.steps) == 1 for v in kernels)


def test_tied_layers_unrolled_draws_each_weight_once_with_dashed_edges_to_the_other_layer(
    inspect_cached,
):
    ins = inspect_cached("ptb-tiedlayers", dialect="keras", num_steps=4, hidden=8, vocab=50)
    dot = ins.diagram(view="unrolled").source
    kernel_nodes = [line for line in dot.splitlines()
                    if line.strip().startswith("var_lstm_cell_kernel [")]
    assert len(kernel_nodes) == 1  # one node for the one variable
    dashed = [line for line in dot.splitlines() if "->" in line and "style=dashed" in line]
    assert len(dashed) == 3 * 4  # kernel, recurrent kernel and bias → layer 1 at 4 steps
