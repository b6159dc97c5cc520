#!/usr/bin/env bash
# Screenshots of the plugin in a real QGIS desktop under Xvfb, in a throwaway profile and home (your own are
# left alone), as a user installing the zip sees it:
#   A: no PyTorch (message bar, dock strip, greyed deep methods), 'Set up PyTorch...' with pip MOCKED (the venv
#      is really created; a stand-in for pip links this checkout's .venv site-packages into it, no network),
#      then runs in the dock (mtf_glp_hpm, fusionnet + Feature Tailor, dicnn + SWIFT, an unnamed Landsat-8),
#      the History tab, two quicklooks side by side, double-click zoom; the project is saved;
#   B: QGIS restarted on that project: history, quicklooks and the SWIFT model are back; the Processing dialog;
#   C: the Help window, and the output-folder hint after saving a project.
#   scripts/screenshots.sh [WORK_DIR]      (default: a new temporary folder; PNGs in WORK_DIR/out)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:-$(mktemp -d -t psa-shots-XXXXXX)}
mkdir -p "$work/out" "$work/data" "$work/home"
profile="$work/profile"
plugins="$profile/profiles/default/python/plugins"
mkdir -p "$plugins" "$profile/profiles/default/QGIS"
bash "$repo/scripts/build_zip.sh" "$work/dist" >/dev/null
rm -rf "$plugins/pansharpen_adapt"
(cd "$plugins" && unzip -q "$work"/dist/pansharpen_adapt-*.zip)
printf '[PythonPlugins]\npansharpen_adapt=true\n\n[qgis]\nshowTips=false\ncheckVersion=false\n' \
  > "$profile/profiles/default/QGIS/QGIS3.ini"
cp "$repo"/tests/data/*.tif "$work/data/"
"$repo/.venv/bin/python" - "$work/data" <<'PY'
import sys
from osgeo import gdal
data = sys.argv[1]
gdal.Translate(f"{data}/landsat8_unnamed_ms.tif", f"{data}/landsat8_ms.tif")
ds = gdal.Open(f"{data}/landsat8_unnamed_ms.tif", gdal.GA_Update)
for b in range(1, ds.RasterCount + 1):
    ds.GetRasterBand(b).SetDescription("")
PY
export SCREENSHOT_SCRIPTS="$repo/scripts/screenshots" SHOTS="$work" HOME="$work/home" XDG_DATA_HOME="$work/home/.local/share" QGIS_CUSTOM_CONFIG_PATH="$profile"
export REAL_SITE
REAL_SITE=$("$repo/.venv/bin/python" -c 'import site; print(site.getsitepackages()[0])')
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
run() { timeout 300 xvfb-run -a -s "-screen 0 1440x900x24" qgis --noversioncheck "$@" >> "$work/out/qgis.log" 2>&1; }
run --code "$repo/scripts/screenshots/session_a.py"
run --project "$work/home/proj/project.qgz" --code "$repo/scripts/screenshots/session_b.py"
run --code "$repo/scripts/screenshots/session_c.py"
cat "$work/out/session.log"
echo "screenshots in $work/out"
