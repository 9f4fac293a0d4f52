"""render/labels.py, exactly: every markup character escaped, names elided at the limit and
not before, a weight's label rows, and node ids that stay unique."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rnninspect.model import GateBlock, Placement, Role, RowSplit, VariableInfo
from rnninspect.render.labels import (
    NAME_MAX,
    NodeIds,
    esc,
    html,
    short_parts,
    small,
    split_name,
    table,
    variable_rows,
)


@pytest.mark.parametrize(("text", "escaped"), [
    ("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("\n", "<BR/>"),
    # controls are shown as visible escapes (issue 23: a name is data, never a command)
    ("\t", "&#92;t"), ("\x00", "&#92;x00"), ("\x1f", "&#92;x1f"), ("\x7f", "&#92;x7f"),
    (" ", " "), ("~", "~"), ("a/B_9:'X", "a/B_9:'X"),  # printable ASCII stays
    ("\x80", "&#92;x80"), ("\u202e", "&#92;u202e"),  # C1 controls and bidi: visible
    ("é", "&#233;"), ("…", "&#8230;"),  # other non-ASCII: references
    ("[", "&#91;"), ("]", "&#93;"), ("{", "&#123;"), ("}", "&#125;"), ("|", "&#124;"),
    ("\\", "&#92;"),
])
def test_esc_each_character(text: str, escaped: str) -> None:
    assert esc(text) == escaped


def test_esc_a_whole_name_and_any_object() -> None:
    assert esc('w<1>&"x"\n[y]') == "w&lt;1&gt;&amp;&quot;x&quot;<BR/>&#91;y&#93;"
    assert esc(42) == "42"
    assert esc("") == ""
    assert html("<B>x</B>") == "<<B>x</B>>"


@pytest.mark.parametrize(("name", "parts"), [
    ("model/RNN/cell_0/kernel", ("model/RNN/cell_0/", "kernel")),
    ("kernel", ("", "kernel")),
    ("a/b", ("a/", "b")),
    ("scope/", ("", "scope/")),  # no base name after the last slash: the name is the base
])
def test_split_name(name: str, parts: tuple[str, str]) -> None:
    assert split_name(name) == parts


def test_short_parts_elide_each_part_beyond_the_limit_only() -> None:
    assert NAME_MAX == 48
    at = "s" * (NAME_MAX - 1) + "/"  # a scope of exactly the limit stays whole
    assert short_parts(at + "b" * NAME_MAX) == (at, "b" * NAME_MAX)
    scope, base = short_parts("s" * NAME_MAX + "/" + "b" * (NAME_MAX + 1))
    assert scope == "…" + "s" * (NAME_MAX - 2) + "/" and len(scope) == NAME_MAX
    # the base keeps its first 23 and last 24 characters around the ellipsis
    assert base == "b" * 23 + "…" + "b" * 24
    assert short_parts("abcdefghij", 9) == ("", "abcd…ghij")
    assert short_parts("abcdefghi", 9) == ("", "abcdefghi")
    assert short_parts("abcdefghijk", 10) == ("", "abcd…ghijk")  # 4 + … + 5 = the limit
    assert short_parts("a/" * 40 + "kernel", 20) == ("a/…/a/a/a/a/a/a/a/a/", "kernel")
    # only the trailing slash goes before the scope is fitted
    assert short_parts("X" * 30 + "/X/k", 20) == ("…XXXXXXXXXXXXXXXX/X/", "k")


def test_table_and_small_markup() -> None:
    frame = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1"'
    assert table(["a", "b"]) == f"{frame}><TR><TD>a</TD></TR><TR><TD>b</TD></TR></TABLE>"
    assert table([], colour="#fff") == f'{frame} BGCOLOR="#fff"></TABLE>'
    assert small("x") == '<FONT POINT-SIZE="9" COLOR="#555555">x</FONT>'
    assert small("x", "#123456") == '<FONT POINT-SIZE="9" COLOR="#123456">x</FONT>'


def _kernel(**changes: object) -> VariableInfo:
    kernel = VariableInfo(
        name="rnn/cell<0>/kernel", shape=(8, 16), dtype="float32", params=128,
        trainable=True, role=Role.INPUT_HIDDEN_FUSED, placement=Placement.CELL,
        cell="cell0", layer=0, steps=(0, 1), dynamic=False, shared=True, reads=2,
        row_split=RowSplit(input=(0, 4), hidden=(4, 8)),
        gates=(GateBlock("i", (0, 4)), GateBlock("j", (4, 8)), GateBlock("f", (8, 12)),
               GateBlock("o", (12, 16))),
    )
    return replace(kernel, **changes)  # type: ignore[arg-type]


def test_variable_rows_of_a_fused_kernel() -> None:
    v = _kernel()
    rows = variable_rows(v)
    assert rows == [
        small("rnn/cell&lt;0&gt;/"),
        "<B>kernel</B>",
        esc("[8 × 16] · 128 params"),
        f"<I>{v.role.label}</I>",
        '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="2">'
        f'<TR><TD BGCOLOR="#ffffff">{esc("rows 0–3")}<BR/>'
        + small(esc("× input x(t)")) + "</TD>"
        f'<TD BGCOLOR="#eef3ee">{esc("rows 4–7")}<BR/>'
        + small(esc("× hidden h(t−1)")) + "</TD></TR></TABLE>",
        small(esc("gate columns i:0–3 j:4–7 f:8–11 o:12–15")),
    ]
    assert variable_rows(v, detail=False) == rows[:4]
    assert variable_rows(v, role_note="tied <x>")[3] == "<I>tied &lt;x&gt;</I>"


def test_variable_rows_without_scope_split_or_gates() -> None:
    v = _kernel(name="bias", shape=(1000,), params=1000, role=Role.BIAS, row_split=None,
                gates=None)
    assert variable_rows(v) == ["<B>bias</B>", esc("[1000] · 1,000 params"),
                                f"<I>{Role.BIAS.label}</I>"]


def test_node_ids_are_safe_stable_and_unique() -> None:
    ids = NodeIds()
    assert ids("var", "rnn/cell_0/kernel:0") == "var_rnn_cell_0_kernel_0"
    assert ids("var", "rnn/cell_0/kernel:0") == "var_rnn_cell_0_kernel_0"  # same key, same id
    assert ids("var", "rnn/cell_0/kernel?0") == "var_rnn_cell_0_kernel_0_2"  # collides
    assert ids("var", "rnn cell_0 kernel 0") == "var_rnn_cell_0_kernel_0_3"
    assert ids("cell", "rnn/cell_0/kernel:0") == "cell_rnn_cell_0_kernel_0"  # kind is part
    assert ids("in", "__x__") == "in_x"
    assert ids("in", "///") == "in"
    assert ids("in", "!!!") == "in_2"
    assert ids("in", "X_") == "in_X" and ids("var", "fooX") == "var_fooX"  # only _ stripped
