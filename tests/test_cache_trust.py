"""The cache serves nothing stale and nothing forged (issue 23, items 9–12): environment
variables, `tf.io.gfile` reads and files opened anywhere are dependencies; what cannot be
checked is never stored (said under --verbose); an entry edited by hand or holding a
wrong-typed field is dropped with one dim line; a read-only cache, a file as the cache
directory and a bad size limit are one line and exit 2."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from rnninspect import cache
from rnninspect.sources import LoadOptions, resolve
from rnninspect.sources.record import last_sources, recording
from tests.helpers import run_cli
from tests.models.inspections import ptb_like

TINY = ["--num-steps", "2", "--hidden", "4", "--vocab", "10", "--layers", "1"]


def _key(spec: str = "ptb", **options: object) -> str:
    opts = LoadOptions(**options)  # type: ignore[arg-type]
    return cache.inspection_key(resolve(spec, opts), opts, None)


def _entry(key: str) -> Path:
    return cache.cache_dir() / "entries" / key[:2] / f"{key}.json"


# -- item 9: what the build reads --------------------------------------------------------------

def test_an_environment_variable_the_build_reads_is_a_dependency(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    main_file = tmp_path / "model.py"
    main_file.write_text("")
    monkeypatch.setenv("MY_HIDDEN", "4")
    monkeypatch.setenv("NOT_READ", "x")
    with recording(main_file):
        assert os.environ["MY_HIDDEN"] == "4" and os.getenv("MY_UNSET") is None
    deps = last_sources()
    names = [p for p, _ in deps]
    assert "env:MY_HIDDEN" in names and "env:MY_UNSET" in names and "env:NOT_READ" not in names
    cache.store_inspection("e" * 64, ptb_like(3, hidden=4, vocab=10), deps)
    assert cache.load_inspection("e" * 64) is not None
    monkeypatch.setenv("MY_HIDDEN", "6")
    assert cache.load_inspection("e" * 64) is None
    monkeypatch.setenv("MY_HIDDEN", "4")
    monkeypatch.setenv("MY_UNSET", "now set")
    assert cache.load_inspection("e" * 64) is None


def test_a_file_opened_in_a_sibling_folder_is_a_dependency(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "data").mkdir()
    main_file = tmp_path / "code" / "model.py"
    main_file.write_text("")
    data = tmp_path / "data" / "vocab.txt"
    data.write_text("a b c")
    monkeypatch.chdir(tmp_path / "code")
    with recording(main_file):
        data.read_text()
    assert str(data.resolve()) in [p for p, _ in last_sources()]


def test_a_gfile_read_is_a_dependency(tmp_path: Path) -> None:
    import tensorflow as tf

    main_file = tmp_path / "model.py"
    main_file.write_text("")
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("a b c")
    with recording(main_file), tf.io.gfile.GFile(str(vocab), "r") as f:
        f.read()
    assert str(vocab.resolve()) in [p for p, _ in last_sources()]


def test_a_checkpoint_pointing_elsewhere_depends_on_the_shards_it_names(tmp_path: Path) -> None:
    here, elsewhere = tmp_path / "ckpt", tmp_path / "elsewhere"
    here.mkdir()
    elsewhere.mkdir()
    (elsewhere / "model.ckpt-7.index").write_bytes(b"i")
    (elsewhere / "model.ckpt-7.data-00000-of-00001").write_bytes(b"d")
    (here / "checkpoint").write_text('model_checkpoint_path: "../elsewhere/model.ckpt-7"\n')
    names = {Path(p).name for p, _ in cache.saved_file_deps(str(here))}
    assert {"model.ckpt-7.index", "model.ckpt-7.data-00000-of-00001"} <= names


def test_what_cannot_be_checked_is_never_stored() -> None:
    deps = (("unproven:gs://bucket/vocab.txt", ""),)
    cache.not_stored.clear()
    cache.store_inspection("f" * 64, ptb_like(3, hidden=4, vocab=10), deps)
    assert cache.info().entries == 0
    assert "gs://bucket/vocab.txt" in cache.not_stored[0]


MODEL = """import os
import keras
from rnninspect.sources import record


