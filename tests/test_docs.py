"""A README that cannot go stale: every command-output sample in README.md and docs/*.md is
a marked block that scripts/gen_docs.py regenerates from the real command; these tests
regenerate into memory and fail on any difference (fix: python scripts/gen_docs.py)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def gen_docs():
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


GEN = gen_docs()
OUTPUT_STARTS = ("model ", "Sharing in", "╭", "Per-step", "$ rnninspect", "ok ", "FAIL ",
                 "Variables", "Built-in models")


def docs():
    return GEN.doc_files(ROOT)


def check(inspect_cached, want) -> list[str]:
    stale = []
    with GEN.memoized_inspect(inspect_cached):
        for path in docs():
            for label in GEN.differences(path.read_text(encoding="utf-8"), want=want):
                stale.append(f"{path.relative_to(ROOT)}: {label}")
    return stale


def test_every_output_sample_is_a_generated_block():
    """A fenced block that looks like rnninspect's output must sit between markers."""
    for path in docs():
        text = path.read_text(encoding="utf-8")
        marked = [m.span() for m in GEN.BLOCK.finditer(text)]
        for fence in re.finditer(r"^```[^\n]*\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
            first = fence.group(1).lstrip().split("\n", 1)[0]
            if first.startswith(OUTPUT_STARTS):
                assert any(a <= fence.start() < b for a, b in marked), (path.name, first)
    assert any(GEN.BLOCK.search(p.read_text(encoding="utf-8")) for p in docs())


def test_marker_options_are_taken_out_of_the_command():
    sample = GEN.Sample.parse('COLUMNS=90 compare ptb mnist --from "Where the x" --prompt --slow')
    assert sample.argv == ("compare", "ptb", "mnist")
    assert (sample.columns, sample.start, sample.prompt, sample.slow) == (90, "Where the x",
                                                                          True, True)
    assert sample.command_line == "COLUMNS=90 rnninspect compare ptb mnist"
    assert GEN.Sample.parse("models").command_line == "rnninspect models"


def test_the_commands_own_options_reach_it():
    """No hidden rendering option: every other word, --width included, is the user's."""
    assert GEN.Sample.parse("show ptb --width 90").argv == ("show", "ptb", "--width", "90")


def test_a_sample_is_what_the_installed_command_prints_at_that_width():
    """The generator goes through the CLI's own console choice: the same bytes as
    `COLUMNS=N rnninspect models` run by a user with stdout piped."""
    import os
    import subprocess

    before = dict(os.environ)
    env = {k: v for k, v in os.environ.items() if k not in GEN.SCRUBBED_ENV}
    samples = []
    for columns in (60, 100):
        env["COLUMNS"] = str(columns)
        user = subprocess.run([sys.executable, "-m", "rnninspect", "models"], cwd=ROOT, env=env,
                              capture_output=True, text=True, encoding="utf-8", check=True)
        lines = [line.rstrip() for line in user.stdout.rstrip().splitlines()]
        samples.append(GEN.run_sample(GEN.Sample(("models",), columns)))
        assert samples[-1] == "```\n" + "\n".join(lines) + "\n```\n"
    assert samples[0] != samples[1]  # the width did reach the command
    assert dict(os.environ) == before  # COLUMNS and the scrubbed variables are restored


def test_a_stale_sample_is_found():
    text = "<!-- rnninspect: models -->\n```\nnot what it prints\n```\n<!-- end -->\n"
    assert GEN.differences(text) == ["rnninspect models"]
    assert GEN.differences(GEN.render(text)) == []


def test_volatile_samples_compare_without_their_figures():
    assert GEN.masked("loss 3.3113 on  1.2e+03 ▁▂█") == GEN.masked("loss 1.5987 on 9e+00 ██")
    assert GEN.masked("Σ=∇ yes") != GEN.masked("Σ=∇ NO")


def test_speed_table_figures_carry_their_date():
    table = GEN.speed_table(ROOT)
    assert re.search(r"\(\d{4}-\d{2}-\d{2}\)", table)
    page = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    assert table in page


def test_docs_samples_match_the_commands(inspect_cached):
    assert check(inspect_cached, lambda s: not s.slow) == []


@pytest.mark.slow
def test_slow_docs_samples_match_the_commands(inspect_cached):
    assert check(inspect_cached, lambda s: s.slow) == []
