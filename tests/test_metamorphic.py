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

# the classes of failure still open (tests/metamorphic/BASELINE.md); every class of the
# baseline (logged loss, regularisers, add_check_numerics_ops, recurrent_dropout, outer
# scopes, mixed precision's copies, a stateful layer's state) is fixed and its pairs pass
MIXED = "nmt_attention (known wrong in the corpus) under mixed precision: its dead_weight is missed"
UNROLL_T = ("unrolled layers of different lengths (rows 4, columns 5): the primary T is the "
            "longest cell's, the variant's truth takes the outer layer's")
# (transformation, program) -> why rnninspect gets it wrong today (one line)
KNOWN_WRONG: dict[tuple[str, str], str] = {
    ("mixed_precision", "nmt_attention"): MIXED,
    ("unroll", "row_col_lstm"): UNROLL_T,
    ("v1_behavior", "ptb_cudnn_params"): "an opaque cuDNN parameter buffer (unresolved in "
    "both): under control flow v1 its two layers count as two cells, one empty, not one",
    ("frozen_pb", "clockwork_rnn"): "frozen: a weight constant masked by a constant "
    "(W * mask) is not proven a weight: no_recurrence, weights other",
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
    "outer_name_scope": "mnist_train", "feed_back": "ptb@legacy",
    "compile_metrics": "masking_lstm", "mixed_precision": "gru_tanh_classifier",
    "keras_name_scope": "masking_lstm", "recurrent_dropout": "masking_lstm",
    "input_dropout": "gru_tanh_classifier", "unroll": "masking_lstm",
    "stateful": "gru_tanh_classifier", "kernel_regularizer": "masking_lstm",
    "all_regularizers": "gru_tanh_classifier", "v1_behavior": "dynamic_rnn_seqlen",
    # saved forms (tests/metamorphic/forms.py): a loop frozen into constants, a TF1 graph
    # behind a v1 signature, a whole MetaGraph, a checkpoint's guesses, a .keras round trip
    "save_keras": "gru_tanh_classifier", "saved_model": "mnist@legacy",
    "frozen_pb": "dynamic_rnn_seqlen", "frozen_pb_lowered": "masking_lstm",
    "meta_graph": "tied_lm",
    "checkpoint_only": "gru_tanh_classifier",
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
