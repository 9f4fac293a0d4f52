"""Training in child processes: a kill mid-run leaves a usable checkpoint; two logical
devices (tf.distribute.MirroredStrategy) give the same losses as one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("keras")

CLI = """
import argparse, sys
from rich.console import Console
from rnninspect.train import add_arguments, run
parser = argparse.ArgumentParser()
add_arguments(parser)
sys.exit(run(parser.parse_args(sys.argv[1:]), Console(stderr=True)))
"""

TWO_DEVICES = """
import io, json, sys
from dataclasses import asdict, replace
if sys.argv[1] == "2":
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from rich.console import Console
from rnninspect.train.data import synthetic_corpus
from rnninspect.train.session import make_trainer
from rnninspect.train.workload import Workload
from rnninspect.zoo.configs import PTB_CONFIGS
cfg = replace(PTB_CONFIGS["small"], hidden_size=16, num_steps=5, batch_size=8, keep_prob=1.0)
settings = {"family": "ptb", "config_name": "small", "config": asdict(cfg), "epochs": 1,
            "max_steps": 15, "data": None, "seed": 3, "precision": "fp32"}
work = Workload("ptb", synthetic_corpus(20, 3, 5000, 1000, seed=1))
trainer = make_trainer(settings, Console(file=io.StringIO()), workload=work)
result = trainer.run()
print(json.dumps({"replicas": trainer.placement.replicas, "losses": result.losses,
                  "status": result.status}))
"""


def env() -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"}


def run_two_devices(n: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", TWO_DEVICES, n],
        capture_output=True,
        text=True,
        env=env(),
        timeout=180,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_two_logical_devices_match_one() -> None:
    one, two = run_two_devices("1"), run_two_devices("2")
    assert (one["replicas"], two["replicas"]) == (1, 2)
    assert one["status"] == two["status"] == 0
    assert len(two["losses"]) == 15  # type: ignore[arg-type]
    assert two["losses"] == pytest.approx(one["losses"], rel=1e-5)


def test_kill_mid_run_leaves_a_resumable_checkpoint(tmp_path: Path) -> None:
    from rnninspect.train import checkpoint as ckpt

    run_dir = tmp_path / "run"
    args = [
        "ptb",
        "--hidden",
        "16",
        "--layers",
        "1",
        "--num-steps",
        "5",
        "--epochs",
        "1",
        "--max-steps",
        "3000",
        "--checkpoint-every",
        "1",
        "--device",
        "cpu",
    ]
    child = subprocess.Popen(
        [sys.executable, "-c", CLI, *args, "--checkpoint", str(run_dir)],
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        path, seen, deadline = run_dir / ckpt.CHECKPOINT, set(), time.monotonic() + 120
        while len(seen) < 5 and time.monotonic() < deadline and child.poll() is None:
            if path.exists():
                seen.add(path.stat().st_mtime_ns)
            time.sleep(0.05)
        assert len(seen) >= 5, "the child never wrote checkpoints"
        child.send_signal(signal.SIGKILL)  # no chance to clean up: mid-write is possible
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    snapshot = ckpt.load(run_dir)  # the last complete checkpoint, never a torn one
    assert snapshot.meta["position"]["step"] >= 1
    resumed = subprocess.run(
        [sys.executable, "-c", CLI, "ptb", "--resume", str(run_dir), "--device", "cpu"],
        env=env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "test ppl" in resumed.stderr
    assert ckpt.load(run_dir).meta["position"]["epoch"] == 1


def test_importing_train_imports_no_framework() -> None:
    code = (
        "import argparse, sys, rnninspect.train as t; t.add_arguments(argparse.ArgumentParser());"
        "print([m for m in ('keras', 'tensorflow', 'jax', 'torch') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
