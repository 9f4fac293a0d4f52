"""Issue 23 items 6 and 7: SIGTERM and SIGHUP stop `train` like Ctrl-C (finish the step, save
the checkpoint, exit 143 / 129) and `--resume` continues; one run per --checkpoint directory
(an exclusive lock holding the owner's pid; a dead owner's lock is taken over)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from rnninspect.cli import main
from rnninspect.train.lock import LOCK_FILE, CheckpointInUseError, RunLock, check_free
from rnninspect.train.stop import STOP

TINY = ["ptb", "--hidden", "16", "--layers", "1", "--num-steps", "5", "--epochs", "1",
        "--device", "cpu"]


def train(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    code = main(["train", *argv], console=Console(file=io.StringIO()),
                err_console=Console(file=err, width=400, color_system=None))
    return code, err.getvalue()


# --- the stop request ------------------------------------------------------------------------


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129),
                                                (signal.SIGINT, 130)])
def test_a_signal_requests_a_stop_with_its_status(signum: int, status: int) -> None:
    before = signal.getsignal(signum)
    with STOP as stop:
        assert not stop.requested
        os.kill(os.getpid(), signum)
        time.sleep(0.01)  # the handler runs between bytecodes of the main thread
        assert stop.requested and stop.status == status
        assert stop.name == signal.Signals(signum).name
    assert signal.getsignal(signum) == before  # restored


def test_nested_use_keeps_the_request_and_a_new_run_starts_clean() -> None:
    with STOP:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.01)
        with STOP as inner:  # the loop inside the command
            assert inner.requested
        assert STOP.requested  # still, until the command ends
    with STOP as again:
        assert not again.requested


def test_a_second_ctrl_c_aborts() -> None:
    with STOP, pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.01)


# --- the lock --------------------------------------------------------------------------------


def test_a_second_run_on_one_directory_is_refused(tmp_path: Path) -> None:
    with RunLock(tmp_path):
        assert (tmp_path / LOCK_FILE).read_text() == f"{os.getpid()}\n"
        with pytest.raises(CheckpointInUseError) as raised:
            check_free(tmp_path)
        message = str(raised.value)
        assert f"pid {os.getpid()}" in message and str(tmp_path) in message
        assert "\n" not in message
    assert not (tmp_path / LOCK_FILE).exists()  # released and removed
    check_free(tmp_path)


def test_the_lock_of_a_dead_run_is_taken_over(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    (tmp_path / LOCK_FILE).write_text(dead.stdout)  # as a SIGKILLed run leaves it
    with RunLock(tmp_path):
        assert (tmp_path / LOCK_FILE).read_text() == f"{os.getpid()}\n"


HOLD = """
import sys, time
from pathlib import Path
from rnninspect.train.lock import RunLock
with RunLock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_run_held_by_another_process_is_refused_by_the_cli(tmp_path: Path) -> None:
    with subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)],
                          stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "held\n"
            code, err = train(*TINY, "--checkpoint", str(tmp_path))
            lines = err.strip().splitlines()
            assert code == 2 and len(lines) == 1, err
            assert f"in use by another `rnninspect train` (pid {holder.pid}" in lines[0]
            code, err = train(*TINY, "--checkpoint", str(tmp_path), "--overwrite")
            assert code == 2 and "in use" in err  # --overwrite does not take a live run's place
        finally:
            holder.kill()
    check_free(tmp_path)  # the kernel dropped the dead holder's lock


def test_resume_of_a_directory_without_a_checkpoint_does_not_blame_the_user(
        tmp_path: Path) -> None:
    code, err = train("ptb", "--resume", str(tmp_path))
    assert code == 2
    assert "stopped before its first checkpoint" in err and "train with --checkpoint)" not in err


# --- a real run, signalled -------------------------------------------------------------------


def env() -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"}


