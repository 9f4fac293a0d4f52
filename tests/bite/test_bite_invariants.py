"""Invariants checked directly, so that regenerating golden files (`--overwrite`) cannot
approve a regression: logical parameters add up, the unrolled view runs step 0 … T−1 in
order, a collapsed sharing strip accounts for every elided step, and `--expect-params`
fails on a count above the real one as well as below it."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from rnninspect.analysis.check import Expectations, check
from rnninspect.model import Inspection
from rnninspect.render.diagram import to_dot
from rnninspect.render.sharing import READ, UNREAD, matrix_lines, strip, strip_columns

T = 4
MODELS = [
    ("ptb", {"dialect": "legacy", "config": "test", "num_steps": T, "layers": 2}),
    ("ptb", {"dialect": "keras", "config": "test", "num_steps": T}),
    ("ptb-noreuse", {"dialect": "legacy", "config": "test", "num_steps": T}),
    ("ptb-tiedlayers", {"dialect": "keras", "config": "test", "num_steps": T, "layers": 3}),
    ("mnist", {"dialect": "keras"}),
    ("keras-lstm", {}),
    ("tests/models/real/ptb_main.py:build", {}),
]
IDS = [f"{m.rsplit('/', 1)[-1]}-{o.get('dialect', '')}" for m, o in MODELS]


# --- parameter counts ------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "options"), MODELS, ids=IDS)
def test_parameter_counts_add_up(fresh, model: str, options: dict) -> None:
    ins = fresh(model, **options)
    trainable = [v for v in ins.variables if v.trainable]
    assert ins.total_params == sum(v.params for v in trainable)
    assert ins.logical_params == sum(v.params * max(1, len(v.steps)) for v in trainable)
    for v in ins.variables:
        assert v.params == _product(v.shape), v.name
        assert v.logical_params == v.params * max(1, len(v.steps)), v.name


def _product(shape: tuple[int | None, ...]) -> int:
    n = 1
    for d in shape:
        assert d is not None
        n *= d
    return n


def test_logical_params_count_every_step_of_a_shared_cell(fresh) -> None:
    ins = fresh("ptb", dialect="legacy", config="test", num_steps=T, layers=2)
    cell = [v for v in ins.variables if v.cell is not None]
    assert cell and all(v.steps == tuple(range(T)) for v in cell)
    once = sum(v.params for v in ins.variables if v.cell is None and v.trainable)
    # read outside the steps: counted once; read at all T steps: counted T times
    assert ins.logical_params == once + T * sum(v.params for v in cell)
    assert ins.logical_params - ins.total_params == (T - 1) * sum(v.params for v in cell)


# --- the unrolled view: step 0 … T−1, in order -------------------------------------------------


def _clusters(source: str) -> dict[str, list[str]]:
    """cluster name -> ids of the nodes declared directly in it (DOT source, one per line)."""
    out: dict[str, list[str]] = {}
    current: str | None = None
    for line in source.splitlines():
        opened = re.match(r"\s*subgraph (cluster_step_\w+) \{", line)
        if opened:
            current = opened.group(1)
            out[current] = []
        elif current and line.strip() == "}":
            current = None
        elif current:
            node = re.match(r"\s*(\w+) \[", line)
            if node:
                out[current].append(node.group(1))
    return out


@pytest.mark.parametrize(("model", "options", "cells"), [
    ("ptb", {"dialect": "legacy", "config": "test", "num_steps": T, "layers": 2}, 2),
    ("ptb", {"dialect": "keras", "config": "test", "num_steps": T}, 1),
    ("ptb-noreuse", {"dialect": "legacy", "config": "test", "num_steps": T}, 1),
])
def test_unrolled_state_edges_run_from_step_0_to_the_last_in_order(
        fresh, model: str, options: dict, cells: int) -> None:
    ins = fresh(model, **options)
    source = to_dot(ins, "unrolled", head=None).source
    clusters = _clusters(source)
    assert list(clusters) == [f"cluster_step_{s}" for s in range(T)]  # declared in time order
    step_of = {n: int(c.rsplit("_", 1)[1]) for c, nodes in clusters.items() for n in nodes}
    for s in range(T):
        assert re.search(rf'label=<<B>step {s}</B>>', source), s
    state_edges = [(a, b) for a, b in re.findall(r"^\s*(\w+) -> (\w+) \[label=<c, h>", source,
                                                 re.M)]
    assert len(state_edges) == cells * (T - 1)
    # written layer by layer, each layer's state running 0→1→…→T−1 in that order
    for k in range(cells):
        chain = state_edges[k * (T - 1):(k + 1) * (T - 1)]
        assert [(step_of[a], step_of[b]) for a, b in chain] == [(s, s + 1) for s in range(T - 1)]
        assert len({a for a, _ in chain} | {b for _, b in chain}) == T  # one node per step
    # the invisible hub fixes the columns' order left to right: step 0 first
    hub = re.findall(r"^\s*time_hub -> (\w+) \[style=invis\]", source, re.M)
    assert [step_of[n] for n in hub if n in step_of][:T] == list(range(T))


# --- the sharing strip, collapsed ---------------------------------------------------------------


@pytest.mark.parametrize(("total", "width"), [(60, 40), (35, 20), (1000, 30), (12, 12)])
def test_collapsed_columns_show_every_step_once(total: int, width: int) -> None:
    cols = strip_columns(total, width)
    shown = [s for s in cols.slots if s is not None]
    assert sorted([*shown, *cols.hidden]) == list(range(total))  # each step shown or elided
    assert shown == sorted(shown)  # in time order
    assert cols.width <= max(width, total if total <= width else width)
    if total <= width:
        assert not cols.hidden and shown == list(range(total))
    else:
        assert cols.hidden and shown[0] == 0 and shown[-1] == total - 1


@pytest.mark.parametrize("steps", [(), (0,), (0, 40, 41, 59), tuple(range(60)), (30, 31, 32)])
def test_collapsed_rows_count_the_elided_steps_they_read(fresh, steps: tuple[int, ...]) -> None:
    ins = fresh("ptb", dialect="legacy", config="test", num_steps=T, layers=2)
    v = replace(ins.variables[1], steps=steps, dynamic=False)
    cols = strip_columns(60, 40)
    assert cols.hidden
    text = strip(v, cols).plain
    marker = re.search(r"…(\d+)…", text)
    assert marker is not None
    elided = int(marker.group(1))
    assert elided == sum(1 for s in steps if s in cols.hidden)
    glyphs = text.replace(marker.group(0), "").replace(" ", "")
    shown = [s for s in cols.slots if s is not None]
    assert len(glyphs) == len(shown)
    assert [s for s, g in zip(shown, glyphs, strict=True) if g == READ] == \
        [s for s in steps if s not in cols.hidden]
    assert set(glyphs) <= {READ, UNREAD}
    assert glyphs.count(READ) + elided == len(steps)


def test_collapsed_matrix_of_a_long_unroll(fresh) -> None:
    total = 60
    ins = fresh("ptb-tiedlayers", dialect="legacy", config="test", num_steps=total, layers=2)
    lines, collapsed = matrix_lines(ins, 80)
    assert collapsed
    ruler = lines[0].plain
    [hidden] = [int(n) for n in re.findall(r"…(\d+)…", ruler)]
    rows = {}
    for line in lines[1:]:
        found = re.search(r"…(\d+)…", line.plain)
        if found:
            rows[line.plain] = int(found.group(1))
    assert rows
    reads_at = {len(v.steps) for v in ins.variables}
    for row, elided in rows.items():
        shown = row.count(READ)
        assert elided in (0, hidden), row  # a row reads every elided step or none
        assert shown + elided in reads_at, row
    assert max(rows.values()) == hidden and total - hidden == max(
        r.count(READ) for r in rows)


# --- --expect-params both ways ----------------------------------------------------------------


@pytest.mark.parametrize("delta", [1, -1, 1000, -1000])
def test_expect_params_fails_above_and_below(fresh, delta: int) -> None:
    ins: Inspection = fresh("ptb", dialect="legacy", config="test", num_steps=T, layers=2)
    assert check(ins, Expectations(expect_params=ins.total_params)) == []
    expected = ins.total_params + delta
    [failure] = check(ins, Expectations(expect_params=expected))
    assert failure == (f"expected {expected:,} unique trainable parameters; found "
                       f"{ins.total_params:,} ({-delta:+,})")
