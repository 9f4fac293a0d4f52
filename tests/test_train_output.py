"""What `rnninspect train` prints: off a terminal, one plain line every --log-every steps;
on a terminal, a bar that ends at 100%; the MNIST table in image rows/s; and none of
TensorFlow's C++ start-up lines unless RNNINSPECT_TF_LOGS=1."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from rnninspect.train import checkpoint as ckpt
from rnninspect.train.report import EpochRow, Tick, epoch_table, plain_line

# What TensorFlow's C++ side writes to fd 2 at start-up on a CPU machine.
TF_NOISE = re.compile(r"oneDNN|cuInit|cuda drivers|XLA service|absl::|cpu_feature_guard|"
                      r"StreamExecutor|^[IWEF]\d{4} ", re.MULTILINE)


def corpus(root: Path) -> Path:
    words = ["the", "cat", "sat", "on", "a", "mat", "and", "then", "it", "ran", "off"]
    rng = np.random.default_rng(0)
    root.mkdir()
    for name, n in (("train", 1200), ("valid", 200), ("test", 200)):
        lines = [" ".join(rng.choice(words, 9)) for _ in range(n // 10)]
        (root / f"ptb.{name}.txt").write_text("\n".join(lines) + "\n")
    return root


def train_cli(tmp_path: Path, *argv: str, show_logs: bool = False
              ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_CPP_MIN_LOG_LEVEL", "RNNINSPECT_TF_LOGS", "COLUMNS")}
    env["KERAS_BACKEND"] = "tensorflow"
    if show_logs:
        env["RNNINSPECT_TF_LOGS"] = "1"
    data = tmp_path / "data" if (tmp_path / "data").is_dir() else corpus(tmp_path / "data")
    return subprocess.run(
        [sys.executable, "-m", "rnninspect", "train", "ptb", "--config", "test", "--data",
         str(data), "--device", "cpu", *argv],
        capture_output=True, text=True, env=env, timeout=300,
    )


def test_piped_run_prints_plain_lines_and_no_tensorflow_noise(tmp_path: Path) -> None:
    run = tmp_path / "run"
    old = ckpt.Snapshot({"settings": {"epochs": 9}, "position": {"epoch": 4, "step": 0}},
                        [np.zeros(2)], None)
    ckpt.save(run, old)
    done = train_cli(tmp_path, "--max-steps", "6", "--log-every", "2", "--checkpoint", str(run),
                     "--overwrite")
    assert done.returncode == 0, done.stderr[-2000:]
    assert not TF_NOISE.search(done.stderr), done.stderr[:2000]
    ticks = re.findall(r"^epoch 1/1 step (\d+)/6  loss [\d.]+  ppl [\d.,]+  [\d,]+ tokens/s  "
                       r"ETA \d+:\d\d:\d\d$", done.stdout, re.MULTILINE)
    assert [int(t) for t in ticks] == [1, 2, 4, 6], done.stdout
    assert re.search(r"^epoch 1/1 done  train ppl [\d.,]+  valid ppl [\d.,]+", done.stdout,
                     re.MULTILINE)
    assert not re.search(r"^epoch 1/1 +[━╸╺]", done.stdout, re.MULTILINE)  # no bar in a pipe
    meta = ckpt.read_meta(run)  # --overwrite: the directory now holds the new run
    assert meta is not None and meta["settings"]["config_name"] == "test"
    assert meta["position"]["epoch"] == 1


def test_tf_logs_are_shown_on_request(tmp_path: Path) -> None:
    """The other half of the test above: on this machine TensorFlow does print them."""
    done = train_cli(tmp_path, "--max-steps", "1", show_logs=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert TF_NOISE.search(done.stderr), done.stderr[:2000]


def test_progress_bar_ends_at_100_percent() -> None:
    pytest.importorskip("keras")
    from rnninspect.train.data import synthetic_corpus
    from rnninspect.train.session import make_trainer
    from rnninspect.train.workload import Workload
    from rnninspect.zoo.configs import PTB_CONFIGS

    cfg = replace(PTB_CONFIGS["test"], batch_size=4, num_steps=3)
    settings = {"family": "ptb", "config_name": "test", "config": asdict(cfg), "epochs": 1,
                "max_steps": 7, "data": None, "seed": 0, "precision": "fp32"}
    out = io.StringIO()
    terminal = Console(file=out, width=120, force_terminal=True, color_system=None)
    work = Workload("ptb", synthetic_corpus(12, 3, 2_000, 400, seed=1))
    result = make_trainer(settings, terminal, workload=work, log_every=5).run()
    assert result.status == 0 and len(result.losses) == 7
    bars = re.findall(r"(\d+)/7", out.getvalue())
    assert bars and bars[-1] == "7", bars  # the last frame drawn is the finished epoch
    assert "step 1/7" not in out.getvalue()  # no plain lines on a terminal


def test_plain_line_has_step_rate_and_eta() -> None:
    tick = Tick("mnist", 2, 3, 50, 200, 0.5, 0.875, 12_345.6, 10.0)
    assert tick.eta == pytest.approx(30.0)
    assert plain_line(tick) == (
        "epoch 2/3 step 50/200  loss 0.5000  acc 0.875  12,346 rows/s  ETA 0:00:30"
    )


@pytest.mark.parametrize(("family", "unit", "other"), [("mnist", "rows/s", "tokens/s"),
                                                       ("ptb", "tokens/s", "rows/s")])
def test_epoch_table_names_the_right_unit(family: str, unit: str, other: str) -> None:
    row = EpochRow(1, 0.001, 0.4, None if family == "mnist" else 5.0, 0.5, 0.9, 0.88, 1e4, 2.0)
    out = io.StringIO()
    Console(file=out, width=160, color_system=None).print(epoch_table(family, [row], "t"))
    assert unit in out.getvalue() and other not in out.getvalue()
