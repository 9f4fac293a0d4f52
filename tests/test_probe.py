"""`rnninspect probe` on TF1 programs through the CLI: gate statistics equal a numpy
recurrence on the same weights and inputs; planted faults are found, and only they."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.helpers import run_cli
from tests.probe_numpy import sigmoid, stats

PROGRAM = '''
import json
import os

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))


def build():
    with open(os.path.join(HERE, "options.json")) as f:
        opts = json.load(f)
    weights = np.load(os.path.join(HERE, "weights.npz"))
    b, steps, d, n = opts["batch"], opts["steps"], opts["inputs"], opts["units"]
    poison = tuple(opts["poison"]) if opts["poison"] else None

    def getter(getter, name, *args, **kwargs):
        kwargs["initializer"] = tf.constant_initializer(weights["_".join(name.split("/")[-2:])])
        return getter(name, *args, **kwargs)

    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [b, steps, d], name="x")
        with tf.compat.v1.variable_scope("rnn", custom_getter=getter):
            if opts["peepholes"]:
                cells = [tf.compat.v1.nn.rnn_cell.LSTMCell(
                    n, use_peepholes=True, forget_bias=opts["forget_bias"], name=f"cell{k}")
                    for k in range(opts["layers"])]
            else:
                cells = [tf.compat.v1.nn.rnn_cell.BasicLSTMCell(
                    n, forget_bias=opts["forget_bias"], name=f"cell{k}")
                    for k in range(opts["layers"])]
            states = [c.zero_state(b, tf.float32) for c in cells]
            outs = []
            for t in range(steps):
                h = x[:, t, :]
                for k, cell in enumerate(cells):
                    h, states[k] = cell(h, states[k])
                    if poison == (t, k):
                        h = h + 0.0 * tf.math.log(-tf.abs(h) - 1.0, name="poison")
                outs.append(h)
        tf.stack(outs, 1, name="y")
    return graph
'''

BATCH, STEPS, INPUTS, UNITS, LAYERS = 4, 20, 5, 8, 2


def weights(*, recurrent_scale: float = 1.0, dead: tuple[int, ...] = (),
            peepholes: bool = False) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    found = {}
    for k in range(LAYERS):
        rows = INPUTS if k == 0 else UNITS
        kernel = rng.uniform(-0.5, 0.5, (rows + UNITS, 4 * UNITS)).astype(np.float32)
        bias = rng.uniform(-0.1, 0.1, 4 * UNITS).astype(np.float32)
        kernel[rows:] *= recurrent_scale
        for u in dead:
            for g in range(4):
                kernel[:, g * UNITS + u] = 0.0
                bias[g * UNITS + u] = 0.0
        found[f"cell{k}_kernel"], found[f"cell{k}_bias"] = kernel, bias
        if peepholes:
            for gate in "ifo":
                found[f"cell{k}_w_{gate}_diag"] = rng.uniform(-1, 1, UNITS).astype(np.float32)
    return found


def write_program(where: Path, w: dict[str, Any], *, forget_bias: float = 1.0,
                  poison: tuple[int, int] | None = None) -> str:
    peepholes = "cell0_w_f_diag" in w
    (where / "prog.py").write_text(PROGRAM)
    np.savez(where / "weights.npz", **w)
    (where / "options.json").write_text(json.dumps({
        "batch": BATCH, "steps": STEPS, "inputs": INPUTS, "units": UNITS, "layers": LAYERS,
        "forget_bias": forget_bias, "poison": list(poison) if poison else None,
        "peepholes": peepholes}))
    x = np.random.default_rng(1).standard_normal((BATCH, STEPS, INPUTS)).astype(np.float32)
    np.savez(where / "x.npz", x=x)
    return f"{where / 'prog.py'}:build"


def probe_json(spec: str, *extra: str) -> dict[str, Any]:
    code, out, err = run_cli(["probe", spec, "--format", "json", *extra])
    assert code == 0, err
    document: dict[str, Any] = json.loads(out)
    return document


def numpy_lstm(w: dict[str, Any], x: Any, forget_bias: float) -> list[list[dict[str, Any]]]:
    """Per layer, per step: gate activations (i, j, f, o), h and c, as BasicLSTMCell (and
    LSTMCell with peepholes when `w` holds the diagonal weights)."""
    layers = []
    inputs = x.astype(np.float64)
    for k in range(LAYERS):
        kernel, bias = w[f"cell{k}_kernel"].astype(np.float64), w[f"cell{k}_bias"]
        peep = {g: w.get(f"cell{k}_w_{g}_diag", np.zeros(UNITS)) for g in "ifo"}
        h = np.zeros((BATCH, UNITS))
        c = np.zeros((BATCH, UNITS))
        steps, outs = [], []
        for t in range(STEPS):
            z = np.concatenate([inputs[:, t], h], axis=1) @ kernel + bias
            i, j, f, o = np.split(z, 4, axis=1)
            gates = {"i": sigmoid(i + peep["i"] * c), "j": np.tanh(j),
                     "f": sigmoid(f + forget_bias + peep["f"] * c)}
            c = c * gates["f"] + gates["i"] * gates["j"]
            gates["o"] = sigmoid(o + peep["o"] * c)
            h = np.tanh(c) * gates["o"]
            steps.append({"gates": gates, "h": h, "c": c})
            outs.append(h)
        layers.append(steps)
        inputs = np.stack(outs, axis=1)
    return layers


@pytest.mark.parametrize("peepholes", [False, True], ids=["BasicLSTMCell", "peepholes"])
def test_lstm_gates_equal_a_numpy_recurrence(tmp_path: Path, peepholes: bool) -> None:
    w = weights(peepholes=peepholes)
    spec = write_program(tmp_path, w)
    doc = probe_json(spec, "--input", str(tmp_path / "x.npz"))
    x = np.load(tmp_path / "x.npz")["x"]
    expected = numpy_lstm(w, x, 1.0)
    assert [c["layer"] for c in doc["cells"]] == list(range(LAYERS))
    for cell, steps in zip(doc["cells"], expected, strict=True):
        assert cell["gate_order"] == ["i", "j", "f", "o"]
        assert len(cell["steps"]) == STEPS
        for got, want in zip(cell["steps"], steps, strict=True):
            assert [g["gate"] for g in got["gates"]] == ["i", "j", "f", "o"]
            for g in got["gates"]:
                mean, low, high = stats(g["activation"], want["gates"][g["gate"]])
                assert g["mean"] == pytest.approx(mean, abs=1e-5)
                assert g["low"] == pytest.approx(low, abs=1e-5)
                assert g["high"] == pytest.approx(high, abs=1e-5)
            h_norm = float(np.linalg.norm(want["h"], axis=1).mean())
            c_norm = float(np.linalg.norm(want["c"], axis=1).mean())
            assert got["h_norm"] == pytest.approx(h_norm, abs=1e-5)
            assert got["c_norm"] == pytest.approx(c_norm, abs=1e-5)
    assert doc["schema"] == "rnninspect.probe/1"
    assert doc["inspection"] == {"model": spec, "schema": "rnninspect.inspection/1"}


def kinds(doc: dict[str, Any]) -> set[str]:
    return {f["kind"] for f in doc["findings"]}


def test_a_healthy_model_has_no_findings(tmp_path: Path) -> None:
    doc = probe_json(write_program(tmp_path, weights()))
    assert doc["findings"] == []
    assert doc["nonfinite"] is None
    assert all(c["dead_units"] == [] for c in doc["cells"])


def test_forget_bias_20_saturates_the_forget_gate(tmp_path: Path) -> None:
    doc = probe_json(write_program(tmp_path, weights(), forget_bias=20.0))
    saturated = [f for f in doc["findings"] if f["kind"] == "saturated_gate"]
    assert {(f["layer"], f["gate"]) for f in saturated} == {(0, "f"), (1, "f")}
    assert kinds(doc) == {"saturated_gate"}
    forget = [g for s in doc["cells"][0]["steps"] for g in s["gates"] if g["gate"] == "f"]
    assert min(g["high"] for g in forget) == 1.0


def test_log_of_a_negative_is_the_first_nonfinite_value(tmp_path: Path) -> None:
    doc = probe_json(write_program(tmp_path, weights(), poison=(7, 1)))
    nf = doc["nonfinite"]
    assert (nf["step"], nf["layer"], nf["op_type"], nf["value"]) == (7, 1, "Log", "nan")
    assert nf["op"] == "rnn/poison"
    assert nf["weight"] == "rnn/cell1/kernel"
    assert kinds(doc) == {"nonfinite"}


def test_recurrent_kernel_times_10_explodes_the_state(tmp_path: Path) -> None:
    doc = probe_json(write_program(tmp_path, weights(recurrent_scale=10.0)))
    assert "exploding_state" in kinds(doc)
    assert "exploding_state" not in kinds(probe_json(write_program(tmp_path, weights())))


def test_zeroed_units_are_dead_exactly(tmp_path: Path) -> None:
    dead = (0, 2, 4, 6)
    doc = probe_json(write_program(tmp_path, weights(dead=dead)))
    assert [tuple(c["dead_units"]) for c in doc["cells"]] == [dead, dead]
    assert kinds(doc) == {"dead_units"}
    assert {tuple(f["units"]) for f in doc["findings"]} == {dead}


def test_table_shows_each_layer_and_gate(tmp_path: Path) -> None:
    code, out, _ = run_cli(["probe", write_program(tmp_path, weights(), forget_bias=20.0)])
    assert code == 0
    assert "layer 0 · cell0 (LSTM, 8 units)" in out
    assert "f forget gate (sigmoid)" in out
    assert "████" in out  # the forget gate's saturation strip, full at every step
    assert "saturated_gate" in out


NO_RECURRENCE = '''
import tensorflow as tf


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [2, 3], name="x")
        w = tf.compat.v1.get_variable("w", [3, 4])
        tf.matmul(x, w, name="y")
    return graph
'''


def test_a_model_without_recurrence_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "dense.py").write_text(NO_RECURRENCE)
    code, out, err = run_cli(["probe", f"{tmp_path / 'dense.py'}:build"])
    assert code == 2 and out == ""
    assert "no recurrence" in err and len(err.strip().splitlines()) == 1


def test_bad_input_files_are_one_line_exit_2(tmp_path: Path) -> None:
    spec = write_program(tmp_path, weights())
    np.savez(tmp_path / "wrong.npz", x=np.zeros((BATCH, STEPS + 1, INPUTS), np.float32))
    for path, said in ((tmp_path / "missing.npz", "no such file"),
                       (tmp_path / "wrong.npz", "has shape"),
                       (tmp_path / "options.json", "cannot read")):
        code, out, err = run_cli(["probe", spec, "--input", str(path)])
        assert code == 2 and out == "", err
        assert said in err and len(err.strip().splitlines()) == 1


def save_tf_checkpoint(prefix: Path, w: dict[str, Any]) -> None:
    """A TF checkpoint holding `w` under the program's variable names (rnn/cell0/kernel…)."""
    import tensorflow as tf

    graph = tf.Graph()
    with graph.as_default():
        for key, value in w.items():
            cell, name = key.split("_", 1)
            tf.compat.v1.Variable(value, name=f"rnn/{cell}/{name}")
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session(graph=graph) as session:
            session.run(tf.compat.v1.global_variables_initializer())
            saver.save(session, str(prefix))


