"""`--watch` (issue 13): a temporary model file is edited while the watch runs in a thread —
a shape change, a syntax error, a fix — and every redrawn view is read back."""

from __future__ import annotations

import json
import threading
import time

import pytest

from rnninspect.cli import build_parser, main
from rnninspect.cli import watch as watch_module
from rnninspect.cli.inspect import run_show
from rnninspect.cli.watch import change_summary, watch
from tests.helpers import make_console
from tests.models.inspections import ptb_like

MODEL = '''import keras

H = {hidden}


def build():
    x = keras.Input((3, 2), batch_size=2)
    h = keras.layers.SimpleRNN(H, unroll=True)(x)  # unnamed: Keras numbers it
    return keras.Model(x, keras.layers.Dense(2)(h))
'''


def _documents(text: str) -> list[dict[str, object]]:
    decoder, docs, i = json.JSONDecoder(), [], 0
    while (i := text.find("{", i)) != -1:
        doc, i = decoder.raw_decode(text, i)
        docs.append(doc)
    return docs


def _recurrent_kernel(doc: dict[str, object]) -> tuple[str, list[int]]:
    variables = doc["variables"]
    assert isinstance(variables, list)
    v = next(v for v in variables if v["role"] == "hidden_to_hidden")
    return v["name"], v["shape"]


def _wait_for(buffer: object, text: str, count: int, thread: threading.Thread) -> None:
    deadline = time.monotonic() + 240
    while buffer.getvalue().count(text) < count:  # type: ignore[attr-defined]
        assert thread.is_alive() and time.monotonic() < deadline, buffer.getvalue()  # type: ignore[attr-defined]
        time.sleep(0.05)


def test_watch_redraws_on_every_save_and_survives_a_syntax_error(tmp_path, monkeypatch):
    model = tmp_path / "model.py"
    model.write_text(MODEL.format(hidden=4))
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["show", "model.py:build", "--format", "json", "--watch"])
    out, out_buf = make_console(200)
    err, err_buf = make_console(200)
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(watch(args, out, err, run_show, max_cycles=4)),
        daemon=True)
    thread.start()
    _wait_for(err_buf, "watching", 1, thread)
    model.write_text(MODEL.format(hidden=6))  # a shape change
    _wait_for(err_buf, "watching", 2, thread)
    model.write_text(MODEL.format(hidden=6).replace("def build():", "def build(:"))
    _wait_for(err_buf, "watching", 3, thread)
    model.write_text(MODEL.format(hidden=8))  # the fix
    thread.join(timeout=240)
    assert not thread.is_alive() and result == [0]

    views = [_recurrent_kernel(d) for d in _documents(out_buf.getvalue())]
    assert [shape for _, shape in views] == [[4, 4], [6, 6], [8, 8]]
    assert len({name for name, _ in views}) == 1  # Keras names do not drift between runs
    lines = err_buf.getvalue().splitlines()
    changed = [line for line in lines if line.startswith("changed: ")]
    assert len(changed) == 2 and all(line.startswith("changed: model.py — ") for line in changed)
    # kernel, recurrent kernel, bias of the RNN and the Dense kernel; then again from the last
    # view that built (the syntax error drew none)
    assert [line.split(" — ")[1] for line in changed] == ["4 variables reshaped"] * 2
    errors = [line for line in lines if line.startswith("rnninspect: error: ")]
    assert len(errors) == 1 and "syntax error in model.py:6" in errors[0]


LEGACY = '''import tensorflow as tf

tf1 = tf.compat.v1


def build():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [2, 3, 2], name="x")
        cell = tf1.nn.rnn_cell.BasicRNNCell({hidden})
        tf1.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
    return graph
'''


def test_watch_rebuilds_tf1_code_fresh_in_the_warm_worker(tmp_path, monkeypatch):
    """TF1 code builds in the worker: each run there imports the edited file anew."""
    model = tmp_path / "model.py"
    model.write_text(LEGACY.format(hidden=4))
    monkeypatch.chdir(tmp_path)
    out, err = _one_edit("watching", lambda: model.write_text(LEGACY.format(hidden=5)))
    shapes = [_recurrent_kernel_or_fused(d) for d in _documents(out)]
    assert shapes == [[6, 4], [7, 5]], err  # [input + hidden, hidden]


