"""Training for real on tiny data: loss falls, the entropy bound, resume, NaN, --require-gpu."""

from __future__ import annotations

import argparse
import io
import math
import signal
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console

keras = pytest.importorskip("keras")

from rnninspect.errors import RnnInspectError  # noqa: E402
from rnninspect.train import add_arguments, run  # noqa: E402
from rnninspect.train import checkpoint as ckpt  # noqa: E402
from rnninspect.train.data import synthetic_corpus  # noqa: E402
from rnninspect.train.mnist_data import synthetic_mnist  # noqa: E402
from rnninspect.train.session import make_trainer, resume  # noqa: E402
from rnninspect.train.workload import Workload  # noqa: E402
from rnninspect.zoo.configs import MNIST_CONFIGS, PTB_CONFIGS  # noqa: E402


def console() -> Console:
    return Console(file=io.StringIO(), width=100, color_system=None)


def ptb_settings(epochs: int = 1, max_steps: int | None = None, **config: Any) -> dict[str, Any]:
    base = {"hidden_size": 24, "num_layers": 1, "num_steps": 8, "batch_size": 10, "keep_prob": 1.0}
    cfg = replace(PTB_CONFIGS["small"], **{**base, **config})
    return {
        "family": "ptb",
        "config_name": "small",
        "config": asdict(cfg),
        "epochs": epochs,
        "max_steps": max_steps,
        "data": None,
        "seed": 1,
        "precision": "fp32",
    }


@pytest.fixture(scope="module")
def corpus() -> Workload:
    return Workload("ptb", synthetic_corpus(24, 3, 24_000, 8_000, seed=2))


@pytest.fixture(autouse=True)
def _fresh_keras() -> None:
    keras.backend.clear_session()


def test_tiny_ptb_reaches_the_entropy_bound(corpus: Workload) -> None:
    out = console()
    result = make_trainer(ptb_settings(epochs=3), out, workload=corpus).run()
    assert result.status == 0
    assert np.mean(result.losses[-20:]) < np.mean(result.losses[:20]) - 1.0
    bound = math.exp(corpus.data.entropy_rate)  # type: ignore[union-attr]
    valid_ppl = math.exp(result.history[-1].valid_loss)  # type: ignore[arg-type]
    # No model can beat the process's own entropy (up to sampling noise of the valid set).
    assert 0.97 * bound < valid_ppl < 1.10 * bound, (valid_ppl, bound)
    assert "valid ppl" in out.file.getvalue()  # type: ignore[attr-defined]


def test_tiny_mnist_loss_falls_and_accuracy_rises() -> None:
    cfg = replace(MNIST_CONFIGS["default"], hidden_size=32, batch_size=64)
    settings = {
        "family": "mnist",
        "config_name": "default",
        "config": asdict(cfg),
        "epochs": 3,
        "max_steps": None,
        "data": None,
        "seed": 0,
        "precision": "fp32",
    }
    work = Workload("mnist", synthetic_mnist(n_train=6400, n_test=512), shuffle_seed=0)
    result = make_trainer(settings, console(), workload=work).run()
    assert result.status == 0
    assert np.mean(result.losses[-5:]) < np.mean(result.losses[:5])
    assert result.history[-1].test_acc > 0.5  # chance is 0.1


def test_mixed_precision_trains(corpus: Workload) -> None:
    settings = {**ptb_settings(max_steps=60), "precision": "mixed"}
    result = make_trainer(settings, console(), workload=corpus).run()
    assert result.status == 0 and result.losses[-1] < result.losses[0]
    assert keras.config.dtype_policy().name == "float32"  # the global policy is restored


def test_resume_gives_the_same_losses(corpus: Workload, tmp_path: Path) -> None:
    # Dropout on, so the restored RNG state matters; the stop is mid-epoch.
    settings = ptb_settings(epochs=2, max_steps=12, keep_prob=0.5)
    straight = make_trainer(settings, console(), workload=corpus).run()
    keras.backend.clear_session()
    trainer = make_trainer(settings, console(), workload=corpus, checkpoint_dir=tmp_path)
    train, calls = trainer.stepper.train, [0]

    def interrupt_after_17(*args: Any) -> Any:  # a real SIGINT, as Ctrl-C sends
        calls[0] += 1
        if calls[0] == 17:
            signal.raise_signal(signal.SIGINT)
        return train(*args)

    trainer.stepper.train = interrupt_after_17  # type: ignore[method-assign]
    first = trainer.run()
    assert first.status == 130 and len(first.losses) == 17
    keras.backend.clear_session()
    second = resume(tmp_path, console(), workload=corpus).run()
    assert second.status == 0
    np.testing.assert_allclose(first.losses + second.losses, straight.losses, rtol=1e-6)
    assert [r.valid_loss for r in second.history] == pytest.approx(
        [r.valid_loss for r in straight.history], rel=1e-6
    )
    loaded = keras.models.load_model(tmp_path / ckpt.MODEL_FILE)
    assert loaded.count_params() == trainer.model.count_params()


def test_nan_loss_stops_and_keeps_last_good_checkpoint(corpus: Workload, tmp_path: Path) -> None:
    out = console()
    settings = ptb_settings(max_steps=50, learning_rate=1e38)  # each step moves weights ~1e38
    result = make_trainer(
        settings, out, workload=corpus, checkpoint_dir=tmp_path, checkpoint_every=1
    ).run()
    assert result.status == 1
    assert "training stopped; last good checkpoint kept" in out.file.getvalue()  # type: ignore[attr-defined]
    snapshot = ckpt.load(tmp_path)
    assert snapshot.meta["position"]["step"] == len(result.losses) >= 1
    assert all(np.isfinite(v).all() for v in snapshot.variables)


def cli_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def test_require_gpu_without_gpu_is_one_clear_error() -> None:
    with pytest.raises(RnnInspectError, match=r"no GPU visible to the \w+ backend") as info:
        run(cli_args("ptb", "--config", "test", "--require-gpu"), console())
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("ptb", "--config", "huge"), "unknown config 'huge' for model 'ptb'"),
        (("mnist", "--layers", "2"), "--layers does not apply to model 'mnist'"),
        (("ptb", "--num-steps", "0"), "--num-steps must be ≥ 1; got 0"),
    ],
)
def test_bad_options_name_the_value(argv: tuple[str, ...], message: str) -> None:
    with pytest.raises(RnnInspectError, match=message):
        run(cli_args(*argv), console())


def test_resume_without_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(RnnInspectError, match=r"no checkpoint\.npz there"):
        run(cli_args("ptb", "--resume", str(tmp_path)), console())