def test_tf_checkpoint_weights_equal_a_numpy_recurrence_on_them(tmp_path: Path) -> None:
    spec = write_program(tmp_path, weights())
    restored = weights(recurrent_scale=3.0)
    save_tf_checkpoint(tmp_path / "model.ckpt", restored)
    doc = probe_json(spec, "--input", str(tmp_path / "x.npz"),
                     "--checkpoint", str(tmp_path / "model.ckpt"))
    expected = numpy_lstm(restored, np.load(tmp_path / "x.npz")["x"], 1.0)
    initial = numpy_lstm(weights(), np.load(tmp_path / "x.npz")["x"], 1.0)
    got = [s["h_norm"] for c in doc["cells"] for s in c["steps"]]
    want = [float(np.linalg.norm(s["h"], axis=1).mean()) for steps in expected for s in steps]
    assert got == pytest.approx(want, abs=1e-5)
    assert got != pytest.approx([float(np.linalg.norm(s["h"], axis=1).mean())
                                 for steps in initial for s in steps], abs=1e-3)
    assert any("model.ckpt" in n for n in doc["notes"])


def test_a_tf_checkpoint_of_another_model_names_the_variable(tmp_path: Path) -> None:
    spec = write_program(tmp_path, weights())
    other = weights()
    other["cell1_kernel"] = other["cell1_kernel"][:, :8]
    save_tf_checkpoint(tmp_path / "other.ckpt", other)
    code, out, err = run_cli(["probe", spec, "--checkpoint", str(tmp_path / "other.ckpt")])
    assert code == 2 and out == "", err
    assert "rnn/cell1/kernel" in err and len(err.strip().splitlines()) == 1
