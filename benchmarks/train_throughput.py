"""Training throughput (tokens/s) of the PTB LM, side by side, each measurement in its own process.

  ours          our trainer's step (train/steps.py) on the seed's model (zoo PTBModel), with the
                fused-kernel forward pass (train/fast_lstm.py)
  plain         the same step differentiating the model's own per-step loop (RNNINSPECT_FAST=0)
  ours-autodiff ours differentiating the unrolled time loop by autodiff instead of the
                written-out backpropagation through time (RNNINSPECT_BACKWARD=autodiff)
  ours-bptt     ours unrolled with the written-out backward forced on (the default on CPUs
                only; on a GPU it is not measured yet: gpu_check.sh compares it)
  ours-scan     ours with the time loop as keras.ops.scan instead of unrolled (RNNINSPECT_LOOP)
  ours-xla      ours with XLA forced on, TensorFlow (RNNINSPECT_XLA=1; off on a CPU by default)
  plain-noxla   plain without XLA, TensorFlow (RNNINSPECT_XLA=0)
  keras         the same step on a model with Keras's fused `keras.layers.LSTM` layers
  torch         PyTorch `nn.LSTM` (cuDNN on a GPU) with the same step, in a separate Python
                (`--torch-python`; PyTorch and TensorFlow in one process crash with some builds)

All: random ids over a 10,000-word vocabulary, SGD with global-norm clipping, dense embedding
gradient, state carried between batches, the loss read back every step (as the trainer does).
`--record FILE` keeps one row per (CPU kind, backend, precision, config) in FILE's
"train_throughput" list (docs/benchmarks.json; scripts/gen_docs.py writes the table on
docs/benchmarks.md). `--isa avx2` caps the vector ISA of every kernel library both frameworks
use (oneDNN, MKL, ATen), to measure an AVX2-only CPU kind on an AVX-512 machine: a proxy, named
as such in the CPU kind.

Each figure is the median of `--repeats` timed windows of `--steps` steps after `--warmup`
untimed steps (compilation), with min–max; ratios divide medians of the same run. Run:

  python benchmarks/train_throughput.py                               # small, medium
  python benchmarks/train_throughput.py --rounds 3 --record docs/benchmarks.json
  python benchmarks/train_throughput.py --isa avx2    # both frameworks' kernels capped to AVX2
  python benchmarks/train_throughput.py --configs small,medium,large,medium-b256
  KERAS_BACKEND=jax python benchmarks/train_throughput.py --impls ours,ours-scan,keras,torch

This module imports no framework at the top: the workers import what they measure.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# name: (zoo PTB config, hidden, num_steps, batch, keep_prob); 10,000 words, 2 layers.
SETUPS = {
    "small": ("small", 200, 20, 20, 1.0),
    "medium": ("medium", 650, 35, 20, 0.5),
    "large": ("large", 1500, 35, 20, 0.35),
    "medium-b256": ("medium", 650, 35, 256, 0.5),
}
VOCAB, LAYERS, CLIP = 10_000, 2, 5.0
# Environment of each keras implementation (the trainer's switches).
KERAS_IMPLS = {
    "ours": {},
    "ours-autodiff": {"RNNINSPECT_BACKWARD": "autodiff"},
    "ours-bptt": {"RNNINSPECT_BACKWARD": "bptt", "RNNINSPECT_LOOP": "unroll"},
    "plain": {"RNNINSPECT_FAST": "0"},
    "ours-scan": {"RNNINSPECT_LOOP": "scan"},
    "ours-xla": {"RNNINSPECT_XLA": "1"},
    "plain-noxla": {"RNNINSPECT_FAST": "0", "RNNINSPECT_XLA": "0"},
    "keras": {},
}
IMPLS = [*KERAS_IMPLS, "torch"]
# --isa avx2: each kernel library's own cap (oneDNN: TensorFlow's matmuls and PyTorch's
# fused RNN; MKL: PyTorch's matmuls; ATen: PyTorch's elementwise kernels).
ISA_CAPS = {
    "avx2": {"ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
             "ATEN_CPU_CAPABILITY": "avx2"},
}


def timed(
    step: Callable[..., Any], states: Any, setup: str, args: argparse.Namespace
) -> list[float]:
    import numpy as np

    _, _, num_steps, batch, _ = SETUPS[setup]
    rng = np.random.default_rng(0)
    data = [rng.integers(0, VOCAB, (2, batch, num_steps)).astype(np.int32) for _ in range(4)]
    for i in range(args.warmup):
        loss, states = step(*data[i % 4], states)
        float(loss)
    rates = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for i in range(args.steps):
            loss, states = step(*data[i % 4], states)
            float(loss)  # a real trainer looks at every loss (NaN check, progress)
        rates.append(args.steps * batch * num_steps / (time.perf_counter() - start))
    return rates


def keras_worker(impl: str, setup: str, args: argparse.Namespace) -> list[float]:
    step, states = keras_step(impl, setup, args)
    return timed(step, states, setup, args)


def keras_step(impl: str, setup: str, args: argparse.Namespace) -> tuple[Callable[..., Any], Any]:
    """(step(x, y, states) -> (loss, states), zero states) of a keras implementation."""
    from dataclasses import replace

    import keras
    import numpy as np

    from rnninspect.train.devices import place
    from rnninspect.train.recipes import Recipe, build_model, make_optimizer
    from rnninspect.train.stepper import make_stepper
    from rnninspect.zoo.configs import PTB_CONFIGS

    base, hidden, num_steps, batch, _ = SETUPS[setup]
    config = replace(PTB_CONFIGS[base], batch_size=batch, vocab_size=VOCAB)
    keras.config.set_dtype_policy("mixed_bfloat16" if args.precision == "mixed" else "float32")
    keras.utils.set_random_seed(0)
    placement = place("auto", False)
    recipe = Recipe("ptb", config, 1, None)
    with placement.scope():
        if impl == "keras":
            model = fused_model(config)
            zeros = np.zeros((1, hidden), np.float32)
            model(np.zeros((1, num_steps), np.int32), [[zeros, zeros]] * LAYERS)
        else:
            model = build_model(recipe)
        optimizer = make_optimizer(recipe, 1000)
        stepper = make_stepper(model, optimizer, "ptb", recipe.grad_scale, placement)
    states = stepper.zero_states(batch)

    def step(x: Any, y: Any, s: Any) -> Any:
        loss, _, s = stepper.train(x, y, s)
        return loss, s

    return step, states


def fused_model(config: Any) -> Any:
    """Embedding -> Keras's fused `LSTM` layer per layer -> Dense, with PTBModel's call contract."""
    import keras

    class FusedLM(keras.Model):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(name="fused")
            self.hidden_size, self.num_layers = config.hidden_size, config.num_layers
            init = keras.initializers.RandomUniform(-config.init_scale, config.init_scale)
            self.embedding = keras.layers.Embedding(config.vocab_size, config.hidden_size)
            self.lstms = [
                keras.layers.LSTM(
                    config.hidden_size,
                    return_sequences=True,
                    return_state=True,
                    kernel_initializer=init,
                    recurrent_initializer=init,
                )
                for _ in range(config.num_layers)
            ]
            self.dropout = keras.layers.Dropout(1.0 - config.keep_prob)
            self.softmax = keras.layers.Dense(config.vocab_size)

        def call(self, ids: Any, states: Any, training: bool = False) -> Any:
            x = self.dropout(self.embedding(ids), training=training)
            new_states = []
            for lstm, (h, c) in zip(self.lstms, states, strict=True):
                x, h, c = lstm(x, initial_state=[h, c], training=training)
                x = self.dropout(x, training=training)
                new_states.append([h, c])
            return self.softmax(x), new_states

    return FusedLM()


def torch_worker(setup: str, args: argparse.Namespace) -> list[float]:
    import torch

    _, hidden, num_steps, batch, keep_prob = SETUPS[setup]
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    emb = torch.nn.Embedding(VOCAB, hidden).to(device)
    head = torch.nn.Linear(hidden, VOCAB).to(device)
    lstm = torch.nn.LSTM(hidden, hidden, LAYERS, batch_first=True, dropout=1 - keep_prob)
    lstm = lstm.to(device)
    drop = torch.nn.Dropout(1 - keep_prob)
    params = [*emb.parameters(), *lstm.parameters(), *head.parameters()]
    opt = torch.optim.SGD(params, lr=1.0)
    zeros = torch.zeros(LAYERS, batch, hidden, device=device)
    mixed = args.precision == "mixed"

    def step(x: Any, y: Any, states: Any) -> Any:
        xt = torch.from_numpy(x).to(device).long()
        yt = torch.from_numpy(y).to(device).long()
        with torch.autocast(device, dtype=torch.bfloat16, enabled=mixed):
            out, (h, c) = lstm(drop(emb(xt)), states)
            logits = head(drop(out)).float()
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), yt.reshape(-1))
        opt.zero_grad()
        (loss * num_steps).backward()
        torch.nn.utils.clip_grad_norm_(params, CLIP)
        opt.step()
        return loss.detach(), (h.detach().float(), c.detach().float())

    return timed(step, (zeros, zeros), setup, args)


def torch_python(args: argparse.Namespace) -> str | None:
    """A Python that imports torch: --torch-python, $RNNINSPECT_TORCH_PYTHON, or this one
    (no machine's layout is assumed)."""
    default = [sys.executable, os.environ.get("RNNINSPECT_TORCH_PYTHON", "")]
    candidates = [args.torch_python] if args.torch_python else default
    for python in candidates:
        if python and Path(python).exists():
            ok = subprocess.run([python, "-c", "import torch"], capture_output=True).returncode == 0
            if ok:
                return python
    return None


def measure(
    impl: str, setup: str, args: argparse.Namespace, torch_py: str | None
) -> list[float] | str:
    """Rates from a fresh worker process, or a short reason why there are none."""
    here = Path(__file__).resolve()
    env = dict(os.environ)
    if impl == "torch":
        if torch_py is None:
            return "n/a"
        python = torch_py
    else:
        python = sys.executable
        env.update(KERAS_IMPLS[impl])
        root = str(here.parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (root, str(here.parent), env.get("PYTHONPATH")) if p
        )
    cmd = [
        python,
        str(here),
        "--worker",
        impl,
        setup,
        "--steps",
        str(args.steps),
        "--warmup",
        str(args.warmup),
        "--repeats",
        str(args.repeats),
        "--precision",
        args.precision,
    ]
    env.update(ISA_CAPS.get(args.isa, {}))
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=args.timeout)
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return "failed"
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def cell(rates: list[float] | str) -> str:
    if isinstance(rates, str):
        return rates
    return f"{statistics.median(rates):,.0f} ({min(rates):,.0f}–{max(rates):,.0f})"


