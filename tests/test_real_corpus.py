"""The corpus of real programs (tests/models/real/, issue 10): each program's ground truth,
written from the program before looking at rnninspect's answer, asserted in full.

Every program file holds a literal `EXPECTED` dict (read with `ast`, so the test process never
imports TF1 code). Cases rnninspect gets wrong today are `xfail(strict=True)` with the reason;
a fix that makes one pass turns it red until the mark is removed.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.truth import discrepancies, literal_truth

REAL = Path(__file__).parent / "models" / "real"

# program -> what rnninspect gets wrong today (one line)
KNOWN_WRONG: dict[str, str] = {
    "nmt_attention": "attention V called hidden_to_hidden, not other",
    "siamese_lstm": "twin towers: one encoder on two inputs is one cell, not yet two copies",
}

# programs whose diagrams `dot` cannot render today
DOT_FAILS: dict[str, str] = {
    "seq2seq_loop_function": "unrolled view: a stacked encoder seeding a stacked decoder (two "
    "cells at layer 1) makes dot fail ('trouble in init_rank'), with or without the feedback",
}


def _programs() -> list[str]:
    return sorted(p.stem for p in REAL.glob("*.py") if p.stem != "__init__")


def expected(program: str) -> dict[str, Any]:
    return literal_truth((REAL / f"{program}.py").read_text(encoding="utf-8"))


@cache
def inspection(program: str) -> Any:
    """The Inspection, traced once per session (TF1 programs share the one worker)."""
    from rnninspect import inspect

    return inspect(f"{REAL}/{program}.py:{expected(program)['builder']}")


def inspected(program: str) -> dict[str, Any]:
    result: dict[str, Any] = inspection(program).to_dict()
    return result


def _mark(program: str, table: dict[str, str]) -> Any:
    if program in table:
        return pytest.param(program, marks=pytest.mark.xfail(strict=True, reason=table[program]))
    return program


def test_every_program_has_its_ground_truth() -> None:
    programs = _programs()
    assert len(programs) >= 12
    for program in programs:
        truth = expected(program)
        assert truth["variables"] and truth["mirrors"] and truth["total_params"] > 0, program


@pytest.mark.parametrize("program", [_mark(p, KNOWN_WRONG) for p in _programs()])
def test_ground_truth(program: str) -> None:
    wrong = discrepancies(expected(program), inspected(program))
    assert not wrong, f"{program}: " + "; ".join(wrong)


def test_attention_decoder_calling_a_gru_per_step_is_one_cell_of_four_steps() -> None:
    """nmt_attention is still in KNOWN_WRONG (dead_weight, V's role); what is right already
    must stay right: Keras paths, the per-step GRU calls as steps of the decoder cell (no
    phantom loops), the encoder loop below it, fc the output layer."""
    truth, got = expected("nmt_attention"), inspected("nmt_attention")
    variables = {v["name"]: v for v in got["variables"]}
    assert sorted(variables) == sorted(truth["variables"])
    decoder = {variables[n]["cell"] for n, w in truth["variables"].items()
               if w.get("cell") == "dec"}
    (encoder,) = {variables[n]["cell"] for n, w in truth["variables"].items()
                  if w.get("cell") == "enc"}
    assert len(decoder) == 1 and encoder not in decoder
    assert sorted(c["name"] for c in got["cells"]) == sorted([encoder, *decoder])
    assert all(c["variables"] for c in got["cells"])
    for name in ("gru/gru_cell/kernel", "gru/gru_cell/recurrent_kernel", "attention/W2/kernel"):
        v = variables["decoder/" + name]
        assert v["steps"] == [0, 1, 2, 3] and not v["dynamic"], name
        assert v["role"] == truth["variables"]["decoder/" + name]["role"], name
    layer = {c["name"]: c["layer"] for c in got["cells"]}
    assert layer[next(iter(decoder))] > layer[encoder]
    fc = variables["decoder/fc/kernel"]
    assert (fc["role"], fc["cell"]) == ("hidden_to_output", None)


@pytest.mark.dot
@pytest.mark.parametrize("program", [_mark(p, DOT_FAILS) for p in _programs()])
def test_diagrams_render_with_dot(program: str) -> None:
    dot = shutil.which("dot")
    assert dot is not None
    for view in ("rolled", "unrolled"):
        source = inspection(program).diagram(view).source
        done = subprocess.run([dot, "-Tsvg"], input=source.encode(), capture_output=True,
                              timeout=60, check=False)
        assert done.returncode == 0, f"{view}: {done.stderr.decode().strip()[:200]}"
        assert b"<svg" in done.stdout
