#!/usr/bin/env bash
# The main job on the bundled sample: fuse the QuickBird crop with the default method.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-demo-output}
mkdir -p "$out"
.venv/bin/python -m engine run --pan tests/data/quickbird_pan.tif --ms tests/data/quickbird_ms.tif \
  --out "$out/quickbird_fused.tif" --report "$out/quickbird_report.json"
