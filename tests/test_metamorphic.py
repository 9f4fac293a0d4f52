"""Metamorphic variants (issue 21): a transformation that real programs add must not change
rnninspect's inspection of a program, except by the delta it declares (tests/metamorphic/).

The default run takes one program per transformation (`FAST`); `-m slow` runs the full matrix
(every transformation on every program it applies to). Pairs rnninspect gets wrong today are
`xfail(strict=True)` in `KNOWN_WRONG` with the class of failure (tests/metamorphic/BASELINE.md):
a fix that makes one pass turns it red until its line is removed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.metamorphic import delta, matrix, programs, transforms, variant
from tests.truth import discrepancies

# the classes of failure (tests/metamorphic/BASELINE.md)
LOGGED = ("a logged loss (summary.scalar + merge_all) turns the forward pass into training "
          "machinery: copies, steps or the whole model lost")
REGULARISED = ("a penalty over every weight (cost + λΣ l2/l1): biases become other, a "
               "projection joins the cell")
REGULARISER_LINKS = "a penalty over the matrices: every weight it reads gets a link to the output"
CHECKED = "add_check_numerics_ops: the per-op checks chain the steps: T doubles, extra layers"
RECURRENT_DROPOUT = "recurrent_dropout: the recurrent kernel (GRU: every weight) becomes other"
STATEFUL = "a stateful layer's state variables come out as other, not training_state"
MIXED = "mixed precision's casts: copies and cells lost, dead_weight missed"
OUTER_SCOPE = "an outer variable_scope renames the copies copy 1/2/3 instead of Train/Valid/Test"
# (transformation, program) -> why rnninspect gets it wrong today (one line)
KNOWN_WRONG: dict[tuple[str, str], str] = {
    ('check_numerics_all', 'mnist_train'): CHECKED,
    ('check_numerics_all', 'ptb_main'): CHECKED,
    ('check_numerics_all', 'ptb_train_only'): CHECKED,
    ('check_numerics_all', 'static_birnn'): CHECKED,
    ('l1_all', 'dynamic_rnn_seqlen'): REGULARISED,
    ('l1_all', 'mnist@legacy'): REGULARISED,
    ('l1_all', 'mnist_train'): REGULARISED,
    ('l1_all', 'ptb@legacy'): REGULARISED,
    ('l1_all', 'ptb_main'): REGULARISED,
    ('l1_all', 'ptb_train_only'): REGULARISED,
    ('l1_all', 'static_birnn'): REGULARISED,
    ('l1_all', 'static_rnn_seqlen'): REGULARISED,
    ('l1_all', 'tied_lm'): REGULARISED,
    ('l2_all', 'dynamic_rnn_seqlen'): REGULARISED,
    ('l2_all', 'mnist@legacy'): REGULARISED,
    ('l2_all', 'mnist_train'): REGULARISED,
    ('l2_all', 'ptb@legacy'): REGULARISED,
    ('l2_all', 'ptb_main'): REGULARISED,
    ('l2_all', 'ptb_train_only'): REGULARISED,
    ('l2_all', 'static_birnn'): REGULARISED,
    ('l2_all', 'static_rnn_seqlen'): REGULARISED,
    ('l2_all', 'tied_lm'): REGULARISED,
    ('l2_matrices', 'dynamic_rnn_seqlen'): REGULARISER_LINKS,
    ('l2_matrices', 'mnist@legacy'): REGULARISER_LINKS,
    ('l2_matrices', 'mnist_train'): REGULARISER_LINKS,
    ('l2_matrices', 'ptb@legacy'): REGULARISER_LINKS,
    ('l2_matrices', 'ptb_main'): REGULARISER_LINKS,
    ('l2_matrices', 'ptb_train_only'): REGULARISER_LINKS,
    ('l2_matrices', 'static_birnn'): REGULARISER_LINKS,
    ('l2_matrices', 'static_rnn_seqlen'): REGULARISER_LINKS,
    ('l2_matrices', 'tied_lm'): REGULARISER_LINKS,
    ('mixed_precision', 'lstm_seq2seq'): MIXED,
    ('mixed_precision', 'nmt_attention'): MIXED,
    ('recurrent_dropout', 'addition_rnn'): RECURRENT_DROPOUT,
    ('recurrent_dropout', 'gru_tanh_classifier'): RECURRENT_DROPOUT,
    ('recurrent_dropout', 'masking_lstm'): RECURRENT_DROPOUT,
    ('stateful', 'addition_rnn'): STATEFUL,
    ('stateful', 'gru_tanh_classifier'): STATEFUL,
    ('stateful', 'masking_lstm'): STATEFUL,
    ('summary_loss', 'mnist@legacy'): LOGGED,
    ('summary_loss', 'ptb@legacy'): LOGGED,
    ('summary_loss', 'ptb_forward_copies'): LOGGED,
    ('summary_loss', 'ptb_main'): LOGGED,
    ('summary_loss', 'ptb_train_only'): LOGGED,
    ('summary_loss', 'static_rnn_seqlen'): LOGGED,
    ('summary_loss', 'tied_lm'): LOGGED,
    ('stateful', 'imdb_bilstm'): STATEFUL,
    ('recurrent_dropout', 'imdb_bilstm'): RECURRENT_DROPOUT,
    ('outer_variable_scope', 'ptb_main'): OUTER_SCOPE,
}

# one program per transformation for the default run: the cheapest that the transformation
# changes (TF1 seeds and small corpus programs)
FAST: dict[str, str] = {
    "unchanged": "mnist@legacy",
    "summary_loss": "ptb_main", "summary_histograms": "ptb_main", "print_loss": "tied_lm",
    "tf1_print": "static_rnn_seqlen", "check_numerics_loss": "dynamic_rnn_seqlen",
    "check_numerics_weights": "mnist_train", "check_numerics_all": "static_birnn",
    "assert_loss_finite": "mnist_train", "assert_weights_finite": "static_birnn",
    "minimize_sgd": "tied_lm", "apply_gradients_adam": "dynamic_rnn_seqlen",
    "clip_by_value": "dynamic_rnn_seqlen", "clip_by_norm": "static_rnn_seqlen",
    "clip_by_global_norm": "mnist_train", "l2_all": "ptb_train_only",
    "l2_matrices": "static_birnn", "l1_all": "dynamic_rnn_seqlen",
    "weight_decay_assign": "tied_lm", "ema_weights": "dynamic_rnn_seqlen", "saver": "mnist_train",
    "step_counter": "static_rnn_seqlen", "lr_variable": "static_birnn",
    "lr_schedule": "dynamic_rnn_seqlen", "initializers": "tied_lm",
    "optimizer_GradientDescent": "mnist_train", "optimizer_Adam": "static_birnn",
    "optimizer_Momentum": "dynamic_rnn_seqlen", "optimizer_Adagrad": "static_rnn_seqlen",
    "optimizer_AdagradDA": "mnist_train", "optimizer_RMSProp": "static_birnn",
    "optimizer_Adadelta": "dynamic_rnn_seqlen", "optimizer_Ftrl": "static_rnn_seqlen",
    "optimizer_ProximalGradientDescent": "static_birnn",
    "optimizer_ProximalAdagrad": "dynamic_rnn_seqlen",
    "minimize_as_apply_gradients": "mnist_train", "minimize_with_global_step": "static_birnn",
    "identity_reads": "mnist_train", "cast_reads": "tied_lm",
    "embedding_as_gather": "static_rnn_seqlen", "dropout_on": "dynamic_rnn_seqlen",
    "dropout_off": "ptb_train_only", "outer_variable_scope": "ptb_main",
    "outer_name_scope": "mnist_train",
    "compile_metrics": "masking_lstm", "mixed_precision": "gru_tanh_classifier",
    "keras_name_scope": "masking_lstm", "recurrent_dropout": "masking_lstm",
    "input_dropout": "gru_tanh_classifier", "unroll": "masking_lstm",
    "stateful": "gru_tanh_classifier", "kernel_regularizer": "masking_lstm",
    "all_regularizers": "gru_tanh_classifier",
}


def _pairs() -> list[tuple[str, str]]:
    return [(t.name, p.name) for t in transforms.TRANSFORMATIONS for p in programs.programs()
            if variant.applies(t, p)]


def _param(pair: tuple[str, str], *marks: Any) -> Any:
    if pair in KNOWN_WRONG:
        marks = (*marks, pytest.mark.xfail(strict=True, reason=KNOWN_WRONG[pair]))
    return pytest.param(*pair, marks=marks, id=f"{pair[0]}-{pair[1]}")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("variants")


def _check(transform: str, program: str, root: Path) -> None:
    outcome = matrix.run(transforms.by_name(transform), programs.by_name(program), root)
    assert outcome.status in ("agrees", "delta"), "\n".join(
        [outcome.line(), *outcome.differences])


@pytest.mark.parametrize(("transform", "program"), [_param(p) for p in FAST.items()])
def test_fast_selection(transform: str, program: str, root: Path) -> None:
    _check(transform, program, root)


@pytest.mark.slow
@pytest.mark.parametrize(("transform", "program"),
                         [_param(p) for p in _pairs() if p not in FAST.items()])
def test_full_matrix(transform: str, program: str, root: Path) -> None:
    _check(transform, program, root)


def test_the_library_is_complete() -> None:
    """≥ 30 transformations, each applying to some program; the fast run covers every one;
    the xfail table names real pairs."""
    names = [t.name for t in transforms.TRANSFORMATIONS]
    assert len(names) >= 30 and len(set(names)) == len(names)
    pairs = set(_pairs())
    assert {t for t, _ in pairs} == set(names)
    assert set(FAST) == set(names)
    assert set(FAST.items()) <= pairs
    assert set(KNOWN_WRONG) <= pairs


def _inspection() -> dict[str, Any]:
    """A two-layer static LSTM with an output layer and one optimizer slot, as `to_dict()`."""
    def var(name: str, role: str, cell: str | None, layer: int | None) -> dict[str, Any]:
        return {"name": name, "role": role, "cell": cell, "layer": layer,
                "steps": [0, 1] if cell else [], "dynamic": False, "also_roles": []}
    return {
        "total_params": 10, "num_steps": 2, "layers": 2,
        "variables": [var("m/k0", "input_hidden_fused", "cell0", 0),
                      var("m/k1", "input_hidden_fused", "cell1", 1),
                      var("m/w", "hidden_to_output", None, None),
                      var("m/w/Adam", "training_state", None, None)],
        "cells": [{"name": "cell0", "variables": ["m/k0"]},
                  {"name": "cell1", "variables": ["m/k1"]}],
        "links": [{"source": "input:x", "target": "cell0"},
                  {"source": "cell0", "target": "cell1"},
                  {"source": "cell1", "target": "m/w"}, {"source": "m/w", "target": "output:y"}],
        "findings": [], "copies": [],
    }


def test_an_unchanged_inspection_agrees_and_a_changed_one_differs() -> None:
    got = _inspection()
    truth = delta.truth_of(got)
    assert discrepancies(truth, got) == []
    got["variables"][2]["role"] = "other"
    got["copies"] = [{"name": "Train", "num_steps": 2}, {"name": "Valid", "num_steps": 2}]
    wrong = discrepancies(truth, got)
    assert any("m/w: role got other" in w for w in wrong)
    assert any(w.startswith("copies:") for w in wrong)


def test_the_declared_delta_is_what_the_build_measured() -> None:
    """A rename maps by creation order; an added non-trainable variable is expected as
    training_state; an undeclared change is the transformation's error."""
    truth = delta.truth_of(_inspection())
    before = [["m/k0", True], ["m/k1", True], ["m/w", True], ["m/w/Adam", False]]
    renamed = {"before": before, "after": [["o/" + n, t] for n, t in before]}
    want = delta.expected(truth, transforms.Delta(renames=True), renamed)
    assert sorted(want["variables"]) == ["o/m/k0", "o/m/k1", "o/m/w"]
    assert ["cell1", "o/m/w"] in want["links"] and want["training_state_count"] == 1
    assert delta.undeclared(transforms.Delta(renames=True), renamed) == []
    assert delta.undeclared(transforms.NONE, renamed)
    added = {"before": before, "after": [*before, ["step", False]]}
    want = delta.expected(truth, transforms.STATE, added)
    assert want["variables"]["step"] == {"role": "training_state"}
    assert want["training_state_count"] == 2
    assert delta.undeclared(transforms.STATE, added) == []
    assert delta.undeclared(transforms.NONE, added)
