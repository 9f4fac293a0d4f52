"""`rnninspect probe` on one cell applied as two layers (`[cell] * n`, tied layers): each
layer's values at each step come from that layer's own application of the cell — TF1 cells
of every kind (BasicLSTMCell, GRUCell, BasicRNNCell), Keras cells called in a Python loop,
and the built-in `ptb-tiedlayers` in both dialects. The figures equal a numpy recurrence on
the same weights to 1e-5 (the probe once showed the lower layer's values for both)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.helpers import run_cli
from tests.probe_numpy import keras_recurrence, sigmoid, stats

BATCH, STEPS, UNITS, LAYERS = 3, 5, 6, 2

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
    b, steps, n, layers = opts["batch"], opts["steps"], opts["units"], opts["layers"]
    rnn_cell = tf.compat.v1.nn.rnn_cell

    def getter(getter, name, *args, **kwargs):
        kwargs["initializer"] = tf.constant_initializer(weights[name.replace("/", ".")])
        return getter(name, *args, **kwargs)

    def make(k):
        if opts["kind"] == "LSTM":
            return rnn_cell.BasicLSTMCell(n, forget_bias=1.0, name=f"cell{k}")
        if opts["kind"] == "GRU":
            return rnn_cell.GRUCell(n, name=f"cell{k}")
        return rnn_cell.BasicRNNCell(n, name=f"cell{k}")

    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [b, steps, n], name="x")
        with tf.compat.v1.variable_scope("rnn", custom_getter=getter):
            cells = [make(0)] * layers if opts["tied"] else [make(k) for k in range(layers)]
            states = [c.zero_state(b, tf.float32) for c in cells]
            outs = []
            for t in range(steps):
                h = x[:, t, :]
                for k, cell in enumerate(cells):
                    h, states[k] = cell(h, states[k])
                outs.append(h)
        tf.stack(outs, 1, name="y")
    return graph
'''

# TF1 variable (under rnn/cellK/) -> shape, n = units = input width
SHAPES = {
    "LSTM": {"kernel": lambda n: (2 * n, 4 * n), "bias": lambda n: (4 * n,)},
    "GRU": {"gates/kernel": lambda n: (2 * n, 2 * n), "gates/bias": lambda n: (2 * n,),
            "candidate/kernel": lambda n: (2 * n, n), "candidate/bias": lambda n: (n,)},
    "RNN": {"kernel": lambda n: (2 * n, n), "bias": lambda n: (n,)},
}


def tf1_weights(kind: str, tied: bool) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    return {f"rnn.cell{k}.{name.replace('/', '.')}":
            rng.uniform(-1.2, 1.2, shape(UNITS)).astype(np.float32)
            for k in range(1 if tied else LAYERS) for name, shape in SHAPES[kind].items()}


def tf1_step(kind: str, w: dict[str, Any], k: int, x: Any, h: Any, c: Any
             ) -> tuple[dict[str, Any], Any, Any]:
    """One TF1 cell step (the cells' documented maths): gates, new h, new c."""
    def get(name: str) -> Any:
        return w[f"rnn.cell{k}.{name}"].astype(np.float64)

    xh = np.concatenate([x, h], axis=1)
    if kind == "LSTM":
        i, j, f, o = np.split(xh @ get("kernel") + get("bias"), 4, axis=1)
        gates = {"i": sigmoid(i), "j": np.tanh(j), "f": sigmoid(f + 1.0), "o": sigmoid(o)}
        c = c * gates["f"] + gates["i"] * gates["j"]
        return gates, np.tanh(c) * gates["o"], c
    if kind == "GRU":
        r, u = np.split(sigmoid(xh @ get("gates.kernel") + get("gates.bias")), 2, axis=1)
        candidate = np.tanh(np.concatenate([x, r * h], axis=1) @ get("candidate.kernel")
                            + get("candidate.bias"))
        return {"r": r, "u": u, "h": candidate}, u * h + (1 - u) * candidate, None
    h = np.tanh(xh @ get("kernel") + get("bias"))
    return {"h": h}, h, None


def tf1_layers(kind: str, w: dict[str, Any], x: Any, tied: bool) -> list[list[dict[str, Any]]]:
    found: list[list[dict[str, Any]]] = [[] for _ in range(LAYERS)]
    h = [np.zeros((BATCH, UNITS)) for _ in range(LAYERS)]
    c = [np.zeros((BATCH, UNITS)) for _ in range(LAYERS)]
    for t in range(STEPS):
        inputs = x[:, t].astype(np.float64)
        for k in range(LAYERS):
            gates, h[k], c[k] = tf1_step(kind, w, 0 if tied else k, inputs, h[k], c[k])
            found[k].append({"gates": gates, "h": h[k], "c": c[k]})
            inputs = h[k]
    return found


def same_as(cells: list[dict[str, Any]], expected: list[list[dict[str, Any]]]) -> None:
    """Each probed cell (layer order) equals its layer's numpy steps, gate by gate."""
    assert [c["layer"] for c in cells] == list(range(len(expected)))
    for cell, steps in zip(cells, expected, strict=True):
        assert len(cell["steps"]) == len(steps)
        for got, want in zip(cell["steps"], steps, strict=True):
            assert got["gates"], (cell["cell"], got["step"])
            for g in got["gates"]:
                mean, low, high = stats(g["activation"], want["gates"][g["gate"]])
                assert (g["mean"], g["low"], g["high"]) == pytest.approx(
                    (mean, low, high), abs=1e-5), (cell["cell"], got["step"], g["gate"])
            assert got["h_norm"] == pytest.approx(
                float(np.linalg.norm(want["h"], axis=1).mean()), abs=1e-5)
            if want["c"] is not None:
                assert got["c_norm"] == pytest.approx(
                    float(np.linalg.norm(want["c"], axis=1).mean()), abs=1e-5)
    # the layers differ: a probe that read one layer twice could not pass
    first, second = ([s["h_norm"] for s in c["steps"]] for c in cells[:2])
    assert first != pytest.approx(second, abs=1e-3)


def probe_json(*argv: str) -> dict[str, Any]:
    code, out, err = run_cli(["probe", *argv, "--format", "json"])
    assert code == 0, err
    document: dict[str, Any] = json.loads(out)
    return document


@pytest.mark.parametrize("tied", [True, False], ids=["tied", "two-cells"])
@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_tf1_cells_applied_as_two_layers(tmp_path: Path, kind: str, tied: bool) -> None:
    w = tf1_weights(kind, tied)
    (tmp_path / "prog.py").write_text(PROGRAM)
    np.savez(tmp_path / "weights.npz", **w)
    (tmp_path / "options.json").write_text(json.dumps({
        "batch": BATCH, "steps": STEPS, "units": UNITS, "layers": LAYERS, "kind": kind,
        "tied": tied}))
    x = np.random.default_rng(1).standard_normal((BATCH, STEPS, UNITS)).astype(np.float32)
    np.savez(tmp_path / "x.npz", x=x)
    doc = probe_json(f"{tmp_path / 'prog.py'}:build", "--input", str(tmp_path / "x.npz"))
    assert doc["dynamic"] == []
    same_as(doc["cells"], tf1_layers(kind, w, x, tied))


KERAS_CELLS = {"LSTM": "LSTMCell", "GRU": "GRUCell", "RNN": "SimpleRNNCell"}


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_a_keras_cell_applied_as_two_layers(kind: str) -> None:
    """One Keras cell object called for both layers of a Python loop."""
    from rnninspect.probe.run import probe_model
    from rnninspect.tf.imports import import_keras_for_tracing

    keras = import_keras_for_tracing()
    keras.backend.clear_session()
    rng = np.random.default_rng(2)
    cell = getattr(keras.layers, KERAS_CELLS[kind])(UNITS, name="tied")
    cell.build((None, UNITS))
    cell.set_weights([rng.uniform(-1.2, 1.2, w.shape).astype(np.float32)
                      for w in cell.get_weights()])

    class Tied(keras.Model):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.cell = cell

        def call(self, x: Any) -> Any:
            zeros = keras.ops.zeros((keras.ops.shape(x)[0], UNITS))
            states = [[zeros, zeros] if kind == "LSTM" else [zeros] for _ in range(LAYERS)]
            outs = []
            for t in range(STEPS):
                h = x[:, t]
                for k in range(LAYERS):
                    h, states[k] = self.cell(h, states[k])
                outs.append(h)
            return keras.ops.stack(outs, axis=1)

    model = Tied()
    x = rng.standard_normal((BATCH, STEPS, UNITS)).astype(np.float32)
    model(x)
    report = probe_model(model, [x])
    weights = [w.astype(np.float64) for w in cell.get_weights()]
    expected, inputs = [], x.astype(np.float64)
    for _ in range(LAYERS):
        steps = keras_recurrence(kind, weights, inputs)
        expected.append(steps)
        inputs = np.stack([s["h"] for s in steps], axis=1)
    assert inputs == pytest.approx(np.asarray(model(x), np.float64), abs=1e-5)
    assert report.dynamic == ()
    same_as([{"cell": c.cell, "layer": c.layer,
              "steps": [{"step": s.step, "h_norm": s.h_norm, "c_norm": s.c_norm,
                         "gates": [vars(g) for g in s.gates]} for s in c.steps]}
             for c in report.cells], expected)


def test_the_built_in_tied_model_in_keras() -> None:
    from rnninspect import zoo
    from rnninspect.probe.run import probe_model
    from rnninspect.tf.imports import import_keras_for_tracing

    keras = import_keras_for_tracing()
    keras.backend.clear_session()
    entry = zoo.get("ptb-tiedlayers")
    config = entry.config(None, {"hidden": 8, "num_steps": 4, "batch": 3, "vocab": 30})
    model = entry.build(config, "keras")
    rng = np.random.default_rng(5)
    ids = rng.integers(0, 30, (3, 4)).astype(np.int32)
    model(ids)
    for v in model.trainable_variables:
        v.assign(rng.uniform(-0.9, 0.9, v.shape).astype(np.float32))
    report = probe_model(model, [ids])
    cell = model.cells[0]
    weights = [np.asarray(w, np.float64) for w in (cell.kernel, cell.recurrent_kernel,
                                                  cell.bias)]
    inputs = np.asarray(model.embedding.embeddings, np.float64)[ids]
    expected = []
    for _ in range(2):
        steps = keras_recurrence("LSTM", weights, inputs)
        expected.append(steps)
        inputs = np.stack([s["h"] for s in steps], axis=1)
    _, states = model(ids)
    assert np.stack([np.asarray(h, np.float64) for h, _ in states]) == pytest.approx(
        np.stack([s[-1]["h"] for s in expected]), abs=1e-5)
    same_as([{"cell": c.cell, "layer": c.layer,
              "steps": [{"step": s.step, "h_norm": s.h_norm, "c_norm": s.c_norm,
                         "gates": [vars(g) for g in s.gates]} for s in c.steps]}
             for c in report.cells], expected)


def test_the_built_in_tied_model_in_tf1(tmp_path: Path) -> None:
    """The TF1 graph (`MultiRNNCell([cell] * 2)`), its weights from a TF checkpoint."""
    import tensorflow as tf

    model = ["ptb-tiedlayers", "--dialect", "legacy", "--hidden", "8", "--num-steps", "4",
             "--batch", "3", "--vocab", "30"]
    code, out, err = run_cli(["show", *model, "--format", "json"])
    assert code == 0, err
    variables = [v for v in json.loads(out)["variables"] if v["trainable"]]
    rng = np.random.default_rng(6)
    values = {v["name"]: rng.uniform(-0.9, 0.9, v["shape"]).astype(np.float32)
              for v in variables}
    graph = tf.Graph()
    with graph.as_default():
        for name, value in values.items():
            tf.compat.v1.Variable(value, name=name)
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session(graph=graph) as session:
            session.run(tf.compat.v1.global_variables_initializer())
            saver.save(session, str(tmp_path / "model.ckpt"))
    ids = rng.integers(0, 30, (3, 4)).astype(np.int32)
    np.savez(tmp_path / "ids.npz", input_data=ids)
    doc = probe_json(*model, "--checkpoint", str(tmp_path / "model.ckpt"),
                     "--input", str(tmp_path / "ids.npz"))
    (kernel,) = [v for n, v in values.items() if n.endswith("kernel")]
    (bias,) = [v for n, v in values.items() if n.endswith("bias")]
    (embedding,) = [v for n, v in values.items() if n.endswith("embedding")]
    inputs = embedding.astype(np.float64)[ids]
    expected = []
    for _ in range(2):  # BasicLSTMCell(forget_bias=0.0): i, j, f, o
        h, c, steps = np.zeros((3, 8)), np.zeros((3, 8)), []
        for t in range(4):
            z = np.concatenate([inputs[:, t], h], axis=1) @ kernel.astype(np.float64) + bias
            i, j, f, o = np.split(z, 4, axis=1)
            gates = {"i": sigmoid(i), "j": np.tanh(j), "f": sigmoid(f), "o": sigmoid(o)}
            c = c * gates["f"] + gates["i"] * gates["j"]
            h = np.tanh(c) * gates["o"]
            steps.append({"gates": gates, "h": h, "c": c})
        expected.append(steps)
        inputs = np.stack([s["h"] for s in steps], axis=1)
    same_as(doc["cells"], expected)
