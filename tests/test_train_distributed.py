"""Multi-worker training on 127.0.0.1 (issue 24): two worker processes give the losses of one
process with the same global batch; a worker killed mid-run stops the other with one line in
bounded time; --resume then continues exactly. Each child is the real CLI; a spy writes the
per-step losses of `Trainer.run` to $LOSSES_OUT."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import free_ports

pytest.importorskip("keras")

CHILD = """
import json, os, sys
import rnninspect.train.loop as loop
run = loop.Trainer.run
def spy(self):
    result = run(self)
    with open(os.environ["LOSSES_OUT"], "w") as f:
        json.dump(result.losses, f)
    return result
loop.Trainer.run = spy
from rnninspect.cli import main
sys.exit(main(["train", *sys.argv[1:]]))
"""
TINY = ["ptb", "--hidden", "16", "--layers", "1", "--num-steps", "5", "--batch", "8",
        "--epochs", "1", "--device", "cpu", "--seed", "3"]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 30-word PTB directory: 105 training steps, 10 evaluation steps per split."""
    where = tmp_path_factory.mktemp("ptb")
    rng = np.random.default_rng(0)
    for split, n in (("train", 4200), ("valid", 440), ("test", 440)):
        ids = rng.integers(0, 30, n)
        lines = [" ".join(f"w{i}" for i in ids[k : k + 20]) for k in range(0, n, 20)]
        (where / f"ptb.{split}.txt").write_text("\n".join(lines) + "\n")
    return where



def launch(args: list[str], losses: Path, backend: str) -> subprocess.Popen[str]:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3",
           "LOSSES_OUT": str(losses)}
    env.pop("TF_CONFIG", None)
    return subprocess.Popen([sys.executable, "-c", CHILD, *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def cluster(args: list[str], tmp: Path, backend: str,
            own: tuple[list[str], ...] = ([], [])) -> list[subprocess.Popen[str]]:
    """One worker per entry of `own` (that worker's own extra arguments)."""
    spec = ",".join(f"127.0.0.1:{p}" for p in free_ports(len(own)))
    return [launch([*args, *extra, "--workers", spec, "--worker-index", str(i),
                    "--peer-timeout", "120"], tmp / f"losses{i}.json", backend)
            for i, extra in enumerate(own)]


def wait_all(children: list[subprocess.Popen[str]]) -> list[str]:
    errs = [child.communicate(timeout=400)[1] for child in children]
    for child, err in zip(children, errs, strict=True):
        assert child.returncode == 0, err[-3000:]
    return errs


def losses(path: Path) -> list[float]:
    return json.loads(path.read_text())  # type: ignore[no-any-return]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_two_workers_match_one_process(backend: str, data: Path, tmp_path: Path) -> None:
    if backend == "jax":
        pytest.importorskip("jax")
    from rnninspect.train import checkpoint as ckpt

    args = [*TINY, "--data", str(data), "--max-steps", "20"]
    wait_all([launch(args, tmp_path / "one.json", backend)])
    chief_dir, other_dir = tmp_path / "chief", tmp_path / "other"
    # Each worker its own --checkpoint: only the chief's holds a checkpoint afterwards.
    own = (["--checkpoint", str(chief_dir)], ["--checkpoint", str(other_dir)])
    wait_all(cluster(args, tmp_path, backend, own))
    one = losses(tmp_path / "one.json")
    two = [losses(tmp_path / f"losses{i}.json") for i in range(2)]
    assert len(one) == 20 and two[0] == two[1]
    assert two[0] == pytest.approx(one, rel=1e-5)
    assert ckpt.read_meta(chief_dir)["workers"] == 2  # type: ignore[index]
    assert not (other_dir / ckpt.CHECKPOINT).exists()


@pytest.mark.slow
def test_killed_worker_stops_the_other_and_resume_continues(data: Path, tmp_path: Path) -> None:
    from rnninspect.train import checkpoint as ckpt

    args = [*TINY, "--data", str(data), "--max-steps", "60"]
    wait_all([launch(args, tmp_path / "one.json", "tensorflow")])
    reference = losses(tmp_path / "one.json")
    run_dir = tmp_path / "run"
    chief, other = cluster([*args, "--checkpoint", str(run_dir), "--checkpoint-every", "2"],
                           tmp_path, "tensorflow")
    try:
        deadline = time.monotonic() + 300
        while (ckpt.read_meta(run_dir) or {"position": {"step": 0}})["position"]["step"] < 6:
            assert time.monotonic() < deadline and chief.poll() is None, "no checkpoint"
            time.sleep(0.1)
        other.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        _, err = chief.communicate(timeout=60)
        took = time.monotonic() - killed
    finally:
        for child in (chief, other):
            if child.poll() is None:
                child.kill()
            child.communicate()
    lines = [line for line in err.splitlines() if line.startswith("rnninspect:")]
    assert chief.returncode == 1 and took < 30, err[-3000:]
    assert len(lines) == 1 and "worker 1" in lines[0] and "stopped before the run" in lines[0]
    step = ckpt.read_meta(run_dir)["position"]["step"]  # type: ignore[index]
    assert 6 <= step < 60
    wait_all(cluster(["ptb", "--resume", str(run_dir), "--device", "cpu"], tmp_path,
                     "tensorflow"))
    resumed = [losses(tmp_path / f"losses{i}.json") for i in range(2)]
    assert resumed[0] == resumed[1]
    assert resumed[0] == pytest.approx(reference[step:], rel=1e-5)
