#!/usr/bin/env bash
# Regenerate the diagrams under docs/img from the tool itself (needs Graphviz's dot).
set -euo pipefail
cd "$(dirname "$0")/.."
ri=".venv/bin/rnninspect"
$ri diagram ptb -o docs/img/ptb_rolled.svg
$ri diagram ptb --view unrolled -o docs/img/ptb_unrolled.svg
$ri diagram ptb --view unrolled --num-steps 1000 -o docs/img/ptb_T1000_unrolled.svg
$ri diagram ptb --dialect keras --view unrolled -o docs/img/ptb_keras_unrolled.svg
$ri diagram ptb --view step --step 3 -o docs/img/ptb_step.svg
$ri diagram mnist -o docs/img/mnist_rolled.svg
$ri diagram mnist --view unrolled -o docs/img/mnist_unrolled.svg