def ratio(a: list[float] | str, b: list[float] | str) -> str:
    if isinstance(a, str) or isinstance(b, str):
        return "—"
    return f"{statistics.median(a) / statistics.median(b):.2f}×"


def table(results: dict[str, dict[str, list[float] | str]], impls: list[str]) -> str:
    others = [i for i in ("keras", "torch", "plain") if i in impls and "ours" in impls]
    head = ["config", *impls, *(f"ours / {o}" for o in others)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for setup, row in results.items():
        _, hidden, num_steps, batch, _ = SETUPS[setup]
        cells = [f"{setup} ({hidden}, T {num_steps}, b {batch})", *(cell(row[i]) for i in impls)]
        cells += [ratio(row["ours"], row[o]) for o in others]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


ISA_FLAGS = (("avx512f", "AVX-512"), ("avx512_bf16", "AVX-512 BF16"), ("amx_tile", "AMX"),
             ("avx2", "AVX2"), ("fma", "FMA"))


def cpu_kind(cpuinfo: str | None = None) -> str:
    r"""'<model name>, <vector ISA>' from /proc/cpuinfo (the widest first), printed with every
    table: a CPU figure means nothing without the CPU kind.

    >>> cpu_kind("model name\t: AMD EPYC 7B13\nflags\t\t: fpu sse2 avx2 fma\n")
    'AMD EPYC 7B13, AVX2 FMA'
    """
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            import platform

            return f"{platform.processor() or platform.machine()}, ISA unknown (no /proc/cpuinfo)"
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    flags = set(fields.get("flags", "").split())
    isa = [name for flag, name in ISA_FLAGS if flag in flags]
    return f"{fields.get('model name', 'unknown CPU')}, {' '.join(isa) or 'no AVX2'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--configs", default="small,medium", help=f"from {', '.join(SETUPS)}")
    parser.add_argument("--impls", default="ours,keras,torch", help=f"from {', '.join(IMPLS)}")
    parser.add_argument("--steps", type=int, default=10, help="timed steps per repeat")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps (compilation)")
    parser.add_argument("--repeats", type=int, default=3, help="timed windows (≥ 3)")
    parser.add_argument(
        "--rounds", type=int, default=1, help="run every worker this many times, interleaved"
    )
    parser.add_argument("--precision", choices=("fp32", "mixed"), default="fp32")
    parser.add_argument("--torch-python", metavar="PYTHON",
                        help="a Python that imports torch (default: $RNNINSPECT_TORCH_PYTHON, "
                        "else this one)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per worker")
    parser.add_argument("--markdown", type=Path, help="also write the table here (appends)")
    parser.add_argument("--record", type=Path, metavar="JSON",
                        help="keep one row per CPU kind, backend, precision and config in this "
                        "file's train_throughput list (docs/benchmarks.json)")
    parser.add_argument("--isa", choices=("native", *ISA_CAPS), default="native",
                        help="cap both frameworks' kernels to this vector ISA (default: native)")
    parser.add_argument("--worker", nargs=2, metavar=("IMPL", "CONFIG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        impl, setup = args.worker
        rates = torch_worker(setup, args) if impl == "torch" else keras_worker(impl, setup, args)
        print(json.dumps(rates))
        return
    configs, impls = args.configs.split(","), args.impls.split(",")
    bad = [c for c in configs if c not in SETUPS] + [i for i in impls if i not in IMPLS]
    if bad or args.repeats < 3:
        parser.error(f"unknown config/impl {bad} or --repeats < 3")
    torch_py = torch_python(args) if "torch" in impls else None
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    kind = cpu_kind() + ("" if args.isa == "native" else f", capped to {args.isa.upper()}")
    start_load = os.getloadavg()[0]
    title = (
        f"PTB LM training, tokens/s, KERAS_BACKEND={backend}, {args.precision}, "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs "
        f"({kind}), "
        f"median (min–max) of {args.rounds}×{args.repeats} windows of {args.steps} steps; "
        f"torch: {torch_py or 'not importable'}; load average {os.getloadavg()[0]:.1f} at start"
    )
    print(title, flush=True)
    results: dict[str, dict[str, list[float] | str]] = {s: {} for s in configs}
    for setup in configs:
        for _ in range(args.rounds):  # interleaved: load from other jobs hits every column
            for impl in impls:
                rates = measure(impl, setup, args, torch_py)
                old = results[setup].get(impl, [])
                results[setup][impl] = (
                    old
                    if isinstance(old, str)
                    else (rates if isinstance(rates, str) else old + rates)
                )
                print(f"  {setup} {impl}: {cell(rates)}", flush=True)
    title += f", {os.getloadavg()[0]:.1f} at end"
    text = f"{title}\n\n{table(results, impls)}\n"
    print(text)
    if args.markdown:
        with args.markdown.open("a") as f:
            f.write(text + "\n")
    if args.record:
        meta = {"cpu": kind, "cpus": os.cpu_count(), "backend": backend,
                "precision": args.precision,
                "date": f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d}",
                "windows": f"{args.rounds}×{args.repeats}×{args.steps} steps",
                "load": [round(start_load, 1), round(os.getloadavg()[0], 1)]}
        record(args.record, meta, results)


def record(path: Path, meta: dict[str, Any], results: dict[str, dict[str, Any]]) -> None:
    """Replace, in `path`'s "train_throughput" list, the rows of the same CPU kind, backend,
    precision and config with these medians (tokens/s; None where a column failed)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = data.setdefault("train_throughput", [])
    key = ("cpu", "backend", "precision", "config")
    for setup, row in results.items():
        new = {**meta, "config": setup, **{
            impl: None if isinstance(rates, str) else round(statistics.median(rates))
            for impl, rates in row.items()}}
        rows[:] = [r for r in rows if any(r.get(k) != new[k] for k in key)] + [new]
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
