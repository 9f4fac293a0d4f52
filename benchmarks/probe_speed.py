"""Benchmark: `rnninspect probe MODEL` beside `rnninspect show MODEL` + one forward pass.

Goal (issue 22): probe ≤ 2× (show + one forward pass). `show` and `probe` run as fresh
processes, as a user types them (`--no-cache` on show); the forward pass is the model's own
graph run once in a fresh TF1 process (initialise the weights, one session run of its
outputs on a random batch; the build is not counted: `show` already builds it). Built-in
models, TF1 dialect. Best of `--repeat` runs each, interleaved:

    .venv/bin/python benchmarks/probe_speed.py            # ptb, small config
    .venv/bin/python benchmarks/probe_speed.py mnist --repeat 3
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env(**extra: str) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
                **extra)


def run(argv: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "rnninspect", *argv], env=_env(), cwd=ROOT,
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.strip().splitlines()[-1:]}")
    return seconds


def forward(model: str) -> float:
    """Seconds of one forward pass, measured in a fresh TF1 process (`--forward`)."""
    done = subprocess.run([sys.executable, __file__, model, "--forward"], cwd=ROOT, check=False,
                          env=_env(TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="2"),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"forward pass of {model} failed: {done.stderr.strip()[-300:]}")
    return float(done.stdout.strip().splitlines()[-1])


def time_forward(model: str) -> float:
    import numpy as np
    import tensorflow as tf

    from rnninspect import zoo

    entry = zoo.get(model)
    config = entry.config(None, {})
    built = entry.build(config, "legacy", 0)
    graph = built.graph
    with graph.as_default():
        init = tf.compat.v1.global_variables_initializer()
    outputs = [graph.get_operation_by_name(o).outputs[0] for o in built.outputs]
    rng = np.random.default_rng(0)
    feed = {}
    for name in built.inputs:
        t = graph.get_tensor_by_name(f"{name}:0")
        shape = [d or 2 for d in t.shape.as_list()]
        feed[t] = (rng.integers(0, entry.int_high(config), shape) if t.dtype.is_integer
                   else rng.standard_normal(shape)).astype(t.dtype.as_numpy_dtype)
    start = time.perf_counter()
    with tf.compat.v1.Session(graph=graph) as session:
        session.run(init)
        session.run(outputs, feed)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("model", nargs="?", default="ptb")
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--forward", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.forward:
        print(f"{time_forward(args.model):.4f}")
        return 0
    show = probe = fwd = float("inf")
    for _ in range(args.repeat):
        show = min(show, run(["show", args.model, "--no-cache"]))
        fwd = min(fwd, forward(args.model))
        probe = min(probe, run(["probe", args.model]))
    ratio = probe / (show + fwd)
    width = max(28, len(args.model) + 16)
    print(f"{'command':<{width}}{'seconds (best of ' + str(args.repeat) + ')':>24}")
    print(f"{'show ' + args.model:<{width}}{show:>24.2f}")
    print(f"{'forward pass ' + args.model:<{width}}{fwd:>24.2f}")
    print(f"{'probe ' + args.model:<{width}}{probe:>24.2f}")
    print(f"probe / (show + forward) = {ratio:.2f}x "
          f"(goal ≤ 2x: {'met' if ratio <= 2 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
