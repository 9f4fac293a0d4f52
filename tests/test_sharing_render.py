"""The sharing matrix: golden text paired with invariants (marks per step, width bound)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from rnninspect import FindingKind
from rnninspect.model import Cell, Inspection, Placement, Role, VariableInfo
from rnninspect.render.sharing import (
    READ,
    SharingMatrix,
    sharing_renderable,
    sharing_to_dict,
    strip_columns,
)
from tests.helpers import make_console

SMALL = {"hidden": 8, "vocab": 50}


def render(renderable: object, width: int) -> str:
    console, buffer = make_console(width)
    console.print(renderable)
    return buffer.getvalue()


def rows_for(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip().startswith(name)]


def test_ptb_small_every_cell_weight_shows_20_marks(inspect_cached, golden):
    ins = inspect_cached("ptb", dialect="legacy")
    text = render(sharing_renderable(ins), 100)
    golden("sharing/ptb-legacy-100.txt", text)
    cell_vars = [v for v in ins.variables if v.cell]
    assert len(cell_vars) == 4
    for v in cell_vars:
        (row,) = rows_for(text, v.name)
        assert row.count(READ) == 20 and "20/20 shared" in row
    for v in ins.variables:
        if not v.cell:
            assert rows_for(text, v.name)[0].count(READ) == 0
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "No findings" in text


def test_t35_fits_100_columns_without_collapsing(inspect_cached, golden):
    ins = inspect_cached("ptb", dialect="keras", num_steps=35, **SMALL)
    text = render(SharingMatrix(ins), 100)
    golden("sharing/ptb-keras-t35-100.txt", text)
    for v in ins.variables:
        row = rows_for(text, v.name)[0]
        assert row.count(READ) == (35 if v.cell else 0)
    assert "…" not in text.splitlines()[0]  # the ruler shows every step
    assert max(len(line) for line in text.splitlines()) <= 100


@pytest.mark.parametrize("width", [40, 60, 80, 100, 160])
def test_long_unroll_collapses_within_the_width(inspect_cached, width):
    ins = inspect_cached("ptb", dialect="keras", num_steps=300, **SMALL)
    text = render(sharing_renderable(ins), width)
    assert max(len(line) for line in text.splitlines()) <= width
    ruler = next(line for line in text.splitlines() if line.startswith("variable"))
    assert "…" in ruler
    elided = int(ruler.split("…")[1])
    lines = text.splitlines()
    kernel = lines[next(i for i, line in enumerate(lines) if line.startswith("cell0")) + 1]
    shown = kernel.count(READ)
    assert shown + elided == 300  # every step is either drawn or counted in the marker
    assert f"…{elided}…" in kernel  # the row says all elided steps read it


def test_collapsed_golden(inspect_cached, golden):
    ins = inspect_cached("ptb", dialect="keras", num_steps=300, **SMALL)
    golden("sharing/ptb-keras-t300-80.txt", render(sharing_renderable(ins), 80))


def test_strip_columns_keep_head_marker_and_tail():
    cols = strip_columns(1000, 40)
    assert cols.width == 40
    shown = [s for s in cols.slots if s is not None]
    assert shown[0] == 0 and shown[-1] == 999
    assert len(shown) + len(cols.hidden) == 1000
    assert strip_columns(35, 35).slots == tuple(range(35))


def test_noreuse_is_a_diagonal_and_the_finding_lists_every_copy(inspect_cached, golden):
    ins = inspect_cached("ptb-noreuse", dialect="keras", num_steps=4, **SMALL)
    text = render(sharing_renderable(ins), 100)
    golden("sharing/ptb-noreuse-keras-100.txt", text)
    dups = [f for f in ins.findings if f.kind is FindingKind.DUPLICATED_ACROSS_STEPS]
    assert dups
    for v in ins.variables:
        if v.cell:
            (row,) = rows_for(text, v.name)[:1]
            strip = row[len(row) - len(row.lstrip()):].split("  ", 1)[1].strip().split()[0]
            assert strip.count(READ) == 1 and strip.index(READ) == v.steps[0]
    assert text.count("duplicated_across_steps") == len(dups)
    assert "parameters at stake: " + f"{dups[0].params:,}" in text
    assert "fix: create the cell once" in text


def _hand_built(name: str = "rnn/kernel", *, dynamic: bool = False) -> Inspection:
    steps = () if dynamic else (0, 1, 2)
    kernel = VariableInfo(name, (4, 8), "float32", 32, True, Role.INPUT_HIDDEN_FUSED,
                          Placement.CELL, "cell0", 0, steps, dynamic, True, 3)
    out = VariableInfo("out/w", (2, 3), "float32", 6, True, Role.HIDDEN_TO_OUTPUT,
                       Placement.AFTER, None, None, (), False, False, 1)
    cell = Cell("cell0", 0, "RNN", 2, (), ("h",), (name,), None if dynamic else 3, dynamic)
    return Inspection("hand", "keras", (), None if dynamic else 3, 38, 102, (kernel, out),
                      (cell,), ())


def test_dynamic_variables_read_every_iteration():
    text = render(sharing_renderable(_hand_built(dynamic=True)), 80)
    assert "dynamic (while loop)" in text
    assert "every iteration" in rows_for(text, "rnn/kernel")[0]


def test_model_text_is_never_markup():
    ins = _hand_built("[bold red]x[/bold red]/k")
    text = render(sharing_renderable(ins), 80)
    assert "[bold red]x[/bold red]/k" in text


def test_sharing_json_has_the_same_data(inspect_cached):
    ins = inspect_cached("ptb-noreuse", dialect="keras", num_steps=4, **SMALL)
    data = json.loads(json.dumps(sharing_to_dict(ins)))
    assert data["schema"] == "rnninspect.sharing/1" and data["num_steps"] == 4
    by_name = {v["name"]: v for v in data["variables"]}
    for v in ins.variables:
        row = by_name[v.name]
        assert (row["steps"], row["shared"], row["cell"], row["layer"]) == (
            list(v.steps), v.shared, v.cell, v.layer)
    assert data["findings"] == ins.to_dict()["findings"]
    assert sum(v["params"] for v in data["variables"]) == ins.total_params


def test_tied_layers_show_the_weights_under_both_layers():
    ins = _hand_built()
    tied = replace(ins.variables[0], also_cells=("cell1",))
    cell1 = Cell("cell1", 1, "RNN", 2, (), ("h",), (), 3, False)
    ins = replace(ins, variables=(tied, ins.variables[1]), cells=(*ins.cells, cell1))
    text = render(SharingMatrix(ins), 80)
    assert len(rows_for(text, "rnn/kernel")) == 2
    assert "tied ×2" in text and "same weights as cell1" in text


def test_tiedlayers_zoo_model_shows_each_tied_weight_under_both_layers(inspect_cached):
    ins = inspect_cached("ptb-tiedlayers", dialect="legacy", num_steps=4, **SMALL)
    text = render(sharing_renderable(ins), 100)
    tied = [v for v in ins.variables if v.also_cells]
    assert len(tied) == 2
    for v in tied:
        rows = rows_for(text, v.name)
        assert len(rows) == 2 and all(r.count(READ) == 4 and "tied ×2" in r for r in rows)
    assert "shared_across_layers" in text and "parameters at stake: " in text
