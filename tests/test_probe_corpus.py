"""`probe` on every program of the real-program corpus (tests/models/real/, issue 10): it
either gives per-step values for each cell or says in one line why it cannot — a note naming
the cells it has no values for (a while loop it could not unroll, a conditional), or exit 2
with one line. Never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import corpus_share, run_cli
from tests.truth import literal_truth

REAL = Path(__file__).parent / "models" / "real"
PROGRAMS = sorted(p.stem for p in REAL.glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("program", corpus_share(PROGRAMS, part=1))
def test_probe_gives_values_or_one_line(program: str) -> None:
    code, out, err = run_cli(["probe", f"{REAL / program}.py:build", "--format", "json"])
    assert "Traceback" not in err
    if code == 2:
        assert out == "" and len(err.strip().splitlines()) == 1, err
        return
    assert code == 0, err
    doc = json.loads(out)
    truth = literal_truth((REAL / f"{program}.py").read_text(encoding="utf-8"))
    labels = {v["cell"] for v in truth["variables"].values() if v.get("cell") is not None}
    # every cell of the program is probed or named as not (the analysis may split one more)
    assert len(doc["cells"]) + len(doc["dynamic"]) >= len(labels)
    for cell in doc["cells"]:
        assert cell["steps"], cell["cell"]
        for step in cell["steps"]:
            assert step["gates"] or step["h_norm"] is not None, (cell["cell"], step["step"])
    for name in doc["dynamic"]:
        assert any(name in note and "no per-step values" in note for note in doc["notes"])
