"""Fused RNN ops (rnninspect/analysis/fused.py): a weight's role is the kind of slot it
fills in the op's documented layout, followed back through the ops that pack it; what the
packing hides is `unresolved`, naming the weights, never `no_recurrence` or a guess.

Each program below is a packing people write around `tf.raw_ops` (the truth is written from
the op docs: CudnnRNN's params hold every layer's and direction's input matrices, then its
recurrent matrices, one per gate, then the biases; BlockLSTM / LSTMBlockCell multiply
`concat([x, h_prev])` by `w`; GRUBlockCell multiplies it by `w_ru`, and `concat([x, r * h])`
by `w_c`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

HEADER = '''
import tensorflow as tf

tf1 = tf.compat.v1
T, B, F, U = 4, 2, 3, 5


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [T, B, F], name="x")
        zeros = tf.zeros([B, U])
{body}
        w_out = tf1.get_variable("w_out", [out.shape[-1], 2])
        tf.matmul(out, w_out, name="logits")
    return graph
'''

PROGRAMS = {
    # a recurrent slot filled by a constant: no variable reaches it
    "cudnn_constant_slot": '''
        W = tf1.get_variable("W", [U, F])
        b = tf1.get_variable("b", [2 * U])
        params = tf.concat([tf.reshape(W, [-1]), tf.zeros([U * U]), b], 0)
        h0 = tf.zeros([1, B, U])
        out = tf.raw_ops.CudnnRNN(input=x, input_h=h0, input_c=h0, params=params,
                                  rnn_mode="rnn_tanh").output[-1]
''',
    # 2 layers x 2 directions of a GRU, canonical weights packed by the op that packs them
    "cudnn_bidirectional_canonical": '''
        weights, biases = [], []
        for layer in range(2):
            for d in ("fw", "bw"):
                width = F if layer == 0 else 2 * U
                W = tf1.get_variable(f"l{layer}_{d}/W", [3, U, width])
                R = tf1.get_variable(f"l{layer}_{d}/R", [3, U, U])
                weights += tf.unstack(W) + tf.unstack(R)
                biases += tf.unstack(tf1.get_variable(f"l{layer}_{d}/b", [6, U]))
        params = tf.raw_ops.CudnnRNNCanonicalToParams(
            num_layers=2, num_units=U, input_size=F, weights=weights, biases=biases,
            rnn_mode="gru", direction="bidirectional")
        h0 = tf.zeros([4, B, U])
        out = tf.raw_ops.CudnnRNN(input=x, input_h=h0, input_c=h0, params=params,
                                  rnn_mode="gru", direction="bidirectional").output[-1]
''',
    # the fused kernel written as its input rows and its recurrent rows
    "block_lstm_row_blocks": '''
        Wx = tf1.get_variable("Wx", [F, 4 * U])
        Wh = tf1.get_variable("Wh", [U, 4 * U])
        b = tf1.get_variable("b", [4 * U])
        out = tf.raw_ops.BlockLSTM(seq_len_max=tf.constant(T, tf.int64), x=x, cs_prev=zeros,
                                   h_prev=zeros, w=tf.concat([Wx, Wh], 0), wci=tf.zeros([U]),
                                   wcf=tf.zeros([U]), wco=tf.zeros([U]), b=b).h[-1]
''',
    # the fused kernel written as two column halves: each holds input and recurrent rows
    "block_lstm_column_halves": '''
        Wa = tf1.get_variable("Wa", [F + U, 2 * U])
        Wb = tf1.get_variable("Wb", [F + U, 2 * U])
        b = tf1.get_variable("b", [4 * U])
        out = tf.raw_ops.BlockLSTMV2(seq_len_max=tf.constant(T, tf.int64), x=x, cs_prev=zeros,
                                     h_prev=zeros, w=tf.concat([Wa, Wb], 1), wci=tf.zeros([U]),
                                     wcf=tf.zeros([U]), wco=tf.zeros([U]), b=b).h[-1]
''',
    # one step of a GRU
    "gru_block_cell_once": '''
        w_ru = tf1.get_variable("w_ru", [F + U, 2 * U])
        w_c = tf1.get_variable("w_c", [F + U, U])
        b_ru = tf1.get_variable("b_ru", [2 * U])
        b_c = tf1.get_variable("b_c", [U])
        out = tf.raw_ops.GRUBlockCell(x=x[0], h_prev=zeros, w_ru=w_ru, w_c=w_c, b_ru=b_ru,
                                      b_c=b_c).h
''',
}


def _inspect(tmp_path: Path, program: str) -> dict[str, Any]:
    from rnninspect import inspect

    path = tmp_path / f"{program}.py"
    path.write_text(HEADER.format(body=PROGRAMS[program]), encoding="utf-8")
    result: dict[str, Any] = inspect(f"{path}:build").to_dict()
    return result


def _roles(got: dict[str, Any]) -> dict[str, str]:
    return {v["name"]: v["role"] for v in got["variables"]}


def _unresolved(got: dict[str, Any]) -> set[str]:
    return {n for f in got["findings"] if f["kind"] == "unresolved" for n in f["variables"]}


def test_a_slot_no_variable_fills_is_unresolved(tmp_path: Path) -> None:
    got = _inspect(tmp_path, "cudnn_constant_slot")
    assert _roles(got) == {"W": "input_to_hidden", "b": "bias", "w_out": "hidden_to_output"}
    assert _unresolved(got) == {"W", "b"}
    assert "no_recurrence" not in {f["kind"] for f in got["findings"]}


def test_layers_and_directions_of_one_op(tmp_path: Path) -> None:
    got = _inspect(tmp_path, "cudnn_bidirectional_canonical")
    roles = _roles(got)
    for layer in range(2):
        for d in ("fw", "bw"):
            assert (roles[f"l{layer}_{d}/W"], roles[f"l{layer}_{d}/R"],
                    roles[f"l{layer}_{d}/b"]) == ("input_to_hidden", "hidden_to_hidden", "bias")
    assert roles["w_out"] == "hidden_to_output"
    cells = {c["name"]: c for c in got["cells"]}
    by_var = {v["name"]: cells[v["cell"]] for v in got["variables"] if v["cell"]}
    assert [(by_var[f"l{k}_{d}/R"]["layer"], by_var[f"l{k}_{d}/R"]["direction"])
            for k in range(2) for d in ("fw", "bw")] == [
        (0, "forward"), (0, "backward"), (1, "forward"), (1, "backward")]
    assert len(cells) == 4 and all(c["dynamic"] and c["kind"] == "GRU" for c in cells.values())
    assert not _unresolved(got)


def test_a_kernel_written_as_row_blocks(tmp_path: Path) -> None:
    got = _inspect(tmp_path, "block_lstm_row_blocks")
    assert _roles(got) == {"Wx": "input_to_hidden", "Wh": "hidden_to_hidden", "b": "bias",
                           "w_out": "hidden_to_output"}
    assert not _unresolved(got)


def test_column_halves_mix_input_and_state_rows(tmp_path: Path) -> None:
    got = _inspect(tmp_path, "block_lstm_column_halves")
    assert _roles(got)["Wa"] == _roles(got)["Wb"] == "other"
    assert {"Wa", "Wb"} <= _unresolved(got)


@pytest.mark.parametrize("program", ["gru_block_cell_once"])
def test_one_step_op(tmp_path: Path, program: str) -> None:
    got = _inspect(tmp_path, program)
    variables = {v["name"]: v for v in got["variables"]}
    assert _roles(got) == {"w_ru": "input_hidden_fused", "w_c": "input_hidden_fused",
                           "b_ru": "bias", "b_c": "bias", "w_out": "hidden_to_output"}
    assert variables["w_ru"]["row_split"] == {"input": [0, 3], "hidden": [3, 8]}
    assert variables["w_c"]["steps"] == [0] and got["num_steps"] == 1
    assert not _unresolved(got)
