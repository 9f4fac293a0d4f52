"""One cell applied to separate inputs (twin towers) is one cell with an `unresolved` note
(copies or one layer applied twice is not decided); one applied to parts of one input
(TimeDistributed's rows) is one cell with nothing unresolved. Neither is a layer sharing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

REAL = Path(__file__).parent / "models" / "real"


def _inspect(program: str) -> dict[str, Any]:
    from rnninspect import inspect

    result: dict[str, Any] = inspect(f"{REAL}/{program}.py:build", cache=False).to_dict()
    return result


def test_twin_towers_are_one_cell_with_the_reading_left_open() -> None:
    got = _inspect("siamese_lstm")
    kinds = {f["kind"]: f for f in got["findings"]}
    assert "shared_across_layers" not in kinds
    assert sorted(kinds["unresolved"]["variables"]) == sorted(
        f"encoder/lstm_cell/{w}" for w in ("kernel", "recurrent_kernel", "bias"))
    assert "left" in kinds["unresolved"]["message"] and "right" in kinds["unresolved"]["message"]
    assert len(got["cells"]) == 1 and got["layers"] == 1


@pytest.mark.parametrize("program", ["row_col_lstm", "textbook_lstm", "scan_stack"])
def test_one_input_leaves_nothing_open(program: str) -> None:
    got = _inspect(program)
    assert not [f for f in got["findings"] if f["kind"] in ("unresolved", "shared_across_layers")]
