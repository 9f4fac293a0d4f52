"""The seed programs as their scripts build them (ptb-main, mnist-train): the same roles,
steps and totals as the forward graphs, plus the copies and the training state."""

from __future__ import annotations

import pytest

from rnninspect import inspect
from rnninspect.model import FindingKind, Inspection, Role

SMALL = {"hidden": 8, "vocab": 50}


def _weights(ins: Inspection) -> list[tuple[object, ...]]:
    """Each model weight's facts, without its name (the scopes differ: model/ vs Model/)."""
    return sorted((v.shape, v.role.value, v.layer, v.steps, v.placement.value, v.row_split)
                  for v in ins.variables if v.role is not Role.TRAINING_STATE)


@pytest.mark.parametrize("config", ["small", "medium"])  # medium: DropoutWrapper in Train
def test_ptb_main_reads_as_ptb_plus_copies(config: str) -> None:
    main = inspect("ptb-main", config=config, **SMALL)
    forward = inspect("ptb", config=config, **SMALL)
    steps = forward.num_steps
    assert main.num_steps == steps
    assert main.total_params == forward.total_params
    assert _weights(main) == _weights(forward)
    assert [(c.name, c.num_steps, c.batch_size, c.training, c.primary) for c in main.copies] \
        == [("Train", steps, 20, True, True), ("Valid", steps, 20, False, False),
            ("Test", 1, 1, False, False)]
    kernel = main.variable("Model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/kernel")
    assert dict(kernel.steps_by_copy) == {
        "Train": tuple(range(steps)), "Valid": tuple(range(steps)), "Test": (0,)}
    state = {v.name for v in main.by_role(Role.TRAINING_STATE)}
    assert state == {"Train/Model/lr", "Model/global_step"}
    assert not any(v.trainable for v in main.by_role(Role.TRAINING_STATE))
    # Copies are never layers that share a cell.
    assert [c.layer for c in main.cells] == [0, 1]
    assert not any(f.kind is FindingKind.SHARED_ACROSS_LAYERS for f in main.findings)
    assert main.findings == forward.findings


def test_mnist_train_reads_as_mnist_plus_adam_state() -> None:
    train, forward = inspect("mnist-train", hidden=8), inspect("mnist", hidden=8)
    assert train.num_steps == forward.num_steps == 28
    assert train.total_params == forward.total_params
    assert _weights(train) == _weights(forward)
    assert train.copies == ()
    state = train.by_role(Role.TRAINING_STATE)
    # Two Adam slots per trainable variable, and the two beta powers.
    assert len(state) == 2 * len([v for v in train.variables if v.trainable]) + 2
    assert [f.kind for f in train.findings] == [f.kind for f in forward.findings] \
        == [FindingKind.REDUNDANT_PROJECTION]


def test_show_summarises_training_state_and_all_lists_it(capsys) -> None:
    from rnninspect.cli import main

    assert main(["show", "mnist-train", "--hidden", "4"]) == 0
    brief = capsys.readouterr().out
    assert "+14 training-state variables (optimizer state) — --all lists them" in \
        " ".join(brief.split())
    assert "Variable/Adam" not in brief and "beta1_power" not in brief
    assert main(["show", "mnist-train", "--hidden", "4", "--all"]) == 0
    full = capsys.readouterr().out
    assert "Variable/Adam" in full and "beta1_power" in full and "--all lists" not in full
