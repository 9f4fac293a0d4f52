"""Where one training step's time goes: a profile of the trainer's PTB step, by category.

Runs `--steps` steps of `benchmarks/train_throughput.py`'s implementation IMPL (default
`ours`) under the backend's profiler (TensorFlow: tf.profiler; JAX: jax.profiler), reads the
trace (XPlane) and sums each op's own time into categories:

  softmax head     the [B·T, h] × [h, V] projection, its gradients, bias and cross-entropy
  recurrence       the LSTM's matmuls (input half, recurrent half, and their gradients)
  gates            the gates' elementwise work (sigmoid, tanh, products, their gradients)
  optimizer        global-norm clipping and the SGD update
  data movement    stacking, concatenation, slicing, transposes, copies
  framework        time inside the executor between ops (TensorFlow), or ops left over

TensorFlow names each op by the model code that made it, so the categories are exact there.
XLA (JAX) fuses ops across the model; its trace names the fused kernels, so there the
categories are matmuls (dot / YNNPACK fusions: softmax head and recurrence together),
elementwise fusions, data movement and framework.

    python benchmarks/train_profile.py small
    KERAS_BACKEND=jax python benchmarks/train_profile.py medium
    RNNINSPECT_BACKWARD=autodiff python benchmarks/train_profile.py small   # before
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_throughput as tt

CATEGORIES = ("softmax head", "recurrence", "gates", "optimizer", "data movement", "framework")
MOVEMENT = ("Pack", "Unpack", "ConcatV2", "Split", "Tile", "Transpose", "_MklTranspose",
            "StridedSlice", "Snapshot", "Identity", "Reshape", "GatherV2", "Cast",
            "UnsortedSegmentSum")
OPTIMIZER = ("ResourceApplyGradientDescent", "AssignSubVariableOp", "L2Loss", "Square")


def tf_category(name: str) -> str:
    """The category of a TensorFlow op event named 'scope/op_name:OpType'."""
    path, _, op = name.rpartition(":")
    if "softmax" in path or "Softmax" in op or path.startswith(("sub", "truediv", "OneHot")):
        return "softmax head"
    if path.startswith(("sgd", "SGD")) or op in OPTIMIZER or "global_norm" in path:
        return "optimizer"
    if "MatMul" in op:
        return "recurrence"
    if op in MOVEMENT:
        return "data movement"
    if op in ("Sigmoid", "Tanh", "SigmoidGrad", "TanhGrad", "Mul", "AddV2", "Add", "Sub",
              "AddN", "Neg"):
        return "gates"
    return "framework"


def own_times(events: list[tuple[int, int, str]]) -> list[tuple[str, int]]:
    """(name, own time) per event of one thread line: its duration less its children's."""
    events = sorted(events)
    own = [duration for _, duration, _ in events]
    stack: list[tuple[int, int]] = []  # (end, index) of the enclosing events
    for index, (start, duration, _) in enumerate(events):
        while stack and stack[-1][0] <= start:
            stack.pop()
        if stack:
            own[stack[-1][1]] -= duration
        stack.append((start + duration, index))
    return [(name, t) for (_, _, name), t in zip(events, own, strict=True)]


def read_trace(logdir: str) -> list[tuple[str, str, int]]:
    """(line name, event name, own time in ps) for every event on the host's threads."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    path = next(Path(logdir).rglob("*.xplane.pb"))
    space = xplane_pb2.XSpace()
    space.ParseFromString(path.read_bytes())
    out = []
    for plane in space.planes:
        names = {k: v.name for k, v in plane.event_metadata.items()}
        for line in plane.lines:
            events = [(e.offset_ps, e.duration_ps, names[e.metadata_id]) for e in line.events]
            out += [(line.name, name, t) for name, t in own_times(events)]
    return out


def categorise(trace: list[tuple[str, str, int]], backend: str) -> dict[str, float]:
    """Seconds per category, summed over the compute threads."""
    totals: collections.Counter[str] = collections.Counter()
    for line, name, ps in trace:
        if backend == "tensorflow":
            if not line.startswith("tf_Compute"):
                continue
            category = tf_category(name) if ":" in name else "framework"
        else:
            if not line.startswith("tf_XLA"):
                continue
            category = xla_category(name)
            if category is None:
                continue
        totals[category] += ps * 1e-12
    return dict(totals)


def xla_category(name: str) -> str | None:
    """The category of an XLA:CPU event, None for waiting and the host's Python-side events.
    XLA fuses across the model's layers, so its matmuls are one category here."""
    if "wait" in name.lower() or "Await" in name:
        return None
    if "ynn" in name or name.startswith(("dot", "custom-call", "convolution")):
        return "matmuls (XLA)"
    if name.startswith(("stack", "concatenate", "copy", "transpose", "slice", "dynamic",
                        "bitcast", "broadcast", "wrapped_broadcast", "pad", "gather",
                        "scatter", "reshape")) and "fusion" not in name:
        return "data movement"
    if "fusion" in name or name.startswith("wrapped_"):
        return "elementwise fusions (XLA)"
    return "framework"


def profile(impl: str, setup: str, steps: int) -> tuple[float, dict[str, float], str]:
    """(wall seconds per step, seconds per step by category, backend)."""
    import keras
    import numpy as np

    args = argparse.Namespace(precision="fp32", steps=steps, warmup=3, repeats=1)
    step, states = tt.keras_step(impl, setup, args)
    _, _, num_steps, batch, _ = tt.SETUPS[setup]
    rng = np.random.default_rng(0)
    data = [rng.integers(0, tt.VOCAB, (2, batch, num_steps)).astype(np.int32) for _ in range(4)]
    for i in range(3):
        loss, states = step(*data[i % 4], states)
        float(loss)
    backend = keras.backend.backend()
    with tempfile.TemporaryDirectory() as logdir:
        start_trace, stop_trace = tracer(backend, logdir)
        start_trace()
        start = time.perf_counter()
        for i in range(steps):
            loss, states = step(*data[i % 4], states)
            float(loss)
        wall = (time.perf_counter() - start) / steps
        stop_trace()
        totals = categorise(read_trace(logdir), backend)
    return wall, {k: v / steps for k, v in totals.items()}, backend


def tracer(backend: str, logdir: str) -> tuple[Any, Any]:
    if backend == "tensorflow":
        import tensorflow as tf

        return (lambda: tf.profiler.experimental.start(logdir)), tf.profiler.experimental.stop
    import jax

    return (lambda: jax.profiler.start_trace(logdir)), jax.profiler.stop_trace


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("config", choices=list(tt.SETUPS))
    parser.add_argument("--impl", default="ours", choices=list(tt.KERAS_IMPLS))
    parser.add_argument("--steps", type=int, default=10, help="profiled steps")
    args = parser.parse_args()
    wall, totals, backend = profile(args.impl, args.config, args.steps)
    busy = sum(totals.values())
    switches = {k: v for k, v in os.environ.items() if k.startswith("RNNINSPECT_")}
    print(f"{args.config} · {args.impl} · {backend} · {tt.cpu_kind()} · {switches or 'defaults'}")
    print(f"wall {wall * 1e3:.1f} ms/step under the profiler; op time on the compute threads "
          f"{busy * 1e3:.1f} ms/step (threads overlap)")
    print("| category | ms/step | share |\n|---|---|---|")
    for name in [*CATEGORIES, *sorted(set(totals) - set(CATEGORIES))]:
        if name in totals:
            print(f"| {name} | {totals[name] * 1e3:.1f} | {totals[name] / busy:.0%} |")


if __name__ == "__main__":
    main()
