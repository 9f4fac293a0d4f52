"""`compare` pairs weights by structure (role, place, layer, shape, dataflow order), not by
name: adding the MNIST projection shifts every `tf.Variable` auto-name, and the Adam slots
of either program are no model change."""

from __future__ import annotations

from rnninspect import inspect
from rnninspect.analysis.compare import ChangeKind, compare, pair_by_structure
from rnninspect.cli import main
from rnninspect.model import Role

SRC = "tests/models/compare/mnist_versions.py"


def _versions():
    return inspect(f"{SRC}:without_projection"), inspect(f"{SRC}:with_projection")


def test_adding_the_projection_reads_as_added_projection_and_reshaped_kernel() -> None:
    a, b = _versions()
    changes = {(c.kind, c.where, c.shape_before, c.shape_after) for c in compare(a, b).changes}
    assert changes == {
        (ChangeKind.ADDED, "input→hidden, before the cell", None, (4, 5)),
        (ChangeKind.ADDED, "bias, before the cell", None, (5,)),
        (ChangeKind.RESHAPED, "input+hidden (fused), in layer 0", (9, 20), (10, 20)),
    }


def test_removing_it_is_the_mirror_image() -> None:
    a, b = _versions()
    kinds = sorted((c.kind.value, c.where) for c in compare(b, a).changes)
    assert kinds == [("removed", "bias, before the cell"),
                     ("removed", "input→hidden, before the cell"),
                     ("reshaped", "input+hidden (fused), in layer 0")]


def test_output_layer_pairs_with_its_renamed_self_and_slots_are_left_out() -> None:
    a, b = _versions()
    pairs, only_a, only_b = pair_by_structure(a, b)
    by_role = {(x.role, x.placement): (x.name, y.name) for x, y in pairs}
    # The output weights are Variable / Variable_1 without the projection, and
    # Variable_2 / Variable_3 with it: the same weights under shifted auto-names.
    assert by_role[(Role.HIDDEN_TO_OUTPUT, a.variable("Variable").placement)] == \
        ("Variable", "Variable_2")
    assert only_a == []
    assert [v.name for v in only_b] == ["Variable", "Variable_1"]
    every = [v for x, y in pairs for v in (x, y)] + only_a + only_b
    assert not any(v.role is Role.TRAINING_STATE for v in every)
    assert any(v.role is Role.TRAINING_STATE for v in a.variables)  # Adam slots exist


def test_cli_json_names_where_each_change_sits(capsys) -> None:
    assert main(["compare", f"{SRC}:without_projection", f"{SRC}:with_projection",
                 "--format", "json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert sorted(c["where"] for c in data["changes"]) == [
        "bias, before the cell", "input+hidden (fused), in layer 0",
        "input→hidden, before the cell"]
    assert all(r["role"] != "training_state" for r in data["a"]["roles"] + data["b"]["roles"])
