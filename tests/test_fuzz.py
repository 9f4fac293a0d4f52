"""The fuzz contract (tests/fuzz, docs/development.md): every file form rnninspect loads,
damaged by seeded mutations and run through show, sharing, diagram -o, probe and grads in
child processes, exits 0 or 2; on 2 with one line naming the file and no traceback; never
crashes or hangs; never leaves a half-written output or a file outside the output folder.

By default: the mutations that once broke the contract (regressions) and a check that the
contract can fail. Marked slow: 4 variants of every mutation of every form (about 490 runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.cases import Case, all_cases, violations
from tests.fuzz.runner import run
from tests.helpers import run_cli

VARIANTS = 4
# label -> what it broke before its fix
REGRESSIONS = {
    "pb/recursive_function/0/show": "a self-calling function: TensorFlow's importer segfaulted",
    "meta/recursive_function/0/show": "the same in a MetaGraph",
    "pb/missing_input/2/probe": "probe's own GraphDef import: the error named no file",
    "pb/tensor_content_mismatch/1/grads": "grads' own GraphDef import: the same",
    "pb/tensor_content_mismatch/3/sharing": "a constant short of its shape: ValueError, unnamed",
    "meta/truncate/2/probe": "probe's restore of a damaged checkpoint: no file named",
    "meta/flip_bytes/1/probe": "TensorFlow re-read a damaged .meta as text: UnicodeDecodeError",
    "ckpt/garbage/2/sharing": "a `checkpoint` file that is not UTF-8: UnicodeDecodeError",
    "keras/symlink_loop/2/probe": "a symlink loop: internal error (ELOOP)",
    "keras/config_huge_values/0/show": "units=10**6: Keras allocated until out of memory",
}


def _run(tmp_path: Path, cases: list[Case]) -> list[dict[str, object]]:
    return run(tmp_path, cases, seed=0, variants=VARIANTS)


def test_the_mutations_that_broke_the_contract_keep_it(tmp_path: Path) -> None:
    cases = [c for c in all_cases(VARIANTS) if c.label() in REGRESSIONS]
    assert len(cases) == len(REGRESSIONS)
    results = _run(tmp_path, cases)
    broken = {r["label"]: r["violations"] for r in results if r["violations"]}
    assert not broken, broken
    assert all(r["status"] == 2 for r in results), [r["label"] for r in results]
    huge = next(r for r in results if r["label"] == "keras/config_huge_values/0/show")
    assert "larger than any weight" in str(huge["stderr"])


def test_the_contract_can_fail() -> None:
    """Each kind of violation is seen in a result that has it."""
    case = Case(0, "pb", "truncate", 0, "diagram")
    spec = "/x/model.pb"
    good = {"status": 2, "stderr": f"rnninspect: error: {spec!r} is damaged\n", "stdout": "",
            "output_bytes": None, "stray": []}
    assert violations(case, good, spec) == []
    bad = {"status": 1, "stderr": "Traceback (most recent call last):\nrnninspect: internal "
           "error: boom\n", "stdout": "", "output_bytes": 10, "stray": ["cwd/x"]}
    assert violations(case, bad, spec) == ["exit_status", "traceback", "internal_error",
                                           "half_written", "stray_file"]
    unnamed = {**good, "stderr": "rnninspect: error: ValueError: bad\n"}
    assert violations(case, unnamed, spec) == ["file_not_named"]
    two = {**good, "stderr": f"warning: x\nrnninspect: error: {spec} bad\n"}
    assert violations(case, two, spec) == ["not_one_line"]


@pytest.mark.slow
def test_every_mutation_of_every_form_keeps_the_contract(tmp_path: Path) -> None:
    results = _run(tmp_path, all_cases(VARIANTS))
    broken = {r["label"]: r["violations"] for r in results if r["violations"]}
    assert not broken, broken
    intact = [r for r in results if "/intact/0/" in r["label"]]  # each form, with show
    assert len(intact) == 8 and all(r["status"] == 0 for r in intact), intact


def test_a_checkpoint_folder_whose_index_is_a_symlink_loop(tmp_path: Path) -> None:
    """An OSError inside the worker's read (a loop, permissions) is one line naming it."""
    (tmp_path / "model.ckpt.index").symlink_to("model.ckpt.index")
    code, out, err = run_cli(["show", str(tmp_path)])
    lines = err.strip().splitlines()
    assert code == 2 and out == "" and len(lines) == 1, err
    assert str(tmp_path) in lines[0] and "symbolic links" in lines[0]
