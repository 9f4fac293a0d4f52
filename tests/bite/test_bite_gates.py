"""Gate column blocks exactly: each gate's columns are one contiguous block of units, in the
order of the split, as integers."""

from __future__ import annotations

from rnninspect.model import GateBlock, Inspection
from tests.models.forms import keras_forms as kf


def _blocks(names: str, width: int) -> tuple[GateBlock, ...]:
    return tuple(GateBlock(g, (k * width, (k + 1) * width)) for k, g in enumerate(names))


def _check(ins: Inspection, name: str, names: str, width: int) -> None:
    gates = ins.variable(name).gates
    assert gates == _blocks(names, width), name
    assert gates is not None and all(type(c) is int for g in gates for c in g.columns), name


def test_tf1_lstm_gates(fresh) -> None:
    ins = fresh("ptb", dialect="legacy", config="test", num_steps=3, layers=2)
    h = ins.cells[0].units
    assert h is not None and h > 1
    for k in (0, 1):
        name = f"model/RNN/multi_rnn_cell/cell_{k}/basic_lstm_cell/kernel"
        _check(ins, name, "ijfo", h)


def test_keras_lstm_gates(fresh) -> None:
    ins = fresh("ptb", dialect="keras", config="test", num_steps=3, layers=1)
    h = ins.cells[0].units
    assert h is not None and h > 1
    for name in ("kernel", "recurrent_kernel"):
        _check(ins, f"lstm_cell_0/{name}", "ifco", h)


def test_tf1_gru_gates(fresh_form) -> None:
    ins = fresh_form("static_gru", 2)
    _check(ins, "rnn/gru_cell/gates/kernel", "ru", 5)
    assert ins.cells[0].units == 5


def test_keras_gru_gates(fresh_keras) -> None:
    ins = fresh_keras("gru_form", lambda: kf.gru(False))
    kernels = [v for v in ins.variables if v.name.endswith("kernel") and v.cell is not None]
    assert len(kernels) == 2
    for v in kernels:
        _check(ins, v.name, "zrh", v.shape[1] // 3)
