"""`sharing` and `compare` on the command line (through cli.main once it is wired)."""

from __future__ import annotations

import json

from tests.conftest import make_console

SMALL = ["--dialect", "keras", "--num-steps", "4", "--hidden", "8", "--vocab", "50"]


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """Run a subcommand: through `rnninspect.cli.main` when it knows the command, else
    through a parser built here from `rnninspect.commands` with main's error handling."""
    from rnninspect import cli
    from rnninspect.commands import COMMANDS, add_parsers
    from rnninspect.errors import RnnInspectError

    out, out_buf = make_console(100)
    err, err_buf = make_console(100)
    if argv[0] in cli.COMMANDS:
        code = cli.main(argv, console=out, err_console=err)
        return code, out_buf.getvalue(), err_buf.getvalue()
    parser = cli.OneLineParser(prog="rnninspect")
    add_parsers(parser.add_subparsers(dest="command", parser_class=cli.OneLineParser))
    try:
        args = parser.parse_args(argv)
        code = COMMANDS[args.command](args, out, err)
    except RnnInspectError as e:
        err.print(f"rnninspect: error: {e}", markup=False, highlight=False, soft_wrap=True)
        code = 2
    return int(code), out_buf.getvalue(), err_buf.getvalue()


def test_sharing_table_and_json():
    code, out, _ = run_cli(["sharing", "ptb-noreuse", *SMALL])
    assert code == 0 and "duplicated_across_steps" in out and "fix:" in out
    code, out, _ = run_cli(["sharing", "ptb-noreuse", *SMALL, "--format", "json"])
    data = json.loads(out)
    assert code == 0 and data["schema"] == "rnninspect.sharing/1"
    assert {f["kind"] for f in data["findings"]} == {"duplicated_across_steps", "dead_weight"}
    # without reuse, step 0's own recurrent kernels only ever see the zero initial state
    dead = sorted(v for f in data["findings"] if f["kind"] == "dead_weight"
                  for v in f["variables"])
    assert dead == ["lstm_cell_0_0/recurrent_kernel", "lstm_cell_0_1/recurrent_kernel"]


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
