"""The same training code on Keras 3's JAX backend: it learns, and never imports TensorFlow."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("jax")

SCRIPT = r"""
import io, json, math, sys
import numpy as np
from dataclasses import asdict, replace
from rich.console import Console
from rnninspect.train.data import synthetic_corpus
from rnninspect.train.session import make_trainer
from rnninspect.train.workload import Workload
from rnninspect.zoo.configs import PTB_CONFIGS

cfg = replace(PTB_CONFIGS["small"], hidden_size=24, num_layers=1, num_steps=8, batch_size=10,
              keep_prob=1.0)
settings = {"family": "ptb", "config_name": "small", "config": asdict(cfg), "epochs": 3,
            "max_steps": None, "data": None, "seed": 1, "precision": "fp32"}
corpus = Workload("ptb", synthetic_corpus(24, 3, 24_000, 8_000, seed=2))
out = Console(file=io.StringIO(), width=100, color_system=None)
result = make_trainer(settings, out, workload=corpus).run()
import keras
print(json.dumps({
    "status": result.status,
    "first": float(np.mean(result.losses[:20])),
    "last": float(np.mean(result.losses[-20:])),
    "valid_ppl": math.exp(result.history[-1].valid_loss),
    "bound": math.exp(corpus.data.entropy_rate),
    "backend": keras.backend.backend(),
    "tensorflow_imported": "tensorflow" in sys.modules,
}))
"""


def test_tiny_ptb_trains_on_jax_without_tensorflow():
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    r = json.loads(done.stdout.strip().splitlines()[-1])
    assert r["backend"] == "jax" and not r["tensorflow_imported"]
    assert r["status"] == 0 and r["last"] < r["first"] - 1.0
    assert 0.97 * r["bound"] < r["valid_ppl"] < 1.10 * r["bound"], r
