"""Issue 11 items 9, 10, 13, 14: `-o` is checked before TensorFlow is imported; every option
has a help line; MODEL's help names every form; global flags go before or after the
subcommand."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rnninspect.cli import COMMANDS, build_parser, hoist_global_flags
from tests.helpers import run_cli


def bad_paths(tmp: Path) -> list[tuple[list[str], str]]:
    """(argv, a word the one-line error must contain) for each bad -o."""
    a_file = tmp / "plain.txt"
    a_file.write_text("x")
    a_dir = tmp / "taken.svg"
    a_dir.mkdir()
    return [
        (["diagram", "ptb", "-o", str(a_file / "x.svg")], str(a_file)),
        (["diagram", "ptb", "-o", str(a_dir)], "is a directory"),
        (["diagram", "ptb", "-o", str(tmp / "nowhere" / "deeper" / "x.svg")],
         str(tmp / "nowhere" / "deeper")),
        (["diagram", "ptb", "-o", "/proc/x.svg"], "/proc"),
        (["diagram", "ptb", "-o", str(tmp / "x.bmp")], ".bmp"),
        (["diagram", "ptb", "-o", str(tmp / "x")], "no suffix"),
        (["export", "ptb", "-o", str(a_file / "g.json")], str(a_file)),
        (["export", "ptb", "-o", str(tmp / "g.xml")], ".xml"),
        (["export", "ptb", "-o", str(tmp / "missing" / "g.json")], str(tmp / "missing")),
        (["report", "ptb", "-o", str(tmp / "missing" / "p.html")], str(tmp / "missing")),
        (["report", "ptb", "-o", "/proc/p.html"], "/proc"),
    ]


def test_bad_output_paths_fail_fast_without_tensorflow(tmp_path):
    """One subprocess runs every case: TensorFlow must still be unimported at the end."""
    cases = bad_paths(tmp_path)
    script = textwrap.dedent("""
        import io, json, sys, time
        from rich.console import Console
        from rnninspect.cli import main
        results = []
        for argv in json.loads(sys.argv[1]):
            err = io.StringIO()
            start = time.perf_counter()
            code = main(argv, console=Console(file=io.StringIO()),
                        err_console=Console(file=err, width=400))
            results.append([code, err.getvalue(), time.perf_counter() - start])
        print(json.dumps({"results": results, "tf": "tensorflow" in sys.modules}))
    """)
    proc = subprocess.run([sys.executable, "-c", script, json.dumps([c[0] for c in cases])],
                          capture_output=True, text=True, timeout=120, check=True)
    report = json.loads(proc.stdout)
    assert report["tf"] is False
    for (argv, word), (code, err, seconds) in zip(cases, report["results"], strict=True):
        assert code == 2, (argv, err)
        assert err.count("\n") == 1 and err.startswith("rnninspect: error: -o "), (argv, err)
        assert word in err, (argv, err)
        assert seconds < 1.0, (argv, seconds)
    assert not (tmp_path / "nowhere").exists()  # a missing directory is never created
    assert not (tmp_path / "missing").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.txt", "taken.svg"]


def test_save_diagram_does_not_create_directories(tmp_path):
    import graphviz

    from rnninspect.errors import InvalidOptionError
    from rnninspect.render.save import save_diagram

    with pytest.raises(InvalidOptionError, match="does not exist"):
        save_diagram(graphviz.Digraph(), tmp_path / "a" / "b.dot")
    assert not (tmp_path / "a").exists()


def subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_option_has_a_help_line(name):
    parser = subparsers()[name]
    missing = [a.option_strings or a.dest for a in parser._actions
               if not (a.help and a.help.strip())]
    assert missing == []


@pytest.mark.parametrize("name", [n for n in COMMANDS if n not in ("models", "train", "cache")])
def test_model_help_names_every_form_with_an_example(name):
    text = " ".join(subparsers()[name].format_help().split())
    for form in ("file.py:NAME", "package.module:NAME", ".keras", "SavedModel", ".pb",
                 ".meta", "checkpoint", "e.g."):
        assert form in text, (name, form)
    assert "built-in model name" not in text


def test_global_flags_move_in_front_of_the_subcommand():
    assert hoist_global_flags(["export", "ptb", "--traceback"]) == ["--traceback", "export", "ptb"]
    assert hoist_global_flags(["show", "x", "--", "--traceback"]) == \
        ["show", "x", "--", "--traceback"]


@pytest.mark.parametrize("where", ["before", "after"])
def test_traceback_is_accepted_before_or_after_the_subcommand(where):
    argv = ["show", "nosuchmodel"]
    argv = ["--traceback", *argv] if where == "before" else [*argv, "--traceback"]
    code, _, err = run_cli(argv)
    assert code == 2
    assert "unrecognized arguments" not in err
    assert "Traceback (most recent call last)" in err
