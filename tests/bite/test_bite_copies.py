"""Copies (several unrolled instances of one model on one set of weights): found, named,
sized and told training from evaluation — each fact asserted, for hand-made TF1 graphs
(tests/models/bite/tf1_copies.py) and the PTB program's Train/Valid/Test."""

from __future__ import annotations

import pytest

from rnninspect.model import CopyInfo, FindingKind

SPEC = "tests/models/bite/tf1_copies.py:"


def _steps_by_copy(ins) -> set[tuple[tuple[str, tuple[int, ...]], ...]]:  # type: ignore[no-untyped-def]
    return {v.steps_by_copy for v in ins.variables}


def test_named_copies(fresh) -> None:
    ins = fresh(SPEC + "named")
    assert ins.copies == (
        CopyInfo("Train", 3, 3, True, True),
        CopyInfo("Valid", 3, 5, False, False),
        CopyInfo("Test", 2, 1, False, False),
    )
    assert ins.num_steps == 3 and ins.total_params == 3 * 4 + 4 * 4
    assert _steps_by_copy(ins) == {(("Train", (0, 1, 2)), ("Valid", (0, 1, 2)),
                                    ("Test", (0, 1)))}
    assert all(v.steps == (0, 1, 2) and not v.also_cells for v in ins.variables)
    assert ins.outputs == ("Train/loss",)  # the primary copy's
    assert len(ins.cells) == 1 and ins.findings == ()


def test_copies_without_a_majority_scope_are_numbered(fresh) -> None:
    ins = fresh(SPEC + "unnamed")
    assert ins.copies == (CopyInfo("copy 1", 3, 2, False, True),
                          CopyInfo("copy 2", 2, 4, False, False))
    assert _steps_by_copy(ins) == {(("copy 1", (0, 1, 2)), ("copy 2", (0, 1)))}
    assert ins.num_steps == 3 and ins.findings == ()


def test_the_training_copy_is_primary_wherever_it_sits(fresh) -> None:
    ins = fresh(SPEC + "trained_second")
    assert ins.copies == (CopyInfo("Eval", 2, 2, False, False),
                          CopyInfo("Train", 4, 6, True, True))
    assert ins.num_steps == 4
    assert all(v.steps == (0, 1, 2, 3) for v in ins.variables if v.cell)
    assert ins.outputs == ("Train/loss",)


def test_one_model_has_no_copies(fresh) -> None:
    ins = fresh(SPEC + "single")
    assert ins.copies == ()
    assert all(v.steps_by_copy == () for v in ins.variables)
    assert ins.num_steps == 3 and len(ins.cells) == 1


def test_ptb_train_valid_test(fresh) -> None:
    ins = fresh("tests/models/real/ptb_main.py:build")
    assert ins.copies == (CopyInfo("Train", 4, 2, True, True),
                          CopyInfo("Valid", 4, 2, False, False),
                          CopyInfo("Test", 1, 1, False, False))
    assert sorted(c.layer for c in ins.cells) == [0, 1]
    assert FindingKind.SHARED_ACROSS_LAYERS not in {f.kind for f in ins.findings}
    assert ins.total_params == 1428


class _FakeOpGraph:
    """Just what naming copies reads: a graph whose nodes carry their op names."""

    def __init__(self, names: dict[str, str]) -> None:
        import networkx as nx

        self.graph = nx.DiGraph()
        for node, name in names.items():
            self.graph.add_node(node, name=name)


@pytest.mark.parametrize(("groups", "expected"), [
    ([["Train/a", "Train/b", "x"], ["Valid/a", "Valid/b", "y"]], ["Train", "Valid"]),
    # exactly half the ops in one scope is no majority
    ([["A/a", "A/b", "B/a", "B/b"], ["C/a", "C/b", "C/c"]], ["copy 1", "copy 2"]),
    # a third is no majority either
    ([["A/a", "A/b", "b", "c", "d"], ["C/a"]], ["copy 1", "copy 2"]),
    # two copies with the same majority scope cannot be told apart by it
    ([["M/a", "M/b"], ["M/c", "M/d"], ["N/a"]], ["copy 1", "copy 2", "copy 3"]),
    ([["top"], ["M/x", "M/y", "M/z"]], ["top", "M"]),
])
def test_copy_names(groups: list[list[str]], expected: list[str]) -> None:
    from rnninspect.analysis.copies import _names

    # node ids differ from op names: the names are what count
    ids = {name: f"n{k}_{g}" for g, group in enumerate(groups) for k, name in enumerate(group)}
    og = _FakeOpGraph({node: name for name, node in ids.items()})
    assert _names(og, [{ids[n] for n in group} for group in groups]) == expected  # type: ignore[arg-type]


def test_a_differentiated_copy_is_a_training_copy(fresh) -> None:
    ins = fresh(SPEC + "gradients_only")
    assert [(c.name, c.batch_size, c.training) for c in ins.copies] == [
        ("Eval", 2, False), ("Probe", 4, True)]
    assert [c.primary for c in ins.copies] == [False, True]
