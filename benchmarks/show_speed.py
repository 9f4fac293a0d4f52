"""How much rnninspect adds on top of TensorFlow, and how fast the CLI starts.

(a) For ptb (2 layers, hidden 200) at num_steps 35, 140, 560: TensorFlow's own build +
    trace time vs rnninspect's analysis + rendering time, side by side in one run.
    Goal: ratio ≤ 0.10 at every size, growing linearly.
(b) Wall time of `rnninspect --help` and `rnninspect models` (goal ≤ 0.5 s: no TensorFlow).

Run: .venv/bin/python benchmarks/show_speed.py [--dialect keras|legacy] [--steps 35 140 560]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table


def cli_seconds(args: list[str], repeat: int = 5) -> float:
    exe = Path(sys.executable).with_name("rnninspect")
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([str(exe), *args], check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dialect", default="keras", choices=("keras", "legacy"))
    parser.add_argument("--steps", type=int, nargs="+", default=[35, 140, 560])
    args = parser.parse_args()

    from rnninspect.analysis import analyze
    from rnninspect.render.tables import render_text
    from rnninspect.sources import LoadOptions, load

    load("ptb", LoadOptions(dialect=args.dialect, num_steps=2))  # warm up imports / worker
    table = Table(title=f"ptb ({args.dialect}), hidden 200, 2 layers")
    for col in ("num_steps", "ops", "TF build+trace s", "analysis s", "render s", "ratio"):
        table.add_column(col, justify="right")
    for steps in args.steps:
        start = time.perf_counter()
        traced = load("ptb", LoadOptions(dialect=args.dialect, num_steps=steps))
        tf_seconds = time.perf_counter() - start  # build + trace (+ worker transfer)
        start = time.perf_counter()
        ins = analyze(traced)
        analysis = time.perf_counter() - start
        start = time.perf_counter()
        render_text(ins, width=100)
        ins.to_json()
        render = time.perf_counter() - start
        ratio = (analysis + render) / tf_seconds
        table.add_row(str(steps), f"{ins.op_count:,}", f"{tf_seconds:.2f}", f"{analysis:.3f}",
                      f"{render:.3f}", f"{ratio:.3f}")
    console = Console(width=100)
    console.print(table)

    help_s, models_s = cli_seconds(["--help"]), cli_seconds(["models"])
    cli = Table(title="CLI start-up (best of 5)")
    cli.add_column("command")
    cli.add_column("seconds", justify="right")
    cli.add_column("vs 0.5 s goal", justify="right")
    cli.add_row("rnninspect --help", f"{help_s:.3f}", f"{help_s / 0.5:.2f}")
    cli.add_row("rnninspect models", f"{models_s:.3f}", f"{models_s / 0.5:.2f}")
    console.print(cli)



if __name__ == "__main__":
    main()
