"""Benchmark: `rnninspect grads MODEL` end to end beside `rnninspect show MODEL`.

Goal (issue 12, item 7): grads within 2x of show. Both run as fresh processes, exactly as a
user types them (TensorFlow import, the TF1 worker, tracing, analysis, rendering), so the
ratio is what a user waits on a first run: `--no-cache` on both (a cached `show` returns in a
fraction of a second; benchmarks/warm_speed.py measures that). Best of `--repeat` runs each,
interleaved. A user program works too, e.g. a while loop taken through its unrolled twin:

    .venv/bin/python benchmarks/grads_speed.py                 # ptb (TF1 dialect)
    .venv/bin/python benchmarks/grads_speed.py --dialect keras --repeat 3
    .venv/bin/python benchmarks/grads_speed.py tests/models/real/dynamic_rnn_seqlen.py:build
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(argv: list[str]) -> float:
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "rnninspect", *argv], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.strip().splitlines()[-1:]}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model", nargs="?", default="ptb")
    p.add_argument("--dialect", default=None)
    p.add_argument("--repeat", type=int, default=2)
    args = p.parse_args(argv)
    extra = ["--no-cache", *(["--dialect", args.dialect] if args.dialect else [])]
    show = grads = float("inf")
    for _ in range(args.repeat):
        show = min(show, run(["show", args.model, *extra]))
        grads = min(grads, run(["grads", args.model, *extra]))
    ratio = grads / show
    width = max(28, len(args.model) + 8)
    print(f"{'command':<{width}}{'seconds (best of ' + str(args.repeat) + ')':>24}")
    print(f"{'show ' + args.model:<{width}}{show:>24.2f}")
    print(f"{'grads ' + args.model:<{width}}{grads:>24.2f}")
    print(f"grads / show = {ratio:.2f}x (goal ≤ 2x: {'met' if ratio <= 2 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
