"""Small pure functions of the analysis and of `check`, tested on hand-made inputs: the
training-machinery rules, model outputs, pattern matching and expectation files."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnninspect.analysis.check import (
    Expectations,
    check,
    expectations_from_flags,
    load_expectations,
    matches,
    parse_severity,
)
from rnninspect.analysis.training import (
    in_gradient_scope,
    model_outputs,
    training_machinery,
    value_consumers,
    writes_state,
)
from rnninspect.errors import InvalidOptionError
from rnninspect.model import Severity

# --- training machinery ---------------------------------------------------------------------


@pytest.mark.parametrize(("op", "writes"), [
    ("AssignVariableOp", True), ("NoOp", True), ("SaveV2", True), ("CountUpTo", True),
    ("ApplyGradientDescent", True), ("ResourceApplyAdam", True),
    ("ResourceSparseApplyAdagrad", True), ("ScatterNdUpdate", True),
    ("ResourceScatterAdd", True), ("ScalarSummary", True), ("HistogramSummaryV2", True),
    ("MatMul", False), ("ReadVariableOp", False), ("Identity", False), ("Summaryless", False),
    ("ApplyAnything", True),  # a prefix rule: any op type that starts with Apply
])
def test_writes_state(op: str, writes: bool) -> None:
    assert writes_state(op) is writes


@pytest.mark.parametrize(("name", "inside"), [
    ("gradients/MatMul_grad/MatMul", True), ("Train/gradients_1/add", True),
    ("gradient_tape/model/mul", True), ("model/gradients", False), ("gradients", False),
    ("model/my_gradients/x", False), ("gradientsfoo/x", False), ("a/b/c", False),
])
def test_in_gradient_scope(name: str, inside: bool) -> None:
    assert in_gradient_scope(name) is inside


def test_value_consumers_leave_shape_reads_out() -> None:
    ops = {"x": "Placeholder", "w": "VarHandleOp", "y": "MatMul", "s": "Shape", "z": "Add"}
    inputs = {"y": ["x", "w"], "s": ["y"], "z": ["y", "ghost"]}
    assert value_consumers(ops, inputs) == {"x": {"y"}, "w": {"y"}, "y": {"z"}, "s": set(),
                                            "z": set()}


def _loss_and_update() -> tuple[dict[str, str], dict[str, list[str]]]:
    """loss = sum(x @ w); grad = ones(shape(loss)) ... ; an optimizer update writes w."""
    ops = {
        "x": "Placeholder", "w": "VarHandleOp", "read": "ReadVariableOp", "mm": "MatMul",
        "loss": "Sum", "shape": "Shape", "ones": "Fill", "g": "MatMul", "clip": "Mul",
        "update": "ResourceApplyGradientDescent", "side": "Identity",
    }
    inputs = {
        "read": ["w"], "mm": ["x", "read"], "loss": ["mm"], "shape": ["loss"],
        "ones": ["shape"], "g": ["ones", "x"], "clip": ["g"], "update": ["w", "clip"],
        "side": ["mm"],
    }
    return ops, inputs


def test_training_machinery_is_what_only_feeds_writes() -> None:
    ops, inputs = _loss_and_update()
    training = training_machinery(ops, inputs)
    assert training == {"update", "clip", "g", "ones", "shape"}
    # the loss is read only by `shape`: its value is not consumed, so it stays a model op
    assert "loss" not in training and "mm" not in training


def test_training_machinery_needs_more_than_one_pass_when_not_in_order() -> None:
    ops = {"update": "AssignVariableOp", "b": "Mul", "a": "Mul", "x": "Placeholder"}
    inputs = {"update": ["b"], "b": ["a"], "a": ["x"]}
    assert training_machinery(ops, inputs) == {"update", "b", "a", "x"}
    assert training_machinery(dict(reversed(list(ops.items()))), inputs) == {
        "update", "b", "a", "x"}


def test_training_machinery_by_gradient_scope_uses_op_names() -> None:
    ops = {"n1": "Mul", "n2": "Add", "n3": "Add"}
    inputs = {"n2": ["n1"]}
    names = {"n1": "gradients/mul", "n2": "model/add"}
    assert training_machinery(ops, inputs, names) == {"n1"}
    assert training_machinery(ops, inputs) == set()
    assert training_machinery({"gradients/x": "Mul"}, {}) == {"gradients/x"}


def test_model_outputs_skip_training_and_what_descends_from_an_output() -> None:
    ops, inputs = _loss_and_update()
    training = training_machinery(ops, inputs)
    assert model_outputs(ops, inputs, training) == ["loss", "side"]
    assert model_outputs(ops, inputs, training, exclude=["side"]) == ["loss"]
    # a value computed from an output is not an output of its own
    ops2 = {"x": "Placeholder", "a": "Tanh", "b": "Shape", "c": "Add", "k": "Const"}
    inputs2 = {"a": ["x"], "b": ["a"], "c": ["b"]}
    assert model_outputs(ops2, inputs2, set()) == ["a"]


def test_model_outputs_follow_every_path_down_from_an_output() -> None:
    # a and b are outputs (only shape readers consume them); s reads both shapes, u reads
    # a's, and e = -u descends from a: not an output, although reached after s twice
    ops = {"x": "Placeholder", "a": "Tanh", "b": "Relu", "u": "Shape", "s": "ShapeN",
           "e": "Neg"}
    inputs = {"a": ["x"], "b": ["x"], "u": ["a"], "s": ["a", "b"], "e": ["u"]}
    assert model_outputs(ops, inputs, set()) == ["a", "b"]


def test_model_outputs_leave_out_constants_placeholders_and_reads() -> None:
    ops = {"p": "Placeholder", "k": "Const", "v": "VariableV2", "r": "ReadVariableOp",
           "n": "NoOp", "a": "Assert", "h": "HostConst", "d": "PlaceholderWithDefault",
           "vh": "VarHandleOp", "vv": "Variable", "out": "Relu"}
    assert model_outputs(ops, {}, set()) == ["out"]


# --- check: patterns, flags and files ------------------------------------------------------


@pytest.mark.parametrize(("pattern", "name", "hit"), [
    ("RNN/*", "model/RNN/cell/kernel", True), ("kernel", "model/RNN/cell/kernel", True),
    ("/model/*", "model/RNN/cell/kernel", True), ("/RNN/*", "model/RNN/cell/kernel", False),
    ("NN/*", "model/RNN/cell/kernel", False), ("Kernel", "model/RNN/cell/kernel", False),
    ("model/RNN/cell/kernel", "model/RNN/cell/kernel", True), ("cell", "model/cell/k", False),
])
def test_matches(pattern: str, name: str, hit: bool) -> None:
    assert matches(pattern, name) is hit


def test_parse_severity() -> None:
    assert [parse_severity(s) for s in ("info", "warning", "error")] == list(Severity)
    with pytest.raises(InvalidOptionError) as e:
        parse_severity("fatal")
    assert str(e.value) == "--fail-on must be one of info, warning, error; got 'fatal'"
    with pytest.raises(ValueError, match=r"^x\.toml: fail_on must be one of"):
        parse_severity("Error", "x.toml: fail_on")


def test_expectations_empty_and_merged() -> None:
    assert Expectations().empty
    for one in (Expectations(("a",)), Expectations((), ("b",)), Expectations(expect_params=0),
                Expectations(fail_on=Severity.INFO)):
        assert not one.empty
    file = Expectations(("a",), ("b",), 10, Severity.ERROR, ("f.toml",))
    flags = Expectations(("c",), (), None, Severity.INFO, ("flags",))
    both = file.merged(flags)
    assert both == Expectations(("a", "c"), ("b",), 10, Severity.INFO)
    assert both.sources == ("f.toml", "flags")
    assert flags.merged(Expectations(expect_params=5)).expect_params == 5
    assert file.merged(Expectations()).fail_on is Severity.ERROR


def test_expectations_from_flags() -> None:
    e = expectations_from_flags(["a*"], ["b*"], 7, "warning")
    assert e == Expectations(("a*",), ("b*",), 7, Severity.WARNING)
    assert e.sources == ("flags",)
    assert expectations_from_flags(None, None, None, None) == Expectations()
    assert expectations_from_flags(None, None, 0, None).expect_params == 0
    for args, message in [
        ((["  "], None, None, None), "--expect-shared takes a glob pattern; got an empty string"),
        ((None, [""], None, None), "--expect-distinct takes a glob pattern; got an empty string"),
        ((None, None, -1, None), "--expect-params must be ≥ 0; got -1"),
    ]:
        with pytest.raises(InvalidOptionError) as err:
            expectations_from_flags(*args)
        assert str(err.value) == message


def test_load_expectations(tmp_path: Path) -> None:
    p = tmp_path / "e.toml"
    p.write_text('expect_shared = ["RNN/*"]\nexpect_distinct = "softmax_*"\n'
                 'expect_params = 0\nfail_on = "warning"\n', encoding="utf-8")
    e = load_expectations(p)
    assert e == Expectations(("RNN/*",), ("softmax_*",), 0, Severity.WARNING)
    assert e.sources == (str(p),)
    p.write_text("", encoding="utf-8")
    assert load_expectations(str(p)) == Expectations()


@pytest.mark.parametrize(("text", "message"), [
    ("expect_sharde = []", "unknown key 'expect_sharde'; known keys: expect_shared, "
     "expect_distinct, expect_params, fail_on"),
    ("expect_shared = [1]", "expect_shared must be a list of glob patterns; got [1]"),
    ('expect_distinct = [""]', "expect_distinct must be a list of glob patterns; got ['']"),
    ("expect_shared = 3", "expect_shared must be a list of glob patterns; got 3"),
    ("expect_params = -1", "expect_params must be a whole number ≥ 0; got -1"),
    ("expect_params = true", "expect_params must be a whole number ≥ 0; got True"),
    ("expect_params = 1.5", "expect_params must be a whole number ≥ 0; got 1.5"),
    ("fail_on = 1", "fail_on must be a string; got 1"),
    ('fail_on = "fatal"', "fail_on must be one of info, warning, error; got 'fatal'"),
])
def test_load_expectations_names_the_file_and_the_bad_value(
        tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "e.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidOptionError) as e:
        load_expectations(p)
    assert str(e.value) == f"{p}: {message}"


def test_load_expectations_unreadable_or_not_toml(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(InvalidOptionError) as e:
        load_expectations(missing)
    assert str(e.value) == f"cannot read expectations file {missing}: No such file or directory"
    bad = tmp_path / "bad.toml"
    bad.write_text("expect_shared = [", encoding="utf-8")
    with pytest.raises(InvalidOptionError, match=f"^{bad} is not valid TOML: "):
        load_expectations(bad)
    bad.write_bytes(b"\xff\xfe")
    with pytest.raises(InvalidOptionError, match=f"^{bad} is not valid TOML: "):
        load_expectations(bad)


# --- check on real inspections: where each variable is read, in words ----------------------


def test_check_says_where_a_variable_is_read(fresh) -> None:
    ptb = fresh("ptb", dialect="legacy", config="test", num_steps=6, layers=2)
    distinct = check(ptb, Expectations(expect_distinct=("cell_0/*/kernel",)))
    assert distinct == ["expected distinct ('cell_0/*/kernel'): "
                        "model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/kernel is shared — "
                        "read at 6 steps (0, 1, 2, 3, 4, …)"]
    shared = check(ptb, Expectations(expect_shared=("embedding", "softmax_b")))
    assert shared == [
        "expected shared ('embedding'): model/embedding is not shared — read once, before "
        "the recurrence",
        "expected shared ('softmax_b'): model/softmax_b is not shared — read once, after "
        "the recurrence"]
    [nothing] = check(ptb, Expectations(expect_shared=("nope*",)))
    names = [v.name for v in ptb.variables]
    assert nothing == (f"expect-shared pattern 'nope*' matches no variable (names look like: "
                       f"{', '.join(names[:3])}, …)")
    assert check(ptb, Expectations(("RNN/*",), ("softmax_*",), ptb.total_params,
                                   Severity.INFO)) == []


def test_check_on_loops_unused_weights_and_tied_layers(fresh) -> None:
    loop = fresh("keras-lstm")
    kernel = next(v.name for v in loop.variables if v.dynamic)
    assert check(loop, Expectations(expect_distinct=(f"/{kernel}",))) == [
        f"expected distinct ('/{kernel}'): {kernel} is shared — read inside a while loop "
        "(every iteration)"]
    unused = fresh("tests/models/bite/keras_unused.py:build")
    assert check(unused, Expectations(expect_shared=("extra",))) == [
        "expected shared ('extra'): rnn/cell/extra is not shared — never read"]
    [warning] = check(unused, Expectations(fail_on=Severity.WARNING))
    assert warning.startswith("finding warning unused_variable (--fail-on warning): rnn/cell/")
    assert check(unused, Expectations(fail_on=Severity.ERROR)) == []
    noreuse = fresh("ptb-noreuse", dialect="legacy", config="test", num_steps=3)
    [one] = check(noreuse, Expectations(expect_shared=("step_1/*/kernel",)))
    assert one.endswith("is not shared — read at 1 step (1)")
    tied = fresh("ptb-tiedlayers", dialect="legacy", config="test", num_steps=3, layers=3)
    [both] = check(tied, Expectations(expect_distinct=("cell_0/*/bias",)))
    assert both.endswith("is shared — read at 3 steps (0, 1, 2) by layers cell0, cell1, cell2")
    assert check(tied, Expectations(expect_shared=("cell_0/*/bias",))) == []
    [few] = check(fresh("mnist", dialect="keras"), Expectations(expect_shared=("nope",)))
    assert few.endswith("(names look like: hidden/kernel, hidden/bias, lstm_cell/kernel, …)")


def test_check_wording_at_the_edges(fresh) -> None:
    from dataclasses import replace

    ptb = fresh("ptb", dialect="legacy", config="test", num_steps=6, layers=2)
    three = replace(ptb, variables=ptb.variables[:3])
    names = ", ".join(v.name for v in three.variables)
    assert check(three, Expectations(expect_distinct=("nope",))) == [
        f"expect-distinct pattern 'nope' matches no variable (names look like: {names})"]
    four = replace(ptb, variables=ptb.variables[:4])
    [line] = check(four, Expectations(expect_shared=("nope",)))
    assert line.endswith(f"(names look like: {names}, …)")
    kernel = replace(ptb.variables[1], steps=tuple(range(5)))
    five = replace(ptb, variables=(kernel,))
    [line] = check(five, Expectations(expect_distinct=(kernel.name,)))
    assert line.endswith("is shared — read at 5 steps (0, 1, 2, 3, 4)")
    # every kind of failure is reported together, in order
    failures = check(replace(ptb, findings=fresh("ptb-noreuse", dialect="legacy",
                                                    config="test", num_steps=2).findings),
                     Expectations(("embedding",), ("nope",), 1, Severity.ERROR))
    assert [f.split(" ")[0] for f in failures] == ["expected", "expect-distinct", "expected",
                                                    "finding"]
