"""Multi-worker training, bad input (issue 24): an unreachable peer, a duplicate index, a port
in use, a mismatched worker count on resume, a backend without multi-process support, a bad
cluster spec. Each: one line, exit 2, within seconds, nothing written to the checkpoint
directory. These runs stop before Keras is imported."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rnninspect.train import checkpoint as ckpt
from rnninspect.train.rendezvous import _ask_registered
from tests.helpers import free_ports

QUICK_S = 20.0  # "within seconds" on a loaded 2-core machine, Python start-up included



def start(args: list[str], backend: str = "tensorflow") -> subprocess.Popen[str]:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("TF_CONFIG", None)
    return subprocess.Popen(
        [sys.executable, "-m", "rnninspect", "train", "ptb", "--device", "cpu", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finish(child: subprocess.Popen[str], started: float) -> tuple[int, str, float]:
    _, err = child.communicate(timeout=60)
    return child.returncode, err, time.monotonic() - started


def refused(args: list[str], tmp_path: Path, backend: str = "tensorflow") -> str:
    """Run a worker that must fail fast: the one error line (and nothing written)."""
    target = tmp_path / "ck"
    begun = time.monotonic()
    code, err, took = finish(start([*args, "--checkpoint", str(target)], backend), begun)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err[-2000:]
    assert len(lines) == 1 and lines[0].startswith("rnninspect: error: "), err[-2000:]
    assert took < QUICK_S
    assert not target.exists()
    return lines[0]


def workers(ports: list[int]) -> str:
    return ",".join(f"127.0.0.1:{p}" for p in ports)


def test_unreachable_chief_times_out(tmp_path: Path) -> None:
    line = refused(["--workers", workers(free_ports(2)), "--worker-index", "1",
                    "--peer-timeout", "2"], tmp_path)
    assert "cannot reach the chief" in line and "within 2 s" in line


def test_missing_worker_times_out_on_the_chief(tmp_path: Path) -> None:
    line = refused(["--workers", workers(free_ports(2)), "--worker-index", "0",
                    "--peer-timeout", "2"], tmp_path)
    assert "worker 1" in line and "did not check in" in line


def test_port_in_use(tmp_path: Path) -> None:
    ports = free_ports(2)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ports[1]))
        squatter.listen()
        line = refused(["--workers", workers(ports), "--worker-index", "1",
                        "--peer-timeout", "5"], tmp_path)
    assert f"127.0.0.1:{ports[1]} is in use" in line


def test_duplicate_index(tmp_path: Path) -> None:
    ports = free_ports(3)  # worker 2 never comes: the chief keeps waiting
    spec = ["--workers", workers(ports), "--peer-timeout", "30"]
    chief = start([*spec, "--worker-index", "0"])
    first = start([*spec, "--worker-index", "1"])
    try:
        deadline = time.monotonic() + 30
        while not _ask_registered(f"127.0.0.1:{ports[0]}", 1):
            assert time.monotonic() < deadline, "worker 1 never checked in"
            time.sleep(0.2)
        line = refused([*spec, "--worker-index", "1"], tmp_path)
        assert "duplicate --worker-index 1" in line
    finally:
        for child in (chief, first):
            child.kill()
            child.communicate()


def test_mismatched_list_stops_chief_and_worker(tmp_path: Path) -> None:
    ports = free_ports(3)
    chief = start(["--workers", workers(ports[:2]), "--worker-index", "0", "--peer-timeout", "15"])
    begun = time.monotonic()
    line = refused(["--workers", workers([ports[0], ports[2]]), "--worker-index", "1",
                    "--peer-timeout", "15"], tmp_path)
    assert "give every worker the same list" in line
    code, err, took = finish(chief, begun)
    assert code == 2 and "give every worker the same list" in err and took < QUICK_S


def fake_run(directory: Path, workers: int) -> bytes:
    meta = {"settings": {"family": "ptb"}, "position": {"epoch": 0, "step": 3}}
    if workers > 1:
        meta["workers"] = workers
    ckpt.save(directory, ckpt.Snapshot(meta, [np.zeros(2, np.float32)], None))
    return (directory / ckpt.CHECKPOINT).read_bytes()


@pytest.mark.parametrize(("trained", "now"), [(2, 1), (2, 3), (1, 2)])
def test_resume_with_another_worker_count(tmp_path: Path, trained: int, now: int) -> None:
    run_dir = tmp_path / "run"
    before = fake_run(run_dir, trained)
    spec = ["--workers", workers(free_ports(now)), "--worker-index", "0"] if now > 1 else []
    begun = time.monotonic()
    code, err, took = finish(start(["--resume", str(run_dir), *spec]), begun)
    assert code == 2 and took < QUICK_S, err[-2000:]
    assert f"trained by {trained} worker" in err and f"this one has {now}" in err
    assert sorted(p.name for p in run_dir.iterdir()) == [ckpt.CHECKPOINT]
    assert (run_dir / ckpt.CHECKPOINT).read_bytes() == before


def test_torch_backend_refuses_several_workers(tmp_path: Path) -> None:
    line = refused(["--workers", workers(free_ports(2)), "--worker-index", "0"], tmp_path,
                   backend="torch")
    assert "one process only" in line


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--workers", "127.0.0.1", "--worker-index", "0"], "is not HOST:PORT"),
        (["--workers", "a:1,a:1", "--worker-index", "0"], "names a:1 twice"),
        (["--workers", "a:1,b:1", "--worker-index", "2"], "--worker-index must be 0..1"),
        (["--worker-index", "1"], "--worker-index needs --workers"),
    ],
)
def test_bad_cluster_spec(tmp_path: Path, args: list[str], says: str) -> None:
    assert says in refused(args, tmp_path)


def test_bad_tf_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rnninspect.cli import main

    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"ps": ["a:1"]}, "task": {}}))
    assert main(["train", "ptb", "--checkpoint", str(tmp_path / "ck")]) == 2
    assert not (tmp_path / "ck").exists()