def _one_edit(ready: str, edit) -> tuple[str, str]:
    """`show model.py:build --watch` in the working directory for two runs: the first, then
    `edit()` once `ready` is printed, then the redraw. (stdout, stderr)."""
    args = build_parser().parse_args(["show", "model.py:build", "--format", "json", "--watch"])
    out, out_buf = make_console(200)
    err, err_buf = make_console(200)
    thread = threading.Thread(target=watch, args=(args, out, err, run_show),
                              kwargs={"max_cycles": 2}, daemon=True)
    thread.start()
    _wait_for(err_buf, ready, 1, thread)
    edit()
    thread.join(timeout=240)
    assert not thread.is_alive()
    return out_buf.getvalue(), err_buf.getvalue()


def _recurrent_kernel_or_fused(doc: dict[str, object]) -> list[int]:
    variables = doc["variables"]
    assert isinstance(variables, list)
    return next(v["shape"] for v in variables if len(v["shape"]) == 2)


def test_ctrl_c_while_watching_exits_130(tmp_path, monkeypatch):
    model = tmp_path / "model.py"
    model.write_text(MODEL.format(hidden=4))
    monkeypatch.chdir(tmp_path)

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(watch_module.time, "sleep", interrupt)
    out, _ = make_console()
    err, err_buf = make_console()
    code = main(["sharing", "model.py:build", "--watch"], console=out, err_console=err)
    assert code == 130 and "watching 1 file" in err_buf.getvalue()


def test_watch_refuses_a_built_in_model_and_diagram_without_output(tmp_path, monkeypatch):
    out, _ = make_console()
    err, err_buf = make_console()
    assert main(["show", "ptb", "--watch"], console=out, err_console=err) == 2
    assert "'ptb' is a built-in model" in err_buf.getvalue()
    model = tmp_path / "model.py"
    model.write_text(MODEL.format(hidden=4))
    monkeypatch.chdir(tmp_path)
    assert main(["diagram", "model.py:build", "--watch"], console=out, err_console=err) == 2
    assert "add -o PATH" in err_buf.getvalue()


@pytest.mark.parametrize(("hidden", "layers", "steps", "expected"), [
    (8, 2, 5, "no change to the variables"),
    (16, 2, 5, "6 variables reshaped"),  # embedding, 2 kernels, 2 biases, softmax_w
    (8, 1, 5, "2 variables removed"),
    (8, 2, 4, "steps 5 → 4"),
    (8, 3, 5, "2 variables added"),  # a third layer: its kernel and bias,
    (8, 2, 7, "steps 5 → 7"),
])
def test_change_summary(hidden: int, layers: int, steps: int, expected: str) -> None:
    before = ptb_like(5, hidden=8, layers=2, vocab=30)
    after = ptb_like(steps, hidden=hidden, layers=layers, vocab=30)
    assert change_summary(before, after) == expected


def test_one_or_two_changes_are_named() -> None:
    from dataclasses import replace

    before = ptb_like(5, hidden=8, vocab=30)
    after = replace(before, variables=tuple(
        replace(v, shape=(31, 8)) if v.name.endswith("embedding") else v
        for v in before.variables))
    assert change_summary(before, after) == "embedding reshaped"


DATA_MODEL = '''import json
from pathlib import Path

import keras


def build():
    sizes = json.loads((Path(__file__).parent / "sizes.json").read_text())
    x = keras.Input((3, 2), batch_size=2)
    h = keras.layers.SimpleRNN(sizes["hidden"], unroll=True)(x)
    return keras.Model(x, keras.layers.Dense(2)(h))
'''


def test_watch_redraws_when_a_data_file_the_build_reads_changes(tmp_path, monkeypatch):
    """The build reads its sizes from sizes.json: editing that file (not the code) redraws,
    and the cache entry lists it (an unchanged code file no longer serves a stale result)."""
    (tmp_path / "model.py").write_text(DATA_MODEL)
    sizes = tmp_path / "sizes.json"
    sizes.write_text('{"hidden": 4}')
    monkeypatch.chdir(tmp_path)
    out, err = _one_edit("watching 2 files", lambda: sizes.write_text('{"hidden": 6}'))
    shapes = [_recurrent_kernel(d)[1] for d in _documents(out)]
    assert shapes == [[4, 4], [6, 6]], err
    assert "changed: sizes.json" in err
