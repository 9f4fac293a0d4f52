"""Hostile names (issue 23, items 1–3): a name from a model is data, never terminal control.

Escape sequences, bidi overrides, newlines and 5,000-character names reach every renderer —
the show table, the explanation, the sharing matrix, findings, check lines, errors, the
report page — as visible escapes, long names elided in the middle; the JSON keeps them exact,
and GraphML/GEXF stay valid XML.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from rnninspect.model import Finding, FindingKind, Inspection, Severity
from tests.helpers import make_console, run_cli
from tests.models.inspections import ptb_like

CLEAR = "model/esc\x1b[2Jclear"
TITLE = "model/t\x1b]0;PWNED\x07x"
RLO = "model/kernel\u202egnp.exe"
NEWLINE = "model/two\nrows"
LONG = "model/" + "x" * 5000
CELL = "model/cell\x1b[31m"
# what must never reach a terminal: ESC, BEL, a bidi override, a C1 control
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _rename(data: Any, names: dict[str, str]) -> Any:
    if isinstance(data, str):
        for old in sorted(names, key=len, reverse=True):
            data = data.replace(old, names[old])
        return data
    if isinstance(data, list):
        return [_rename(x, names) for x in data]
    if isinstance(data, dict):
        return {_rename(k, names): _rename(v, names) for k, v in data.items()}
    return data


def hostile() -> Inspection:
    base = ptb_like(4, layers=1, step_graph=False)
    cell = base.cells[0].name
    base = replace(base, findings=(Finding(
        FindingKind.UNUSED_VARIABLE, Severity.WARNING,
        f"model/softmax_b and {cell}/kernel are odd", ("model/softmax_b",),
        fix="rename model/softmax_w"),))
    names = {"model/embedding": CLEAR, "model/softmax_w": RLO, "model/softmax_b": NEWLINE,
             f"{cell}/bias": LONG, f"{cell}/kernel": TITLE, cell: CELL}
    return Inspection.from_dict(_rename(base.to_dict(), names))


def _render(renderable: object, width: int = 100) -> str:
    console, buffer = make_console(width)
    console.print(renderable)
    return buffer.getvalue()


def _assert_safe(text: str, *, max_line: int = 400) -> None:
    bad = FORBIDDEN.findall(text)
    assert not bad, f"raw control characters reached the output: {bad!r}"
    assert "x" * 200 not in text, "a 5,000-character name was printed whole"
    assert max((len(line) for line in text.splitlines()), default=0) <= max_line


@pytest.mark.parametrize("width", [60, 100, 400])
def test_show_table_explanation_and_findings_escape_names(width: int) -> None:
    from rnninspect.render.tables import show_renderable

    text = _render(show_renderable(hostile()), width)
    _assert_safe(text)
    assert "\\x1b[2Jclear" in text and "\\u202egnp.exe" in text
    assert "two\\nrows" in text  # one row, the newline shown
    assert not any(line.strip() == "rows" for line in text.splitlines())


def test_sharing_matrix_escapes_names() -> None:
    from rnninspect.render.sharing import sharing_renderable

    text = _render(sharing_renderable(hostile()))
    _assert_safe(text)
    assert "\\x07x" in text


def test_json_keeps_names_exact() -> None:
    from rnninspect.render.serialize import inspection_json

    data = json.loads(inspection_json(hostile()))
    names = {v["name"] for v in data["variables"]}
    assert {CLEAR, TITLE, RLO, NEWLINE, LONG} <= names


def test_report_page_shows_bidi_and_controls_visibly() -> None:
    from rnninspect.render.report import build_page

    page = build_page(hostile())
    body = page.split("<script", 1)[0]  # the embedded JSON keeps exact names (escaped)
    assert "\u202e" not in body and "\x1b" not in body and "\x07" not in body
    assert "kernel\\u202egnp.exe" in body


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graph_exports_are_valid_xml(fmt: str) -> None:
    from rnninspect.render.graph_export import graph_text

    text = graph_text(hostile(), fmt)
    ET.fromstring(text.encode("utf-8"))  # raises on an invalid character
    assert "\\x1b[2Jclear" in text


def test_diagram_labels_show_bidi_visibly() -> None:
    from rnninspect.render.diagram import to_dot

    source = to_dot(hostile(), view="rolled").source
    assert "&#8238;" not in source and "\x1b" not in source  # the override is not drawn
    assert "u202e" in source


def test_messages_with_long_names_are_elided() -> None:
    from rnninspect.render.visible import shown_line

    line = shown_line(f"no variable {LONG}\x1b[2J here")
    assert len(line) < 200 and "\\x1b" in line and line.endswith(" here")


# -- through the CLI: a checkpoint runs no code, yet names its tensors anything ------------

@pytest.fixture(scope="module")
def hostile_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import tensorflow as tf

    folder = tmp_path_factory.mktemp("hostile") / "ckpt"
    folder.mkdir()
    prefix = str(folder / "model.ckpt")
    names = [CLEAR, TITLE, RLO, NEWLINE, LONG]
    tensors = [tf.zeros([3, 4]), tf.zeros([4, 4]), tf.zeros([4]), tf.zeros([2]), tf.zeros([5])]
    tf.raw_ops.SaveV2(prefix=prefix, tensor_names=names, shape_and_slices=[""] * len(names),
                      tensors=tensors)
    (folder / "checkpoint").write_text(
        'model_checkpoint_path: "model.ckpt"\nall_model_checkpoint_paths: "model.ckpt"\n')
    return folder


@pytest.mark.parametrize("command", ["show", "sharing"])
def test_cli_escapes_checkpoint_names(hostile_checkpoint: Path, command: str) -> None:
    code, out, err = run_cli([command, str(hostile_checkpoint)])
    assert code == 0, err
    _assert_safe(out + err)
    assert "\\x1b" in out


def test_cli_json_keeps_checkpoint_names_exact(hostile_checkpoint: Path) -> None:
    code, out, _ = run_cli(["show", str(hostile_checkpoint), "--format", "json"])
    assert code == 0
    assert {CLEAR, TITLE, NEWLINE} <= {v["name"] for v in json.loads(out)["variables"]}


def test_cli_check_and_error_lines_escape_names(hostile_checkpoint: Path) -> None:
    code, out, err = run_cli(["check", str(hostile_checkpoint), "--expect-shared", CLEAR])
    assert code in (1, 2)
    _assert_safe(out + err)


def test_error_line_escapes_control_characters(tmp_path: Path) -> None:
    out = io.StringIO()
    err_console = Console(file=out, width=100, color_system=None)
    from rnninspect.cli import main

    code = main(["show", str(tmp_path / "no\x1b]0;PWNED\x07such.keras")],
                console=make_console()[0], err_console=err_console)
    assert code == 2
    line = out.getvalue()
    _assert_safe(line)
    assert "\\x1b]0;PWNED\\x07" in line
