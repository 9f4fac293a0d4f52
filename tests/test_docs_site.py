"""The documentation site builds: `mkdocs build --strict` over docs/ (every page in the
navigation, every link and image resolving), and README.md's own links resolve. The samples
in those pages are checked by tests/test_docs.py."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NEEDS = "mkdocs-material is not installed: pip install -e '.[dev]' (make test does)"


def build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    assert importlib.util.find_spec("mkdocs") and importlib.util.find_spec("material"), NEEDS
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict",
         "--config-file", str(config), "--site-dir", str(site)],
        capture_output=True, text=True, env=env, timeout=300, cwd=config.parent)


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    result = build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "img" / "ptb_rolled.svg").is_file()


def test_a_broken_link_or_a_page_left_out_fails_the_build(tmp_path: Path) -> None:
    """The strictness is real: the build above would catch both."""
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    (tmp_path / "docs" / "analysis.md").touch()  # the lead's page: not what this test checks
    (tmp_path / "docs" / "orphan.md").write_text("# Orphan\n", encoding="utf-8")
    with (tmp_path / "docs" / "check.md").open("a", encoding="utf-8") as f:
        f.write("\n[gone](no-such-page.md)\n")
    result = build(tmp_path / "mkdocs.yml", tmp_path / "site")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "orphan.md" in output and "no-such-page.md" in output


LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def local_links(text: str) -> list[str]:
    """The relative link targets of markdown text (anchors and query strings dropped).

    >>> local_links("[a](docs/x.md#y) ![b](img/p.svg) [c](https://e.org) [d](#top)")
    ['docs/x.md', 'img/p.svg']
    """
    out = []
    for target in LINK.findall(text):
        path = target.split("#", 1)[0].split("?", 1)[0]
        if path and not re.match(r"[a-z][a-z0-9+.-]*:", path):
            out.append(path)
    return out


def test_readme_links_resolve() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = local_links(readme)
    assert any(link.startswith("docs/img/") for link in links)
    missing = [link for link in links if not (ROOT / link).exists()]
    assert missing == []


def test_readme_is_for_users() -> None:
    """≤ ~250 lines, and it says how to get `rnninspect` onto the PATH right after setup."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 260
    setup = readme[readme.index("make demo"):readme.index("## Five commands")]
    assert ". .venv/bin/activate" in setup and ".venv/bin/rnninspect" in setup
    assert "pip install ." in setup


@pytest.mark.parametrize("path", sorted(p.relative_to(ROOT).as_posix()
                                        for p in [ROOT / "README.md", ROOT / "mkdocs.yml",
                                                  *(ROOT / "docs").glob("*.md"),
                                                  *(ROOT / "examples").glob("*.py")]))
def test_no_machine_paths_in_the_docs(path: str) -> None:
    text = (ROOT / path).read_text(encoding="utf-8")
    assert re.findall(r"(?<![\w.~])/(?:work|home|root|tmp|opt|mnt|Users)/\S+", text) == []
