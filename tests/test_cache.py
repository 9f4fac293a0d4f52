"""The result cache (issue 13): hits without TensorFlow, every kind of miss, corrupt and
foreign entries, eviction, concurrent writers, `cache info | clear`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from rnninspect import cache
from rnninspect.model import Inspection
from rnninspect.sources import LoadOptions, resolve
from tests.helpers import run_cli
from tests.models.inspections import mnist_like, ptb_like

ROOT = Path(__file__).resolve().parent.parent


def _key(spec: str = "ptb", step: int | None = None, **options: object) -> str:
    opts = LoadOptions(**options)  # type: ignore[arg-type]
    return cache.inspection_key(resolve(spec, opts), opts, step)


def test_an_inspection_comes_back_equal_with_its_internal_fields() -> None:
    ins = ptb_like(5, hidden=8, vocab=30)
    ins = replace(ins, variables=tuple(replace(v, linear_into="x") if i == 0 else v
                                       for i, v in enumerate(ins.variables)))
    assert ins.step_graph is not None  # the field the public JSON leaves out: this can fail
    cache.store_inspection(_key(), ins, ())
    hit = cache.load_inspection(_key())
    assert hit is not None
    back, deps = hit
    assert back == ins and back.step_graph == ins.step_graph and deps == ()
    assert back.variables[0].linear_into == "x"


def test_a_hit_through_the_cli_imports_no_tensorflow() -> None:
    """A stored entry for `show ptb` is served in a fresh process with no TensorFlow import
    (the entry holds a hand-built model, so only a hit can print it)."""
    _plant()
    result = _cli_in_fresh_process(["show", "ptb", "--format", "json"])
    assert result["code"] == 0 and result["tf"] == []
    assert json.loads(result["out"])["model"] == "planted-by-the-test"


def _plant() -> None:
    """A hand-built model stored as `show ptb`'s entry: only a hit can print it."""
    cache.store_inspection(_key(), replace(mnist_like(3, hidden=8), model="planted-by-the-test"),
                           ())


