#!/usr/bin/env bash
# Build the installable plugin zip: dist/pansharpen_adapt-<version>.zip with everything under
# pansharpen_adapt/ (the folder name QGIS installs it as). Only the plugin's own files go in:
# engine/, ui/, resources/, metadata.txt, __init__.py, plugin.py, LICENSE, README.md,
# requirements.txt; no tests, scripts, venv or caches.
#   scripts/build_zip.sh [OUT_DIR]      (default: dist)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out_dir=$(mkdir -p "${1:-$repo/dist}" && cd "${1:-$repo/dist}" && pwd)
version=$(sed -n 's/^version=//p' "$repo/metadata.txt")
zip_path="$out_dir/pansharpen_adapt-$version.zip"

python3 - "$repo" "$zip_path" <<'PY'
import os
import sys
import zipfile

repo, zip_path = sys.argv[1], sys.argv[2]
FOLDERS = ("engine", "ui", "resources")
FILES = ("metadata.txt", "__init__.py", "plugin.py", "LICENSE", "README.md", "requirements.txt")
SKIP_DIRS = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
SKIP_SUFFIXES = (".pyc", ".pyo", ".aux.xml")


def plugin_files():
    for name in FILES:
        yield name
    for folder in FOLDERS:
        for root, dirs, names in os.walk(os.path.join(repo, folder)):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
            for name in sorted(names):
                if not name.endswith(SKIP_SUFFIXES) and not name.startswith("."):
                    yield os.path.relpath(os.path.join(root, name), repo)


tmp = zip_path + ".partial"
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
    for rel in plugin_files():
        zf.write(os.path.join(repo, rel), os.path.join("pansharpen_adapt", rel))
os.replace(tmp, zip_path)
print(zip_path)
PY