@pytest.mark.slow  # two real runs (Keras start-up, compiled steps): about a minute
def test_sigterm_saves_exits_143_and_resume_continues(tmp_path: Path) -> None:
    from rnninspect.train import checkpoint as ckpt

    run_dir = tmp_path / "run"
    with subprocess.Popen(
        [sys.executable, "-m", "rnninspect", "train", *TINY, "--max-steps", "400",
         "--log-every", "1", "--checkpoint", str(run_dir)],
        env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout is not None
            deadline = time.monotonic() + 240
            for line in child.stdout:  # one plain line per step once training runs
                if "step 3/" in line or time.monotonic() > deadline:
                    break
            assert not (run_dir / ckpt.CHECKPOINT).exists()  # no periodic checkpoint yet
            code, err = train(*TINY, "--checkpoint", str(run_dir))  # item 7, for real
            assert code == 2 and f"pid {child.pid}" in err, err
            child.send_signal(signal.SIGTERM)
            rest, _ = child.communicate(timeout=120)
        finally:
            if child.poll() is None:
                child.kill()
    assert child.returncode == 143, rest
    assert "interrupted by SIGTERM" in rest and f"--resume {run_dir}" in rest
    saved = ckpt.load(run_dir)
    stopped_at = saved.meta["position"]["step"]
    assert 3 <= stopped_at < 400
    assert (run_dir / ckpt.MODEL_FILE).is_file()
    assert not (run_dir / LOCK_FILE).exists()
    resumed = subprocess.run(
        [sys.executable, "-m", "rnninspect", "train", "ptb", "--resume", str(run_dir),
         "--device", "cpu", "--log-every", "1"],
        env=env(), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"step {stopped_at + 1}/" in resumed.stdout  # continues, not from the start
    assert "step 1/" not in resumed.stdout
    assert ckpt.load(run_dir).meta["position"]["epoch"] == 1


# --- the loop, in this process ---------------------------------------------------------------


def tiny_trainer(checkpoint_dir: Path) -> object:
    from dataclasses import asdict, replace

    from rnninspect.train.data import synthetic_corpus
    from rnninspect.train.session import make_trainer
    from rnninspect.train.workload import Workload
    from rnninspect.zoo.configs import PTB_CONFIGS

    cfg = replace(PTB_CONFIGS["small"], hidden_size=8, num_layers=1, num_steps=4, batch_size=4,
                  keep_prob=1.0)
    settings = {"family": "ptb", "config_name": "small", "config": asdict(cfg), "epochs": 1,
                "max_steps": 6, "data": None, "seed": 1, "precision": "fp32"}
    work = Workload("ptb", synthetic_corpus(20, 3, 2000, 500, seed=2))
    return make_trainer(settings, Console(file=io.StringIO()), workload=work,
                        checkpoint_dir=checkpoint_dir)


def test_sighup_mid_run_saves_and_exits_129(tmp_path: Path) -> None:
    keras = pytest.importorskip("keras")
    from rnninspect.train import checkpoint as ckpt

    keras.backend.clear_session()
    trainer: Any = tiny_trainer(tmp_path)
    train, calls = trainer.stepper.train, [0]

    def hang_up_after_2(*args: Any) -> Any:
        calls[0] += 1
        if calls[0] == 2:
            signal.raise_signal(signal.SIGHUP)
        return train(*args)

    trainer.stepper.train = hang_up_after_2
    result = trainer.run()
    assert result.status == 129 and len(result.losses) == 2  # the step in flight finished
    assert ckpt.load(tmp_path).meta["position"]["step"] == 2
    assert "interrupted by SIGHUP" in trainer.console.file.getvalue()


def test_a_signal_during_start_up_still_ends_in_a_checkpoint(tmp_path: Path) -> None:
    keras = pytest.importorskip("keras")
    from rnninspect.train import checkpoint as ckpt

    keras.backend.clear_session()
    with STOP:  # as `rnninspect train` holds it from its start
        trainer: Any = tiny_trainer(tmp_path)
        signal.raise_signal(signal.SIGTERM)  # while Keras starts and the model is built
        result = trainer.run()
    assert result.status == 143 and result.losses == []
    position = ckpt.load(tmp_path).meta["position"]
    assert (position["epoch"], position["step"]) == (0, 0)  # `--resume` starts it over
