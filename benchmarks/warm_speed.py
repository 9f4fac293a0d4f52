"""Benchmark (issue 13): the edit → inspect loop, cold, cached and watched, side by side.

Measured end to end, each command a fresh `python -m rnninspect` process (except the watch,
one long-lived process):
- cold `show ptb --no-cache` (TensorFlow import + trace + analysis + table);
- cached `show ptb` (a second run on an entry the first one wrote);
- `show model.py:build --watch` latency, save → redrawn (the next "watching" line), for a
  user model file of the PTB small size (vocab 10,000, hidden 200, 2 layers, 20 steps, batch
  20), in both dialects: Keras 3 (in process) and TF1 (`tf.compat.v1`, the TF1 worker).
  Each edit changes the hidden size (200 ↔ 201), so every redraw is a real new trace.

Goals: cached ≤ 0.3 s (≥ 20× faster than cold); watch ≤ 1.5 s per edit (≥ 4× faster).

    .venv/bin/python benchmarks/warm_speed.py [--edits 3]
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

KERAS_MODEL = '''import keras

V, H, T, B = 10000, {hidden}, 20, 20


def build():
    ids = keras.Input((T,), batch_size=B, dtype="int32")
    x = keras.layers.Embedding(V, H)(ids)
    for _ in range(2):
        x = keras.layers.LSTM(H, return_sequences=True, unroll=True)(x)
    return keras.Model(ids, keras.layers.Dense(V)(x))
'''

LEGACY_MODEL = '''import tensorflow as tf

tf1 = tf.compat.v1
V, H, T, B = 10000, {hidden}, 20, 20


def build():
    graph = tf.Graph()
    with graph.as_default(), tf1.variable_scope("model"):
        ids = tf1.placeholder(tf.int32, [B, T], name="ids")
        embedding = tf1.get_variable("embedding", [V, H])
        inputs = tf1.nn.embedding_lookup(embedding, ids)
        cell = tf1.nn.rnn_cell.MultiRNNCell(
            [tf1.nn.rnn_cell.BasicLSTMCell(H) for _ in range(2)])
        state = cell.zero_state(B, tf.float32)
        outputs = []
        with tf1.variable_scope("RNN"):
            for t in range(T):
                if t > 0:
                    tf1.get_variable_scope().reuse_variables()
                out, state = cell(inputs[:, t, :], state)
                outputs.append(out)
        output = tf.reshape(tf.concat(outputs, 1), [-1, H])
        softmax_w = tf1.get_variable("softmax_w", [H, V])
        softmax_b = tf1.get_variable("softmax_b", [V])
        tf1.nn.xw_plus_b(output, softmax_w, softmax_b, name="logits")
    return graph
'''


def _env(cache: Path) -> dict[str, str]:
    """Bytecode as an installed package has it (compiled once, into a temporary prefix:
    nothing is written into the checkout), even where PYTHONDONTWRITEBYTECODE is set."""
    path = os.environ.get("PYTHONPATH")
    env = dict(os.environ, RNNINSPECT_CACHE_DIR=str(cache), TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONPYCACHEPREFIX=str(cache.parent / "pycache"),
               PYTHONPATH=f"{ROOT}{os.pathsep}{path}" if path else str(ROOT))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed_show(args: list[str], cache: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rnninspect", "show", *args], env=_env(cache),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _lines(stream: object, into: queue.Queue[tuple[float, str]]) -> None:
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        into.put((time.perf_counter(), line))


def _next_watching(lines: queue.Queue[tuple[float, str]], timeout: float = 300) -> float:
    deadline = time.perf_counter() + timeout
    while True:
        when, line = lines.get(timeout=max(0.1, deadline - time.perf_counter()))
        if line.startswith("rnninspect: error"):
            raise RuntimeError(line.strip())
        if line.startswith("watching"):
            return when


def watch_latency(template: str, edits: int, cache: Path, work: Path) -> tuple[float, float]:
    """(seconds to the first view, median seconds save → redrawn over `edits` edits)."""
    model = work / "model.py"
    model.write_text(template.format(hidden=200))
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rnninspect", "show", "model.py:build", "--watch"],
        cwd=work, env=_env(cache), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True)
    lines: queue.Queue[tuple[float, str]] = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stderr, lines), daemon=True).start()
    try:
        first = _next_watching(lines) - t0
        latencies = []
        for i in range(edits):
            time.sleep(0.3)
            saved = time.perf_counter()
            model.write_text(template.format(hidden=201 if i % 2 == 0 else 200))
            latencies.append(_next_watching(lines) - saved)
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    if code != 130:
        raise RuntimeError(f"Ctrl-C should exit 130; got {code}")
    return first, statistics.median(latencies)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=3, help="edits per watched file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        cache, work = Path(tmp) / "cache", Path(tmp) / "work"
        work.mkdir()
        timed_show(["ptb", "--no-cache"], cache)  # compiles the bytecode, warms the disk
        cold = timed_show(["ptb", "--no-cache"], cache)
        timed_show(["ptb"], cache)  # writes the entry
        cached = min(timed_show(["ptb"], cache) for _ in range(3))
        help_s = min(timed_show(["--help"], cache) for _ in range(3))
        rows = [("cold `show ptb --no-cache`", cold, ""),
                ("cached `show ptb` (best of 3)", cached, "goal ≤ 0.3 s"),
                ("(floor: `show --help`, best of 3)", help_s, "")]
        for dialect, template in (("keras", KERAS_MODEL), ("legacy", LEGACY_MODEL)):
            first, edit = watch_latency(template, args.edits, cache, work)
            rows.append((f"watch, {dialect}: first view", first, ""))
            rows.append((f"watch, {dialect}: save → redrawn (median)", edit, "goal ≤ 1.5 s"))
    print("| what | seconds | cold ÷ this | goal |")
    print("|---|---|---|---|")
    for what, seconds, goal in rows:
        print(f"| {what} | {seconds:.2f} | {cold / seconds:.1f}× | {goal} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