def build():
    if os.environ.get("READ_REMOTE"):
        record._opened.append("gs://bucket/vocab.txt")  # stands for tf.io.gfile on a bucket
    x = keras.Input((3, 2), batch_size=2)
    h = keras.layers.SimpleRNN(int(os.environ["HIDDEN"]), unroll=True)(x)
    return keras.Model(x, h)
"""


def test_through_the_cli_env_is_followed_and_unproven_said_under_verbose(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "model.py").write_text(MODEL)
    monkeypatch.chdir(tmp_path)
    argv = ["show", "model.py:build", "--format", "json"]
    shapes = []
    for hidden in ("4", "6"):
        monkeypatch.setenv("HIDDEN", hidden)
        code, out, err = run_cli(argv)
        assert code == 0, err
        shapes.append(sorted(v["shape"] for v in json.loads(out)["variables"]))
    assert shapes[0] != shapes[1], "a changed environment variable served a stale result"
    monkeypatch.setenv("READ_REMOTE", "1")
    entries = cache.info().entries
    code, _, err = run_cli(["--verbose", *argv])
    assert code == 0 and cache.info().entries == entries
    assert "not cached" in err and "gs://bucket/vocab.txt" in err


# -- items 10, 11: entries are checked before they are served ---------------------------------

def test_a_hand_edited_entry_is_dropped_with_one_line() -> None:
    key = _key(**{k.lstrip("-").replace("-", "_"): int(v) for k, v in zip(TINY[::2], TINY[1::2],
                                                                           strict=True)})
    code, _, err = run_cli(["check", "ptb", *TINY, "--expect-params", "1"])
    assert code == 1 and _entry(key).exists()
    data = json.loads(_entry(key).read_text())
    data["payload"]["inspection"]["total_params"] = 123456
    _entry(key).write_text(json.dumps(data))
    code, _, err = run_cli(["check", "ptb", *TINY, "--expect-params", "123456"])
    assert code == 1, "a forged entry was served"
    assert sum("dropped a bad entry" in line for line in err.splitlines()) == 1


@pytest.mark.parametrize("field, value", [("total_params", "123456"), ("num_steps", [1]),
                                          ("variables", "none")])
def test_a_wrong_typed_entry_is_dropped_not_an_internal_error(field: str, value: object) -> None:
    """Even with a matching integrity hash (written by some other version, say)."""
    key = "c" * 64
    cache.store_inspection(key, ptb_like(3, hidden=4, vocab=10), ())
    data = json.loads(_entry(key).read_text())
    data["payload"]["inspection"][field] = value
    data["sha256"] = cache._integrity(key, "inspection", data["deps"], data["payload"])
    _entry(key).write_text(json.dumps(data))
    cache.notes.clear()
    assert cache.load_inspection(key) is None
    assert not _entry(key).exists() and len(cache.notes) == 1


# -- item 12: the cache's own settings ----------------------------------------------------------

def test_cache_clear_on_a_read_only_cache_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    cache.store_inspection("b" * 64, ptb_like(3, hidden=4, vocab=10), ())

    def read_only(self: Path, missing_ok: bool = False) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "unlink", read_only)
    code, _, err = run_cli(["cache", "clear"])
    assert code == 2 and "read-only file system" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv", [["cache", "info"], ["cache", "clear"],
                                  ["show", "ptb", *TINY]])
def test_a_file_as_the_cache_directory_is_one_line(tmp_path: Path, argv: list[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "afile").write_text("")
    monkeypatch.setenv("RNNINSPECT_CACHE_DIR", str(tmp_path / "afile"))
    code, _, err = run_cli(argv)
    assert code == 2 and "is a file, not a directory" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("value", ["lots", "-5", "1.5"])
def test_an_invalid_size_limit_is_one_line(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RNNINSPECT_CACHE_MAX_MB", value)
    for argv in (["cache", "info"], ["show", "ptb", *TINY]):
        code, _, err = run_cli(argv)
        assert code == 2 and "RNNINSPECT_CACHE_MAX_MB" in err and value in err
