#!/usr/bin/env bash
# GPU check for `rnninspect train`: our trainer's step on KERAS_BACKEND=jax against PyTorch
# cuDNN nn.LSTM and Keras's LSTM layer on JAX, ptb small/medium/large/medium-b256 in fp32 and
# medium in mixed precision, as one markdown table (also $OUT/gpu_table.md when $OUT is set).
# For a machine with JAX and PyTorch built with CUDA but no TensorFlow CUDA build and no
# network. Run from the repository root:
#     bash benchmarks/gpu_check.sh                # about 5 minutes on an H100/H200
#     GPU_CHECK_DRY=1 bash benchmarks/gpu_check.sh   # the same logic on CPU, tiny and quick
# Python packages that are missing (keras, namex, optree, rich, ...) are installed from the
# wheels in .whl/ into $SITE; nothing is downloaded.
set -euo pipefail

PY="${PYTHON:-python3}"
SITE="${SITE:-/tmp/rnninspect_site}"
DRY="${GPU_CHECK_DRY:-0}"
OUTFILE="${OUT:+$OUT/gpu_table.md}"
OUTFILE="${OUTFILE:-/tmp/gpu_table.md}"
START=$SECONDS
if [ "$DRY" = 1 ]; then
    FP32_CONFIGS=small; MIXED_CONFIGS=small; STEPS=2; WARMUP=1; TIMEOUT=600
    export JAX_PLATFORMS=cpu
else
    FP32_CONFIGS=medium,medium-b256,small,large; MIXED_CONFIGS=medium
    STEPS="${STEPS:-50}"; WARMUP="${WARMUP:-3}"; TIMEOUT=150
fi

echo "== python packages (missing ones from .whl/ into $SITE)"
mkdir -p "$SITE"
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
# wheel name prefix -> module it provides; installed only when the module is not importable
for pair in keras:keras namex:namex optree:optree rich:rich markdown_it_py:markdown_it \
    mdurl:mdurl pygments:pygments h5py:h5py absl_py:absl packaging:packaging \
    requests:requests urllib3:urllib3 idna:idna certifi:certifi \
    charset_normalizer:charset_normalizer; do
    wheel="${pair%%:*}" module="${pair##*:}"
    if ! "$PY" -c "import $module" >/dev/null 2>&1; then
        tag=$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
        file=$(ls .whl/"$wheel"-*-"$tag"-*.whl .whl/"$wheel"-*-py3-none-any.whl 2>/dev/null | head -1 || true)
        [ -n "$file" ] || { echo "missing $module and no wheel for it in .whl/" >&2; exit 2; }
        if "$PY" -m pip --version >/dev/null 2>&1; then
            "$PY" -m pip install --quiet --no-index --no-deps --target "$SITE" "$file"
        else  # a wheel is a zip laid out for site-packages
            "$PY" -m zipfile -e "$file" "$SITE"
        fi
        echo "   installed $(basename "$file")"
    fi
done
export PYTHONPATH="$SITE:$(pwd)${PYTHONPATH:+:$PYTHONPATH}"
export KERAS_BACKEND=jax XLA_PYTHON_CLIENT_PREALLOCATE=false TF_CPP_MIN_LOG_LEVEL=2

echo "== devices"
"$PY" - "$DRY" <<'PY'
import sys
import jax, keras, rnninspect.train.steps
assert "tensorflow" not in sys.modules, "the JAX path imported TensorFlow"
gpus = [d for d in jax.devices() if d.platform == "gpu"]
assert gpus or sys.argv[1] == "1", f"no GPU visible to JAX: {jax.devices()}"
print("jax", jax.__version__, "keras", keras.__version__, jax.devices())
try:
    import torch
    print("torch", torch.__version__, "cuda" if torch.cuda.is_available() else "no cuda",
          torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
except ImportError:
    print("torch not importable: its column will say n/a")
PY
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true

TMP=$(mktemp -d)
bench() {  # precision configs [impls]
    "$PY" benchmarks/train_throughput.py --impls "${3:-ours,keras,torch}" --precision "$1" \
        --configs "$2" --steps "$STEPS" --warmup "$WARMUP" --repeats 3 --timeout "$TIMEOUT" \
        --markdown "$TMP/table.md"
}
echo "== throughput fp32 ($FP32_CONFIGS); keras = Keras LSTM layer on JAX; torch = nn.LSTM;"
echo "   ours-bptt = the written-out backward (the CPU default) forced on"
bench fp32 "$FP32_CONFIGS" ours,ours-bptt,keras,torch
echo "== throughput mixed ($MIXED_CONFIGS): bfloat16 compute"
bench mixed "$MIXED_CONFIGS"
if [ $((SECONDS - START)) -lt 300 ]; then  # stays within ~7 minutes in all
    echo "== time loop as lax.scan instead of unrolled (ours-scan), fp32 $MIXED_CONFIGS"
    bench fp32 "$MIXED_CONFIGS" ours,ours-scan
else
    echo "== skipped the scan comparison: $((SECONDS - START)) s spent already"
fi

{
    echo "# GPU check, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 || echo 'no nvidia-smi')"
    echo
    cat "$TMP/table.md"
} > "$OUTFILE"
echo "== table (also in $OUTFILE), $((SECONDS - START)) s in all"
cat "$OUTFILE"
rm -rf "$TMP"
