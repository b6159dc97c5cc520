#!/usr/bin/env bash
# The main job on the bundled sample: the QuickBird crop fused by FusionNet + Feature Tailor, against direct
# transfer (no adaptation) and the classical default; prints indices and timings (scripts/demo.py).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-demo-output}
.venv/bin/python scripts/demo.py "$out"
