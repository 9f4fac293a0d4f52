"""`sharing`, `compare` and `check` on the command line, through `cli.main`."""

from __future__ import annotations

import json

from rnninspect.cli import main
from tests.conftest import make_console

SMALL = ["--dialect", "keras", "--num-steps", "4", "--hidden", "8", "--vocab", "50"]


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """Run a subcommand through `rnninspect.cli.main`, capturing stdout and stderr."""
    out, out_buf = make_console(100)
    err, err_buf = make_console(100)
    code = main(argv, console=out, err_console=err)
    return code, out_buf.getvalue(), err_buf.getvalue()


def test_sharing_table_and_json():
    code, out, _ = run_cli(["sharing", "ptb-noreuse", *SMALL])
    assert code == 0 and "duplicated_across_steps" in out and "fix:" in out
    code, out, _ = run_cli(["sharing", "ptb-noreuse", *SMALL, "--format", "json"])
    data = json.loads(out)
    assert code == 0 and data["schema"] == "rnninspect.sharing/1"
    assert {f["kind"] for f in data["findings"]} == {"duplicated_across_steps"}


def test_compare_b_options_and_json():
    code, out, _ = run_cli(["compare", "ptb", "ptb-noreuse", *SMALL, "--format", "json"])
    data = json.loads(out)
    assert code == 0 and data["versions"] and data["a"]["model"] == "ptb"
    code, out, _ = run_cli(["compare", "ptb", "ptb", *SMALL, "--dialect-b", "legacy"])
    assert code == 0 and "ptb (keras)" in out and "ptb (legacy)" in out


def test_compare_bad_input_is_one_line_exit_2():
    code, out, err = run_cli(["compare", "ptb", "nosuchmodel", *SMALL])
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    code, _, err = run_cli(["compare", "ptb", "ptb", *SMALL, "--config-b", "huge"])
    assert code == 2 and "huge" in err
