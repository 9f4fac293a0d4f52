"""Benchmark: the HTML report's cost against the trace it renders, and its start-up in
headless Chromium.

Goals (issue 14): report generation ≤ 10% of the trace time for ptb at T = 35/140/560;
the page interactive within 1 s (DOMContentLoaded, then a first highlight); the page
≤ 1 MB for ptb at T = 1000.

    .venv/bin/python benchmarks/report_speed.py             # T = 35, 140, 560
    .venv/bin/python benchmarks/report_speed.py --steps 35 1000 --no-browser

"Trace" is `rnninspect.inspect("ptb", num_steps=T)` (build, trace, analyze), timed after
one warm-up trace so TensorFlow's import is not counted. "Report" is `report_html`
(diagrams rendered by dot, best of --repeat).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from rnninspect import inspect
from rnninspect.render.report import report_html


def browser_timings(page: Path) -> tuple[float, float] | None:
    """(DOMContentLoaded end, ms after navigation start; first highlight, ms) or None."""
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        return None
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,800"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        driver.get(page.as_uri())
        result: Any = driver.execute_script(
            "const nav = performance.getEntriesByType('navigation')[0];"
            "const t0 = performance.now();"
            "document.querySelector('#vars tbody tr[data-var=\"1\"] td').click();"
            "const n = document.querySelectorAll('g.hl').length;"
            "return [nav.domContentLoadedEventEnd, performance.now() - t0, n];")
        assert result[2] > 0, "nothing was highlighted"
        return float(result[0]), float(result[1])
    finally:
        driver.quit()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--steps", type=int, nargs="+", default=[35, 140, 560])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--no-browser", action="store_true")
    args = p.parse_args(argv)
    inspect("ptb", num_steps=5)  # warm-up: imports TensorFlow
    print(f"{'T':>5} {'trace s':>8} {'report s':>9} {'ratio':>6} {'page KiB':>9} "
          f"{'DCL ms':>7} {'highlight ms':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        for t in args.steps:
            t0 = time.perf_counter()
            ins = inspect("ptb", num_steps=t)
            trace = time.perf_counter() - t0
            best, page = float("inf"), ""
            for _ in range(args.repeat):
                t1 = time.perf_counter()
                page = report_html(ins)
                best = min(best, time.perf_counter() - t1)
            path = Path(tmp) / f"ptb_{t}.html"
            path.write_text(page, encoding="utf-8")
            timings = None if args.no_browser else browser_timings(path)
            dcl, hl = ("-", "-") if timings is None else (f"{timings[0]:.0f}", f"{timings[1]:.1f}")
            print(f"{t:>5} {trace:>8.2f} {best:>9.3f} {best / trace:>6.1%} "
                  f"{len(page.encode()) / 1024:>9.0f} {dcl:>7} {hl:>13}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
