"""The HTML report, read as data: self-contained, escaped, and its node map agrees with
the Inspection (every read edge stands for the steps that read the variable)."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from rnninspect import cli
from rnninspect.analysis.grads import GradientReport, StepGradients
from rnninspect.render.blocks import shown_steps
from rnninspect.render.report import report_html

SMALL = {"hidden": 8, "vocab": 50}
KERNEL0 = "model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/kernel"


def data_of(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S)
    assert m is not None
    return json.loads(m.group(1))


def external_refs(page: str) -> list[str]:
    """src/href attributes and CSS url()s that leave the page (data: and #frag stay)."""
    refs = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', page)
    refs += re.findall(r"url\(([^)]*)\)", page)
    return [r for r in refs if not r.startswith(("#", "data:"))]


@pytest.mark.dot
def test_page_is_one_self_contained_file(inspect_cached):
    ins = inspect_cached("ptb", **SMALL)
    page = report_html(ins)
    assert external_refs(page) == []
    assert "<link" not in page and "<script src" not in page and "@import" not in page
    assert page.count("<svg") >= 3  # rolled, unrolled, strip
    data = data_of(page)
    assert data["inspection"] == json.loads(json.dumps(ins.to_dict()))


@pytest.mark.dot
@pytest.mark.parametrize("model", ["ptb", "mnist", "ptb-noreuse"])
def test_every_variable_has_a_node_in_both_diagrams(inspect_cached, model):
    ins = inspect_cached(model, **({} if model == "mnist" else SMALL))
    page = report_html(ins)
    drawn = set(re.findall(r'data-node="([^"]*)"', page))
    views = data_of(page)["views"]
    for view in ("rolled", "unrolled"):
        assert set(views[view]) == {v.name for v in ins.variables}, view
        assert {e["node"] for e in views[view].values()} <= drawn


@pytest.mark.dot
@pytest.mark.parametrize("t", [20, 35])
def test_kernel_edges_stand_for_exactly_its_steps(inspect_cached, t):
    ins = inspect_cached("ptb", num_steps=t, **SMALL)
    v = ins.variable(KERNEL0)
    entry = data_of(report_html(ins))["views"]["unrolled"][KERNEL0]
    reads = [e for e in entry["edges"] if e[3] > 0]
    assert sum(e[3] for e in reads) == len(v.steps) == t
    steps, _elided = shown_steps(t, 3)
    columns = len(steps) + (1 if t > len(steps) else 0)
    assert len(reads) == columns == len(entry["edges"])  # a cell weight has no other edge
    rolled = data_of(report_html(ins))["views"]["rolled"][KERNEL0]["edges"]
    assert [e[3] for e in rolled if e[3]] == [t]


@pytest.mark.dot
def test_model_text_cannot_break_out_of_the_page(inspect_cached):
    ins = inspect_cached("ptb", **SMALL)
    evil = 'x</script><img src=x onerror="alert(1)">&amp;'
    first = replace(ins.variables[0], name=evil)
    ins = replace(ins, variables=(first, *ins.variables[1:]), model="m<b>")
    page = report_html(ins)
    assert "<img src=x" not in page and "</script><img" not in page and "<b>" not in page
    assert data_of(page)["inspection"]["variables"][0]["name"] == evil


@pytest.mark.dot
def test_against_marks_the_diff_on_both_sides(inspect_cached):
    a = inspect_cached("ptb", **SMALL)
    b = inspect_cached("ptb", **{**SMALL, "hidden": 12})
    page = report_html(a, against=b)
    changes = data_of(page)["comparison"]["changes"]
    reshaped = {c["name"] for c in changes if c["kind"] == "reshaped"}
    assert KERNEL0 in reshaped
    # marked in A's table (one row per reshaped name) and in B's table
    a_rows = re.findall(r'<tr data-var="\d+"[^>]*>(.*?)</tr>', page, re.S)
    marked = [r for r in a_rows if "chg-reshaped" in r]
    assert len(marked) == len(reshaped)
    b_table = page.split('class="bvars"', 1)[1]
    assert b_table.count('class="chg chg-reshaped"') == len(reshaped)


@pytest.mark.dot
def test_grads_draw_one_log_chart_per_weight(inspect_cached):
    ins = inspect_cached("ptb", **SMALL)
    shared = [v for v in ins.variables if v.shared]
    norms = tuple(10.0 ** -k for k in range(20))
    report = GradientReport(ins.model, ins.dialect, 20, 3.9, tuple(
        StepGradients(v.name, tuple(range(20)), norms, 1.0, 1.0) for v in shared))
    page = report_html(ins, grads=report)
    assert page.count('<figure class="grad"') == len(shared)
    assert "1e-19" in page and "1e0" in page  # the log axis spans the 19 decades


@pytest.mark.dot
def test_cli_writes_the_page(tmp_path, console_pair):
    out, _ = console_pair()
    err, err_text = console_pair()
    target = tmp_path / "m.html"
    code = cli.main(["report", "mnist", "-o", str(target)], console=out, err_console=err)
    assert code == 0, err_text.getvalue()
    assert data_of(target.read_text("utf-8"))["inspection"]["model"].startswith("mnist")
    assert "wrote" in err_text.getvalue()


def test_cli_refuses_a_non_html_output(console_pair, tmp_path):
    out, _ = console_pair()
    err, err_text = console_pair()
    code = cli.main(["report", "mnist", "-o", str(tmp_path / "m.txt")], console=out,
                    err_console=err)
    assert code == 2
    assert "m.txt" in err_text.getvalue() and not (tmp_path / "m.txt").exists()


@pytest.mark.dot
@pytest.mark.slow
def test_ptb_at_t1000_fits_in_one_megabyte(inspect_cached):
    ins = inspect_cached("ptb", num_steps=1000)
    page = report_html(ins)
    assert len(page.encode("utf-8")) <= 1_000_000
    kernel = data_of(page)["views"]["unrolled"][KERNEL0]["edges"]
    assert sum(e[3] for e in kernel) == 1000  # collapsed, yet every step accounted for


@pytest.mark.dot
def test_notebook_iframe_holds_the_whole_page(inspect_cached):
    import html

    from rnninspect.render.report import report_iframe

    ins = inspect_cached("mnist")
    frame = report_iframe(ins, height=600)
    assert frame.startswith("<iframe srcdoc=") and "height:600px" in frame
    srcdoc = re.search(r'srcdoc="([^"]*)"', frame)
    assert srcdoc is not None
    assert html.unescape(srcdoc.group(1)) == report_html(ins)


def test_without_dot_the_page_shows_dot_text(inspect_cached, monkeypatch):
    import graphviz

    def missing(*args: object, **kwargs: object) -> bytes:
        raise graphviz.ExecutableNotFound(("dot",))

    monkeypatch.setattr(graphviz.Digraph, "pipe", missing)
    ins = inspect_cached("mnist")
    page = report_html(ins)
    assert page.count("scripts/ensure-dot.sh") == 2  # rolled and unrolled
    assert "digraph rolled {" in page and "digraph unrolled {" in page
    assert "data-node=" not in page
    assert data_of(page)["views"] == {"rolled": {}, "unrolled": {}}


def test_notebook_view_is_the_interactive_report() -> None:
    import html as html_lib

    from rnninspect import inspect

    ins = inspect("mnist", hidden=8)
    shown = ins._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in shown
    page = html_lib.unescape(shown.split('srcdoc="', 1)[1].split('" style=', 1)[0])
    assert "<script" in page and "rnninspect" in page and "Variable" in page