def _cli_in_fresh_process(argv: list[str]) -> dict[str, object]:
    """`rnninspect ARGV` in a new Python: its exit code, stdout, and the TensorFlow/Keras
    modules it imported."""
    script = ("import io, json, sys\nfrom rich.console import Console\n"
              "from rnninspect.cli import main\n"
              "out = Console(file=io.StringIO())\n"
              f"code = main({argv!r}, console=out)\n"
              "print(json.dumps({'code': code, 'out': out.file.getvalue(),\n"
              "  'tf': sorted(m for m in sys.modules if m.split('.')[0] in\n"
              "               ('tensorflow', 'keras', 'tf_keras'))}))\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_report_is_served_from_the_cache_too(tmp_path: Path) -> None:
    """`report` reads the same entry as `show`: a planted one, no TensorFlow import."""
    _plant()
    page = tmp_path / "ptb.html"
    result = _cli_in_fresh_process(["report", "ptb", "-o", str(page)])
    assert (result["code"], result["tf"]) == (0, [])
    assert "planted-by-the-test" in page.read_text(encoding="utf-8")


def test_every_option_and_the_environment_are_in_the_key(monkeypatch) -> None:
    base = _key()
    assert _key(num_steps=5) != base
    assert _key(dialect="keras") != base
    assert _key(config="test") != base
    assert _key(step=3) != base
    assert _key("mnist") != base
    assert _key() == base  # deterministic: the same request, the same key
    monkeypatch.setattr(cache, "versions", lambda: {"tensorflow": "9.99.0"})  # an upgrade
    assert _key() != base


def test_an_edited_rnninspect_is_a_miss(monkeypatch) -> None:
    cache.store_inspection(_key(), ptb_like(3, hidden=4, vocab=10), ())
    assert cache.load_inspection(_key()) is not None
    monkeypatch.setattr(cache, "code_hash", lambda: "edited-checkout")
    assert cache.load_inspection(_key()) is None


def test_code_hash_covers_the_package_sources(tmp_path, monkeypatch) -> None:
    cache.code_hash.cache_clear()
    first = cache.code_hash()
    assert len(first) == 64 and cache.code_hash() == first


def test_a_changed_dependency_is_a_miss(tmp_path) -> None:
    helper = tmp_path / "helper.py"
    helper.write_text("H = 4\n")
    deps = ((str(helper), cache.file_hash(helper)),)
    cache.store_inspection("a" * 64, ptb_like(3, hidden=4, vocab=10), deps)
    assert cache.load_inspection("a" * 64) is not None
    helper.write_text("H = 5\n")
    assert cache.load_inspection("a" * 64) is None
    helper.unlink()  # a dependency that is gone is a miss too
    assert cache.load_inspection("a" * 64) is None


def test_a_data_file_the_build_reads_is_a_dependency(tmp_path, monkeypatch) -> None:
    """Files the build opens for reading beside it are recorded like imported modules; ones
    it writes, and files elsewhere, are not."""
    from rnninspect.sources.record import last_sources, recording

    monkeypatch.chdir(tmp_path)
    main_file = tmp_path / "model.py"
    main_file.write_text("")
    (tmp_path / "vocab.txt").write_text("a b c")
    with recording(main_file):
        (tmp_path / "vocab.txt").read_text()
        (tmp_path / "out.txt").write_text("written, not read")
        Path(os.__file__).read_bytes()  # the installation's: not the user's data
    files = [Path(p).name for p, _ in last_sources()]
    assert files == ["model.py", "vocab.txt"]
    (tmp_path / "vocab.txt").read_text()  # outside a recording: not recorded
    assert [Path(p).name for p, _ in last_sources()] == files


@pytest.mark.parametrize("content", ["{not json", "[]", '{"format": "someone-else/1"}',
                                     '{"format": "rnninspect.cache/1", "key": "x"}', ""])
def test_a_corrupt_or_foreign_entry_is_a_miss_and_is_rewritten(content: str) -> None:
    key = _key()
    path = cache.cache_dir() / "entries" / key[:2] / f"{key}.json"
    path.parent.mkdir(parents=True)
    path.write_text(content)
    assert cache.load_inspection(key) is None
    ins = ptb_like(3, hidden=4, vocab=10)
    cache.store_inspection(key, ins, ())
    hit = cache.load_inspection(key)
    assert hit is not None and hit[0] == ins


def test_least_recently_used_entries_are_evicted(monkeypatch) -> None:
    ins = ptb_like(3, hidden=4, vocab=10)
    for k in "abc":
        cache.store_inspection(k * 64, ins, ())
    paths = {k: cache.cache_dir() / "entries" / (k * 2) / f"{k * 64}.json" for k in "abc"}
    for age, k in enumerate("abc"):  # a oldest, c newest
        os.utime(paths[k], (1000 + age, 1000 + age))
    assert cache.load_inspection("a" * 64) is not None  # a hit makes `a` the most recent
    size = paths["a"].stat().st_size
    assert cache.evict(2 * size + size // 2) == 1
    assert not paths["b"].exists() and paths["a"].exists() and paths["c"].exists()


def test_concurrent_writers_never_leave_a_broken_entry() -> None:
    small, large = ptb_like(3, hidden=4, vocab=10), ptb_like(30, hidden=8, vocab=50)
    key, seen, stop = "d" * 64, [], threading.Event()

    def writer(ins: Inspection) -> None:
        while not stop.is_set():
            cache.store_inspection(key, ins, ())

    cache.store_inspection(key, small, ())  # from here on an entry always exists
    threads = [threading.Thread(target=writer, args=(x,)) for x in (small, large)]
    for t in threads:
        t.start()
    try:
        for _ in range(200):
            hit = cache.load_inspection(key)
            seen.append(None if hit is None else hit[0])
    finally:
        stop.set()
        for t in threads:
            t.join()
    # Every read finds a whole entry (writes are atomic renames): never a miss, never a mix.
    assert len(seen) == 200 and all(x in (small, large) for x in seen)
    assert not list((cache.cache_dir() / "entries").glob("*/.tmp-*"))


def test_the_cache_directory_follows_the_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RNNINSPECT_CACHE_DIR", str(tmp_path / "here"))
    assert cache.cache_dir() == tmp_path / "here"
    monkeypatch.delenv("RNNINSPECT_CACHE_DIR")
    assert cache.cache_dir().name == "rnninspect"


def test_cache_info_and_clear_through_the_cli() -> None:
    for k in "ef":
        cache.store_inspection(k * 64, ptb_like(3, hidden=4, vocab=10), ())
    code, out, _ = run_cli(["cache", "info"])
    assert code == 0 and str(cache.cache_dir()) in out.replace("\n", "")
    assert out.split("entries")[1].split()[0] == "2"
    code, out, _ = run_cli(["cache", "clear"])
    assert code == 0 and "removed 2 entries" in out
    assert cache.info().entries == 0


def test_grads_reports_round_trip() -> None:
    from rnninspect.analysis.grads import GradientReport, StepGradients

    report = GradientReport("ptb", "keras", 3, 4.5, (StepGradients(
        "w", (0, 1, 2), (0.0, 1.5, float("inf")), 2.0, 2.0),), ("dyn",))
    cache.store_grads("g" * 64, report)
    assert cache.load_grads("g" * 64) == report
    assert cache.load_inspection("g" * 64) is None  # a grads entry is not an inspection


def test_recording_keeps_local_files_and_purges_only_them(tmp_path, monkeypatch) -> None:
    import importlib

    from rnninspect.sources import record

    (tmp_path / "main_mod.py").write_text("import wave\nimport helper_mod\n")
    (tmp_path / "helper_mod.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("wave", None)
    with record.recording(tmp_path / "main_mod.py"):
        importlib.import_module("main_mod")
    names = [Path(p).name for p, _ in record.last_sources()]
    assert names == ["main_mod.py", "helper_mod.py"]  # the stdlib's wave is not the user's
    assert not list(tmp_path.glob("__pycache__"))  # no bytecode beside the user's files
    with record.recording(tmp_path / "main_mod.py"):  # the next build starts fresh
        assert "helper_mod" not in sys.modules and "wave" in sys.modules
    record.purge()
