"""check: expectations from flags and TOML, one line per failure, exit codes."""

from __future__ import annotations

import pytest

from rnninspect.analysis.check import Expectations, check, load_expectations, matches
from rnninspect.errors import InvalidOptionError
from rnninspect.model import Severity
from tests.helpers import SMALL, run_cli

SMALL_KW = {"num_steps": 4, "hidden": 8, "vocab": 50}


def test_issue_example_passes_on_ptb(inspect_cached):
    ins = inspect_cached("ptb", dialect="legacy")
    assert check(ins, Expectations(("RNN/*",), ("softmax_*", "embedding"), 4_651_600)) == []


def test_patterns_match_names_or_tails_after_a_slash():
    name = "model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/kernel"
    assert matches("RNN/*", name) and matches("*kernel", name) and matches("/model/*", name)
    assert not matches("/RNN/*", name) and not matches("NN/*", name)


def test_noreuse_fails_expect_shared_once_per_copy(inspect_cached):
    ins = inspect_cached("ptb-noreuse", dialect="keras", **SMALL_KW)
    failures = check(ins, Expectations(expect_shared=("lstm_cell_*",)))
    cell_vars = [v.name for v in ins.variables if v.cell]
    assert len(failures) == len(cell_vars) == 24
    for name in cell_vars:  # each copy is named in exactly one one-line failure
        (line,) = [f for f in failures if f" {name} is not shared" in f]
        assert "\n" not in line and "'lstm_cell_*'" in line
    assert any("lstm_cell_2_1/kernel is not shared — read at 1 step (2)" in f for f in failures)
    assert check(ins, Expectations(expect_distinct=("lstm_cell_*",))) == []


def test_fail_on_reports_each_finding_at_or_above(inspect_cached):
    noreuse = inspect_cached("ptb-noreuse", dialect="keras", **SMALL_KW)
    failures = check(noreuse, Expectations(fail_on=Severity.ERROR))
    assert len(failures) == 2 and all("duplicated_across_steps" in f for f in failures)
    mnist = inspect_cached("mnist", dialect="keras")
    assert check(mnist, Expectations(fail_on=Severity.WARNING)) == []
    (info,) = check(mnist, Expectations(fail_on=Severity.INFO))
    assert "redundant_projection" in info


def test_tied_layers_fail_expect_distinct(inspect_cached):
    ins = inspect_cached("ptb-tiedlayers", dialect="keras", **SMALL_KW)
    failures = check(ins, Expectations(expect_distinct=("lstm_cell*/kernel",)))
    assert failures and all("by layers cell0, cell1" in f for f in failures)


def test_unmatched_pattern_and_wrong_count_are_failures(inspect_cached):
    ins = inspect_cached("ptb", dialect="keras", **SMALL_KW)
    failures = check(ins, Expectations(("rnn/*",), (), ins.total_params + 1))
    assert len(failures) == 2
    assert "'rnn/*' matches no variable" in failures[0]
    assert f"found {ins.total_params:,} (-1)" in failures[1]


def test_toml_loading_and_merging(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text('expect_shared = ["RNN/*"]\nexpect_params = 10\nfail_on = "warning"\n')
    loaded = load_expectations(path)
    assert loaded == Expectations(("RNN/*",), (), 10, Severity.WARNING)
    merged = loaded.merged(Expectations(("x",), ("y",), 20, None))
    assert merged == Expectations(("RNN/*", "x"), ("y",), 20, Severity.WARNING)
    for text, words in (('bogus = 1\n', "unknown key 'bogus'"),
                        ('expect_params = "many"\n', "expect_params"),
                        ('fail_on = "fatal"\n', "fatal"),
                        ('expect_shared = [1]\n', "expect_shared"),
                        ('expect_shared = [\n', "not valid TOML")):
        path.write_text(text)
        with pytest.raises(InvalidOptionError, match=words):
            load_expectations(path)
    with pytest.raises(InvalidOptionError, match="cannot read"):
        load_expectations(tmp_path / "missing.toml")


def test_cli_exit_codes(tmp_path):
    code, out, _ = run_cli(["check", "ptb", *SMALL, "--expect-shared", "lstm_cell_*",
                            "--expect-params", "1938", "--fail-on", "warning"])
    assert code == 0 and out.startswith("ok ptb (keras)")
    code, out, err = run_cli(["check", "ptb-noreuse", *SMALL, "--expect-shared", "lstm_cell_0*",
                              "--expect-params", "1938"])
    assert code == 1 and len(out.splitlines()) == 6 + 1 and "1 expectation" not in err
    assert all(line.startswith("FAIL ptb-noreuse (keras): ") for line in out.splitlines())
    toml = tmp_path / "ci.toml"
    toml.write_text('fail_on = "error"\n')
    code, out, _ = run_cli(["check", "ptb-noreuse", *SMALL, "--expectations", str(toml)])
    assert code == 1 and out.count("duplicated_across_steps") == 2


def test_cli_bad_input_exits_2_before_tracing(tmp_path):
    code, out, err = run_cli(["check", "ptb", *SMALL])
    assert code == 2 and "at least one expectation" in err and out == ""
    bad = tmp_path / "bad.toml"
    bad.write_text("expect_params = -3\n")
    code, _, err = run_cli(["check", "ptb", *SMALL, "--expectations", str(bad)])
    assert code == 2 and "expect_params" in err
    code, _, err = run_cli(["check", "ptb", *SMALL, "--fail-on", "fatal"])
    assert code == 2
