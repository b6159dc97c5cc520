#!/usr/bin/env bash
# The main jobs on the bundled sample: the QuickBird crop fused by the default method, FusionNet (direct
# transfer) and FusionNet + Feature Tailor; prints the full-resolution indices and writes a contact sheet (scripts/demo.py).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-demo-output}
.venv/bin/python scripts/demo.py "$out"
