"""Help that says what it means (issue 23, items 26 and 27): every subcommand has a
description or help line, `check` names exit 2, defaults are shown, `train`'s metavars match
the other commands'; the packaging metadata uses the SPDX license string; no absolute path of
one machine in the project's code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tomllib

from rnninspect.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main([*argv, "--help"]) == 0
    return capsys.readouterr().out


def test_models_help_has_a_description(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys, "models")
    assert "built-in models" in text.split("options:")[0]


def test_check_help_names_every_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    text = " ".join(_help(capsys).split())
    assert "exit 0 pass, 1 fail, 2 bad input" in text


@pytest.mark.parametrize("argv, default", [(("diagram",), "default: 2000"),
                                           (("grads",), "default: 0"),
                                           (("report",), "default: 0")])
def test_defaults_are_shown(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...],
                            default: str) -> None:
    assert default in " ".join(_help(capsys, *argv).split())


def test_train_help_speaks_plainly(capsys: pytest.CaptureFixture[str]) -> None:
    text = " ".join(_help(capsys, "train").split())
    assert "max_max_epoch" not in text
    # metavars like the other commands': N, T, PATH, NAME — never argparse's DEST in capitals
    for dest in ("MAX_STEPS", "NUM_STEPS", "EPOCHS", "BATCH", "HIDDEN", "LAYERS", "SEED",
                 "CONFIG", "DATA"):
        assert dest not in text, dest


def test_license_is_an_spdx_string() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0"


def test_no_absolute_machine_paths_in_code() -> None:
    roots = ("work", "home", "Users", "root")  # where machines keep checkouts and homes
    pattern = re.compile(r"""["']/(""" + "|".join(roots) + ")/")
    found = [f"{p.relative_to(ROOT)}" for folder in ("rnninspect", "benchmarks", "examples")
             for p in (ROOT / folder).rglob("*.py") if pattern.search(p.read_text())]
    assert found == []
