"""The result cache with a user's code (TensorFlow: a tiny Keras 3 model): the build's local
modules are recorded and a change to any of them is a miss; nothing is written outside the
cache directory (no __pycache__ beside the user's files)."""

from __future__ import annotations

import json
from pathlib import Path

from rnninspect import cache
from tests.helpers import run_cli

MODEL = '''import keras
from sizes import H


def build():
    x = keras.Input((3, 2), batch_size=2)
    h = keras.layers.SimpleRNN(H, unroll=True)(x)
    return keras.Model(x, keras.layers.Dense(2)(h))
'''


def _files(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*")}


def _kernel_shapes(out: str) -> list[list[int]]:
    return sorted(v["shape"] for v in json.loads(out)["variables"] if v["role"] != "bias")


def test_local_modules_are_dependencies_and_a_change_is_a_miss(tmp_path, monkeypatch) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "model.py").write_text(MODEL)
    (project / "sizes.py").write_text("H = 4\n")
    monkeypatch.chdir(project)
    before = _files(project)
    argv = ["show", "model.py:build", "--format", "json"]

    code, first, _ = run_cli(argv)
    assert code == 0 and [4, 4] in _kernel_shapes(first)
    assert cache.info().entries == 1
    entry = json.loads(next((cache.cache_dir() / "entries").glob("*/*.json")).read_text())
    recorded = {Path(p).name for p, _ in entry["deps"]}
    assert recorded == {"model.py", "sizes.py"}  # the user's file and its local module only
    assert _files(project) == before  # nothing written beside the user's code

    code, again, _ = run_cli(argv)  # a hit: the same answer
    assert code == 0 and again == first

    (project / "sizes.py").write_text("H = 6\n")  # the local module changes: a miss
    code, changed, _ = run_cli(argv)
    assert code == 0 and [6, 6] in _kernel_shapes(changed)

    code, fresh, _ = run_cli([*argv, "--no-cache"])
    assert code == 0 and _kernel_shapes(fresh) == _kernel_shapes(changed)
