"""Issue 11 item 12: `show` never cuts a value; long names break after "/" or lose middle
scopes; piped output (no terminal, no COLUMNS) renders at the table's natural width."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys

import pytest

from rnninspect.render.tables import render_text
from rnninspect.render.text import steps_text
from tests.models.inspections import mnist_like, ptb_like

WIDTHS = [80, 100, 120, 160]
LONG = "model/" + "/".join(f"scope_{i}_with_a_long_name" for i in range(10)) + "/kernel"


def variable_rows(text: str) -> list[list[str]]:
    """The table's rows, each as its lines (continuation lines belong to the row above)."""
    body = text.split("─" * 10, 1)[1].split("trainable parameters (unique)")[0]
    rows: list[list[str]] = []
    for line in body.splitlines()[1:]:
        if not line.strip():
            break  # the caption follows the blank line
        if re.search(r"\[[\d, ?]*\]", line):
            rows.append([line])
        elif rows:
            rows[-1].append(line)
    return rows


def with_long_name():
    ins = ptb_like()
    first = dataclasses.replace(ins.variables[1], name=LONG)
    return dataclasses.replace(ins, variables=(ins.variables[0], first, *ins.variables[2:]))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("make", [ptb_like, mnist_like, with_long_name])
def test_no_value_is_cut_and_names_break_at_a_slash(make, width):
    ins = make()
    text = render_text(ins, width)
    assert all(len(line) <= width for line in text.splitlines())
    rows = variable_rows(text)
    shown = list(ins.variables)
    assert len(rows) == len(shown)
    for v, lines in zip(shown, rows, strict=True):
        first = lines[0]
        assert f"{v.params:,}" in first
        if v.cell:
            assert f"/{ins.num_steps})" in first, first  # "0–19 (20/20)" complete
        name_lines = [line[1:].split("  ")[0] for line in lines]
        joined = "".join(name_lines)
        assert joined == v.name or "…" in joined, (joined, v.name)
        for part in name_lines[:-1]:
            assert part.endswith("/"), name_lines  # broken after a "/", never mid-word
        assert len(name_lines) <= (2 if width >= 120 else 3), name_lines


def test_total_caption_is_whole_at_80():
    assert "4,651,600 trainable parameters (unique)" in render_text(ptb_like(), 80)


def test_the_long_name_is_elided_in_the_middle_at_120():
    rows = variable_rows(render_text(with_long_name(), 120))
    name = "".join(line[1:].split("  ")[0] for line in rows[1])
    assert name.startswith("model/…/") and name.endswith("/scope_9_with_a_long_name/kernel")
    assert len(rows[1]) == 2


@pytest.mark.parametrize("make", [ptb_like, mnist_like])
def test_wide_terminal_shows_every_name_whole(make):
    ins = make()
    text = render_text(ins, 400)
    for v in ins.variables:
        assert v.name in text
    assert "float32" in text
    assert steps_text(tuple(range(ins.num_steps))).split(",")[0] in text


def test_piped_show_renders_at_natural_width():
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.run([sys.executable, "-m", "rnninspect", "show", "ptb"],
                          capture_output=True, text=True, env=env, timeout=300, check=True)
    for name in ("model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/kernel", "model/embedding"):
        assert re.search(rf"^ {re.escape(name)}\s+\[", proc.stdout, re.MULTILINE), proc.stdout
    assert "0–19 (20/20)" in proc.stdout
    assert "4,651,600 trainable parameters (unique)" in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()) > 120
