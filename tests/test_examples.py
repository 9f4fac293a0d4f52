"""The example scripts run and say what they promise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(script: str) -> str:
    result = subprocess.run([sys.executable, str(ROOT / "examples" / script)],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_seed_question_example():
    out = run("seed_question.py")
    assert "== ptb: 4,651,600 parameters, T = 20" in out
    assert "== mnist: 136,586 parameters, T = 28" in out
    assert "an extra input projection outside the cell: ['Variable']" in out
    # row ranges read as `show` writes them (inclusive), never as Python's half-open tuples
    assert "rows 0–199 multiply x_t, rows 200–399 h_t-1" in out
    assert "rows 0–127 multiply x_t, rows 128–255 h_t-1" in out
    assert "(0, 200)" not in out


def test_own_keras_model_example():
    out = run("own_keras_model.py")
    assert "my_lm (keras)" in out and "0–11 (12/12)" in out
