"""Benchmark: unrolled diagram of ptb with num_steps=1000, from Inspection to SVG.

Targets (issue 3): ≤ 5 s from Inspection to SVG at T = 1000, and the SVG at T = 1000
within 1.2x of its size at T = 35. Tracing is not timed (it is TensorFlow's cost, see
DESIGN.md §6); only rnninspect's build (to_dot) and Graphviz's render (save_diagram).

    .venv/bin/python benchmarks/diagram_speed.py            # real traces of ptb
    .venv/bin/python benchmarks/diagram_speed.py --synthetic # hand-built Inspections, no TF
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from rnninspect.model import Inspection
from rnninspect.render.diagram import to_dot
from rnninspect.render.save import save_diagram


def load(num_steps: int, synthetic: bool) -> Inspection:
    if synthetic:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.models.inspections import ptb_like

        return ptb_like(num_steps)
    from rnninspect import inspect

    return inspect("ptb", num_steps=num_steps)


def measure(insp: Inspection, out: Path, repeat: int) -> tuple[float, float, int]:
    """Best-of-`repeat` seconds for build and for build+render, and the SVG size in bytes."""
    build = total = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        g = to_dot(insp, "unrolled")
        t1 = time.perf_counter()
        save_diagram(g, out)
        t2 = time.perf_counter()
        build, total = min(build, t1 - t0), min(total, t2 - t0)
    return build, total, out.stat().st_size


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--synthetic", action="store_true", help="hand-built Inspections (no TensorFlow)"
    )
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for t in (35, 1000):
            t0 = time.perf_counter()
            insp = load(t, args.synthetic)
            trace = time.perf_counter() - t0
            build, total, size = measure(insp, Path(tmp) / f"ptb{t}.svg", args.repeat)
            rows[t] = (trace, build, total, size)
            print(
                f"T={t:>5}: inspect {trace:6.2f} s (not counted) | to_dot {build * 1000:7.1f} ms"
                f" | Inspection→SVG {total:5.2f} s | SVG {size:,} bytes"
            )
    ratio = rows[1000][3] / rows[35][3]
    ok_time, ok_size = rows[1000][2] <= 5.0, ratio <= 1.2
    verdict = "ok" if ok_time else "MISSED"
    print(f"Inspection→SVG at T=1000: {rows[1000][2]:.2f} s (target ≤ 5 s: {verdict})")
    print(f"SVG size T=1000 / T=35: {ratio:.3f}x (target ≤ 1.2x: {'ok' if ok_size else 'MISSED'})")
    return 0 if ok_time and ok_size else 1


if __name__ == "__main__":
    raise SystemExit(main())
