#!/usr/bin/env bash
# GPU check for `rnninspect train`, for a machine with JAX and PyTorch built with CUDA but no
# TensorFlow CUDA build. Run from the repository root:
#     bash benchmarks/gpu_check.sh            # a few minutes
# Needs: python with jax[cuda] (and torch for the comparison column), numpy and rich, plus a
# folder .whl/ holding keras, namex and optree wheels (nothing is downloaded here).
set -euo pipefail

STEPS="${STEPS:-200}"          # bounded ptb medium training steps
SITE="${SITE:-/tmp/site}"
PY="${PYTHON:-python3}"

echo "== installing keras, namex, optree from .whl/ into $SITE"
ls .whl/*.whl >/dev/null 2>&1 || { echo "no .whl/*.whl in $(pwd)" >&2; exit 2; }
pip install --quiet --no-index --no-deps --target "$SITE" .whl/*.whl
export PYTHONPATH="$SITE:$(pwd)${PYTHONPATH:+:$PYTHONPATH}"
export KERAS_BACKEND=jax

echo "== GPU visible to JAX?"
"$PY" - <<'PY'
import jax
gpus = [d for d in jax.devices() if d.platform == "gpu"]
assert gpus, f"no GPU visible to JAX: {jax.devices()}"
print("JAX devices:", gpus)
PY

cat > /tmp/rnninspect_train_cli.py <<'PY'
import argparse, sys
from rich.console import Console
from rnninspect.train import add_arguments, run
parser = argparse.ArgumentParser()
add_arguments(parser)
sys.exit(run(parser.parse_args(sys.argv[1:]), Console()))
PY

echo "== ptb medium, $STEPS steps, KERAS_BACKEND=jax (must not import TensorFlow)"
"$PY" - <<'PY'
import sys, argparse, rnninspect.train as t
t.add_arguments(argparse.ArgumentParser())
assert "tensorflow" not in sys.modules
PY
"$PY" /tmp/rnninspect_train_cli.py ptb --config medium --epochs 1 --max-steps "$STEPS" \
    --require-gpu --checkpoint /tmp/rnninspect_gpu_run --log-every 20
"$PY" /tmp/rnninspect_train_cli.py ptb --config medium --epochs 1 --max-steps "$STEPS" \
    --require-gpu --precision mixed --log-every 20

echo "== throughput: rnninspect vs keras LSTM vs torch nn.LSTM"
"$PY" benchmarks/train_throughput.py --configs small,medium,large,medium-b256 --steps 50 --warmup 5
