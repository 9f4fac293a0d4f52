"""`rnninspect train` refuses, in the first second and before importing Keras, what would
otherwise lose work or fake a result: an unwritable checkpoint location, a directory that
holds another run, --resume flags that contradict the run, a finished run, data too small
for one batch, binary or junk data and checkpoint files. Each is one line and exit 2."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from rnninspect.cli import main
from rnninspect.errors import InvalidOptionError
from rnninspect.train import checkpoint as ckpt
from rnninspect.train import preflight


def train(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    code = main(["train", *argv], console=Console(file=io.StringIO()),
                err_console=Console(file=err, width=400, color_system=None))
    return code, err.getvalue()


def one_line_error(*argv: str) -> str:
    code, text = train(*argv)
    assert code == 2, text
    lines = text.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rnninspect: error: "), text
    assert "internal error" not in text and "allow_pickle" not in text
    return lines[0]


def ptb_dir(root: Path, train: str, valid: str = "a b c\n" * 200, test: str = "a b c\n" * 200
            ) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in (("train", train), ("valid", valid), ("test", test)):
        (root / f"ptb.{name}.txt").write_text(text)
    return root


def saved_run(directory: Path, *, epoch: int, epochs: int, step: int = 0,
              config: str = "test") -> Path:
    """A checkpoint as `train --checkpoint` writes it (numpy only; weights are stand-ins)."""
    from dataclasses import asdict

    from rnninspect.zoo.configs import PTB_CONFIGS

    settings = {"family": "ptb", "config_name": config, "config": asdict(PTB_CONFIGS[config]),
                "epochs": epochs, "max_steps": None, "data": None, "seed": 0,
                "precision": "fp32"}
    position = {"epoch": epoch, "step": step, "loss_sum": 0.0, "acc_sum": 0.0,
                "seconds": 0.0, "history": []}
    meta = {"settings": settings, "position": position}
    return ckpt.save(directory, ckpt.Snapshot(meta, [np.zeros(3, np.float32)], None))


def fingerprint(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(directory.iterdir())}


def test_preflight_imports_no_framework() -> None:
    code = ("import sys, rnninspect.train.preflight; "
            "print(sorted(m for m in ('keras', 'tensorflow', 'jax', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "[]"


# --- 1. the checkpoint location is checked at start-up ----------------------------------------


def test_checkpoint_under_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    line = one_line_error("ptb", "--checkpoint", str(tmp_path / "afile" / "run"))
    assert "--checkpoint" in line and "afile is a file, not a directory" in line


def test_checkpoint_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    assert "is a file" in one_line_error("ptb", "--checkpoint", str(tmp_path / "afile"))


def test_unwritable_checkpoint_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    """Tests run as root, where a chmod-ed directory is still writable: the test-write is
    refused the way a read-only directory or mount refuses it."""
    real_open = os.open

    def read_only(path: object, *args: object, **kwargs: object) -> int:
        if ".rnninspect-write-test" in str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(preflight.os, "open", read_only)
    line = one_line_error("ptb", "--checkpoint", str(tmp_path / "ro"))
    assert "--checkpoint" in line and "cannot write there (Permission denied)" in line
    assert list((tmp_path / "ro").iterdir()) == []  # the probe did not stay behind


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_checkpoint_directory(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        assert "cannot write there" in one_line_error("ptb", "--checkpoint", str(ro / "run"))
    finally:
        ro.chmod(0o755)


def test_a_writable_checkpoint_directory_is_created_and_left_clean(tmp_path: Path) -> None:
    preflight.check_writable(tmp_path / "new" / "run")
    assert list((tmp_path / "new" / "run").iterdir()) == []


# --- 2. an existing run is never overwritten silently -----------------------------------------


def test_existing_run_is_refused_and_untouched(tmp_path: Path) -> None:
    run = tmp_path / "run"
    saved_run(run, epoch=2, epochs=4)
    (run / ckpt.MODEL_FILE).write_bytes(b"model")
    before = fingerprint(run)
    line = one_line_error("ptb", "--config", "test", "--checkpoint", str(run))
    assert f"{run} holds a run from " in line and "at epoch 2/4" in line
    assert f"pass --resume {run}, or --overwrite" in line
    assert fingerprint(run) == before


def test_existing_run_mid_epoch_names_the_step(tmp_path: Path) -> None:
    saved_run(tmp_path, epoch=1, epochs=4, step=7)
    assert "at epoch 2/4, step 7" in one_line_error("ptb", "--checkpoint", str(tmp_path))


def test_overwrite_gets_past_the_refusal(tmp_path: Path) -> None:
    """--overwrite accepts the directory; this run then stops at its too-short corpus, before
    anything is built, so the old files are still there."""
    run = tmp_path / "run"
    saved_run(run, epoch=2, epochs=4)
    before = fingerprint(run)
    data = ptb_dir(tmp_path / "data", "hello world\n")
    line = one_line_error("ptb", "--checkpoint", str(run), "--overwrite", "--data", str(data))
    assert "tokens" in line and "holds a run" not in line
    assert fingerprint(run) == before


def test_clear_run_removes_the_old_run_only(tmp_path: Path) -> None:
    saved_run(tmp_path, epoch=1, epochs=2)
    (tmp_path / ckpt.MODEL_FILE).write_bytes(b"model")
    (tmp_path / "notes.txt").write_text("mine")
    preflight.clear_run(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


# --- 3. too little data for one batch ---------------------------------------------------------


def test_corpus_too_small_for_one_batch(tmp_path: Path) -> None:
    data = ptb_dir(tmp_path, "hello world\n", valid="", test="")
    line = one_line_error("ptb", "--data", str(data))
    # "hello world" + <eos> = 3 tokens; the small config needs 20 × (20 + 1)
    assert f"{data / 'ptb.train.txt'} has 3 tokens" in line
    assert "batch × (num_steps + 1) = 20 × 21 = 420" in line


def test_empty_valid_split(tmp_path: Path) -> None:
    data = ptb_dir(tmp_path, "a b c d e f g h i\n" * 100, valid="")
    line = one_line_error("ptb", "--config", "test", "--data", str(data))
    assert f"{data / 'ptb.valid.txt'} has 0 tokens" in line and "20 × 3 = 60" in line


def test_empty_test_split(tmp_path: Path) -> None:
    data = ptb_dir(tmp_path, "a b c d e f g h i\n" * 100, test="\n")
    line = one_line_error("ptb", "--config", "test", "--data", str(data))
    assert f"{data / 'ptb.test.txt'} has 1 tokens" in line  # the one <eos>


def test_mnist_with_fewer_images_than_a_batch(tmp_path: Path) -> None:
    path = tmp_path / "mnist.npz"
    x, y = np.zeros((5, 28, 28), np.uint8), np.zeros(5, np.uint8)
    np.savez(path, x_train=x, y_train=y, x_test=x, y_test=y)
    line = one_line_error("mnist", "--data", str(path))
    assert str(path) in line and "5 training images" in line and "needs 128" in line


# --- 4. binary and junk files -----------------------------------------------------------------


def test_binary_ptb_file(tmp_path: Path) -> None:
    data = ptb_dir(tmp_path, "")
    (data / "ptb.train.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    line = one_line_error("ptb", "--data", str(data))
    assert f"{data / 'ptb.train.txt'} is not UTF-8 text" in line


def test_ptb_file_with_nul_bytes(tmp_path: Path) -> None:
    data = ptb_dir(tmp_path, "a b\x00c\n")
    assert "is binary" in one_line_error("ptb", "--data", str(data))


@pytest.mark.parametrize("junk", [b"", b"\x80\x04junk" * 10, b"PK\x03\x04truncated"])
def test_junk_mnist_npz(tmp_path: Path, junk: bytes) -> None:
    path = tmp_path / "mnist.npz"
    path.write_bytes(junk)
    line = one_line_error("mnist", "--data", str(path))
    assert str(path) in line and ("not a NumPy .npz archive" in line or "damaged" in line)


def test_pickled_mnist_npz_is_not_unpickled(tmp_path: Path) -> None:
    path = tmp_path / "mnist.npz"
    objects = np.array([{"a": 1}], dtype=object)
    np.savez(path, x_train=objects, y_train=objects, x_test=objects, y_test=objects)
    line = one_line_error("mnist", "--data", str(path))
    assert str(path) in line and "pickled" in line


def test_mnist_npz_without_its_arrays(tmp_path: Path) -> None:
    path = tmp_path / "mnist.npz"
    np.savez(path, images=np.zeros(3))
    assert "lacks x_train" in one_line_error("mnist", "--data", str(path))


@pytest.mark.parametrize("junk", [b"not a checkpoint at all", b"PK\x05\x06" + bytes(18)])
def test_junk_checkpoint(tmp_path: Path, junk: bytes) -> None:
    (tmp_path / ckpt.CHECKPOINT).write_bytes(junk)
    line = one_line_error("ptb", "--resume", str(tmp_path))
    assert str(tmp_path / ckpt.CHECKPOINT) in line


def test_junk_checkpoint_blocks_a_new_run_with_one_line(tmp_path: Path) -> None:
    (tmp_path / ckpt.CHECKPOINT).write_bytes(b"\x00" * 64)
    line = one_line_error("ptb", "--checkpoint", str(tmp_path))
    assert str(tmp_path / ckpt.CHECKPOINT) in line


def test_npz_without_run_record(tmp_path: Path) -> None:
    np.savez(tmp_path / ckpt.CHECKPOINT, var0000=np.zeros(2))
    assert "no run record" in one_line_error("ptb", "--resume", str(tmp_path))


# --- 5. --resume keeps the run's settings; a finished run says so -----------------------------


def test_resume_refuses_conflicting_flags(tmp_path: Path) -> None:
    saved_run(tmp_path, epoch=0, epochs=2, step=3)
    line = one_line_error("ptb", "--resume", str(tmp_path), "--config", "medium",
                          "--hidden", "64")
    assert "--config medium (the run has test)" in line
    assert "--hidden 64 (the run has 2)" in line


def test_resume_refuses_another_family(tmp_path: Path) -> None:
    saved_run(tmp_path, epoch=0, epochs=2, step=3)
    assert "mnist (the run is ptb)" in one_line_error("mnist", "--resume", str(tmp_path))


def test_resume_accepts_flags_equal_to_the_run(tmp_path: Path) -> None:
    saved_run(tmp_path, epoch=0, epochs=2, step=3)
    args = parse("ptb", "--resume", str(tmp_path), "--config", "test", "--seed", "0",
                 "--epochs", "5")
    plan = preflight.plan(args)
    assert (plan.settings.config_name, plan.settings.epochs) == ("test", 5)
    assert plan.checkpoint_dir == plan.resume_from == tmp_path


def test_resume_of_a_finished_run(tmp_path: Path) -> None:
    saved_run(tmp_path, epoch=3, epochs=3)
    line = one_line_error("ptb", "--resume", str(tmp_path))
    assert "finished run (3 epochs trained)" in line and "--epochs N with N > 3" in line
    line = one_line_error("ptb", "--resume", str(tmp_path), "--epochs", "2")
    assert line.startswith("rnninspect: error: --epochs 2: ") and "N > 3" in line


def test_overwrite_cannot_erase_the_resumed_run(tmp_path: Path) -> None:
    saved_run(tmp_path, epoch=0, epochs=2, step=3)
    line = one_line_error("ptb", "--resume", str(tmp_path), "--overwrite")
    assert f"--overwrite would erase the run that --resume {tmp_path} continues" in line


def test_resume_into_another_directory_that_holds_a_run(tmp_path: Path) -> None:
    saved_run(tmp_path / "a", epoch=0, epochs=2, step=3)
    saved_run(tmp_path / "b", epoch=1, epochs=2)
    line = one_line_error("ptb", "--resume", str(tmp_path / "a"), "--checkpoint",
                          str(tmp_path / "b"))
    assert f"{tmp_path / 'b'} holds a run from " in line
    args = parse("ptb", "--resume", str(tmp_path / "a"), "--checkpoint", str(tmp_path / "b"),
                 "--overwrite")
    assert preflight.plan(args).checkpoint_dir == tmp_path / "b"


# --- 7. step counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--checkpoint-every", "--log-every", "--max-steps"])
def test_zero_step_counts_are_rejected(flag: str) -> None:
    assert f"{flag} must be ≥ 1; got 0" in one_line_error("ptb", flag, "0")


def parse(*argv: str) -> argparse.Namespace:
    from rnninspect.cli import build_parser

    return build_parser().parse_args(["train", *argv])


def test_synthetic_split_too_small_names_the_split() -> None:
    from rnninspect.train.data import synthetic_corpus
    from rnninspect.train.settings import settings_from_args

    settings = settings_from_args(parse("ptb", "--config", "test"))
    tiny = synthetic_corpus(10, 2, 500, 50, seed=0)  # valid: 50 tokens < 20 × 3
    with pytest.raises(InvalidOptionError, match=r"the valid split of the synthetic .* has 50 "
                       r"tokens; one batch needs batch × \(num_steps \+ 1\) = 20 × 3 = 60"):
        preflight.check_splits(settings, tiny)
