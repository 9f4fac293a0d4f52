"""Run fuzz cases in child processes (`child`), so that a case that kills its process (a
TensorFlow CHECK failure, a segfault, an out-of-memory kill) or hangs is recorded as such and
the next case runs in a fresh child. Returns one result per case, with its violations."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.fuzz.cases import Case, all_cases, violations

ROOT = Path(__file__).resolve().parents[2]
CASE_LIMIT_S = 60.0  # a case that takes longer hangs (the largest seed loads in ~2 s)


def _child(args: list[str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    """The child, in its own session (killed as a group), its own output to `log` (a file,
    not a pipe: nothing it prints can block it)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), KERAS_BACKEND="tensorflow",
               RNNINSPECT_CACHE_DIR=str(cwd / "cache"))
    with log.open("wb") as output:
        return subprocess.Popen([sys.executable, "-m", *args], cwd=cwd, env=env,
                                stdout=subprocess.DEVNULL, stderr=output,
                                start_new_session=True)


def _read(results: Path) -> list[dict[str, Any]]:
    if not results.exists():
        return []
    return [json.loads(line) for line in results.read_text().splitlines() if line.strip()]


def run(root: Path, cases: list[Case], seed: int, variants: int,
        limit_s: float = CASE_LIMIT_S) -> list[dict[str, Any]]:
    """Run `cases` (from `all_cases(variants)`) under `root`; each result carries its
    `violations`."""
    root.mkdir(parents=True, exist_ok=True)
    results = root / "results.jsonl"
    results.unlink(missing_ok=True)
    by_index = {c.index: c for c in cases}
    todo = [c.index for c in cases]
    done: dict[int, dict[str, Any]] = {}
    while todo:
        child = _child(["tests.fuzz.child", str(root), str(results), str(seed),
                        str(variants), *map(str, todo)], root, root / "child.log")
        started: int | None = None
        started_at = time.time()
        killed = False
        while child.poll() is None:
            time.sleep(0.2)
            events = _read(results)
            starts = [e for e in events if "start" in e]
            if starts and starts[-1]["start"] not in done and starts[-1]["start"] in by_index:
                started, started_at = starts[-1]["start"], starts[-1]["at"]
            for e in events:
                if "case" in e:
                    done.setdefault(e["case"], e)
            if started is not None and started not in done and \
                    time.time() - started_at > limit_s:
                os.killpg(child.pid, signal.SIGKILL)
                killed = True
        child.wait()
        err = (root / "child.log").read_bytes()
        for e in _read(results):
            if "case" in e:
                done.setdefault(e["case"], e)
        starts = [e["start"] for e in _read(results) if "start" in e]
        last = starts[-1] if starts else None
        if last is not None and last not in done:  # it died (or hung) in this case
            kind = "hang" if killed else "crash"
            done[last] = {"case": last, "label": by_index[last].label(), "status": None,
                          "returncode": child.returncode,
                          "stderr": err.decode(errors="replace")[-2000:], "dead": kind}
        elif child.returncode != 0 and last is None:
            raise RuntimeError(f"the fuzz child failed before any case: {err.decode()[-2000:]}")
        todo = [i for i in todo if i not in done]
    out = []
    for case in cases:
        result = done[case.index]
        result["violations"] = [result["dead"]] if "dead" in result else \
            violations(case, result, result["spec"])
        out.append(result)
    return out


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    from collections import Counter

    kinds = Counter(v for r in results for v in r["violations"])
    return {"cases": len(results), "violating": sum(1 for r in results if r["violations"]),
            "by_kind": dict(sorted(kinds.items())),
            "refused": sum(1 for r in results if r.get("status") == 2),
            "loaded": sum(1 for r in results if r.get("status") == 0)}


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.fuzz",
                                     description="Fuzz every file form rnninspect loads.")
    parser.add_argument("root", type=Path, help="a scratch folder (seeds and cases go there)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--variants", type=int, default=1,
                        help="variants per (form, mutation); commands rotate over them")
    parser.add_argument("--only", default="", help="only cases whose label contains this")
    parser.add_argument("--limit", type=float, default=CASE_LIMIT_S,
                        help="seconds a case may take before it counts as a hang")
    args = parser.parse_args()
    cases = [c for c in all_cases(args.variants) if args.only in c.label()]
    results = run(args.root, cases, args.seed, args.variants, args.limit)
    for r in results:
        if r["violations"]:
            line = (r.get("stderr") or "").strip().splitlines()[-1:] or [""]
            print(f"{r['label']}: {','.join(r['violations'])} (status {r.get('status')}, "
                  f"{r.get('seconds')} s) {line[0][:300]}")
    print(json.dumps(summary(results)))
