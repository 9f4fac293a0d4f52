"""`sharing`, `compare` and `check` on the command line, through `cli.main`."""

from __future__ import annotations

import json

from tests.helpers import SMALL, run_cli


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
