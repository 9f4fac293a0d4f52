"""Issue 23 item 24: `--width N` is a real global option (the console width of tables and
text on stdout), before or after the subcommand, validated (≥ 40), beating $COLUMNS."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import run_cli


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


@pytest.mark.parametrize("argv", [["--width", "60", "models"], ["models", "--width", "60"],
                                  ["models", "--width=60"]])
def test_width_narrows_the_table(argv: list[str]) -> None:
    code, out, err = run_cli(argv)
    assert (code, err) == (0, "")
    assert widest(out) <= 60
    assert widest(run_cli(["models"])[1]) > 60  # the helpers' console alone is 100 wide


def test_width_widens_the_table() -> None:
    code, out, _ = run_cli(["models", "--width", "160"])
    assert code == 0
    assert 100 < widest(out) <= 160


@pytest.mark.parametrize(("value", "said"), [("39", "≥ 40; got 39"), ("0", "≥ 40; got 0"),
                                             ("-5", "≥ 40; got -5"), ("wide", "'wide'")])
def test_bad_width_is_one_line(value: str, said: str) -> None:
    code, out, err = run_cli(["models", f"--width={value}"])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "--width" in err and said in err


def test_width_beats_columns_in_a_real_process() -> None:
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "rnninspect", "models", "--width", "60"],
                          capture_output=True, text=True, env=env, timeout=60, check=True)
    assert widest(done.stdout) <= 60
    wide = subprocess.run([sys.executable, "-m", "rnninspect", "models"],
                          capture_output=True, text=True, env=env, timeout=60, check=True)
    assert widest(wide.stdout) > 100
