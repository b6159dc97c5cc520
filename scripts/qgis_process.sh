#!/usr/bin/env bash
# qgis_process with this plugin loaded: runs qgis_process.bin directly because Debian's
# /usr/bin/qgis_process wrapper passes --noversioncheck (from /etc/default/qgis), which the binary rejects.
#
#   scripts/qgis_process.sh run pansharpen_adapt:pansharpen -- PAN=pan.tif MS=ms.tif OUTPUT=out.tif
#   scripts/qgis_process.sh help pansharpen_adapt:pansharpen
#
# - the plugin is found under its folder name (a symlink pansharpen_adapt -> this checkout, kept in the
#   profile below);
# - the QGIS profile is $QGIS_CUSTOM_CONFIG_PATH when set, else a dedicated one in
#   ${XDG_DATA_HOME:-~/.local/share}/pansharpen_adapt/qgis_process (your desktop profile is left alone);
#   the plugin is enabled there on first use;
# - the .venv's site-packages (torch) are put on PYTHONPATH: qgis_process uses the system Python;
# - the profile does not stretch rasters, so QGIS leaves no <input>.aux.xml statistics files behind.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${QGIS_PROCESS_BIN:-$(command -v qgis_process.bin || echo /usr/bin/qgis_process.bin)}
if [ ! -x "$bin" ]; then
  echo "qgis_process.sh: $bin not found; install the Debian package qgis (or set QGIS_PROCESS_BIN)" >&2
  exit 127
fi

export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
export QGIS_CUSTOM_CONFIG_PATH=${QGIS_CUSTOM_CONFIG_PATH:-${XDG_DATA_HOME:-$HOME/.local/share}/pansharpen_adapt/qgis_process}
mkdir -p "$QGIS_CUSTOM_CONFIG_PATH"
# Qt warns on every start without a runtime folder, and PyQt5's sip warns about setapi(): noise around the
# one line that matters.
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  export XDG_RUNTIME_DIR="$QGIS_CUSTOM_CONFIG_PATH/runtime"
  mkdir -p "$XDG_RUNTIME_DIR"
  chmod 700 "$XDG_RUNTIME_DIR"
fi
export PYTHONWARNINGS=${PYTHONWARNINGS:-ignore::DeprecationWarning}

# The plugin folder under its plugin name: a link kept in the profile (one per checkout), so that this script
# can end by exec-ing qgis_process.bin. Signals (SIGTERM from a batch system, SIGHUP) then reach the process
# that is writing, which cleans up; a wrapper shell in between would die and leave it running.
plugins="$QGIS_CUSTOM_CONFIG_PATH/plugin-links/$(printf '%s' "$repo" | sha256sum | cut -c1-16)"
mkdir -p "$plugins"
ln -sfn "$repo" "$plugins/pansharpen_adapt"
export QGIS_PLUGINPATH="$plugins${QGIS_PLUGINPATH:+:$QGIS_PLUGINPATH}"

if [ -x "$repo/.venv/bin/python" ]; then
  site=$("$repo/.venv/bin/python" -c 'import site; print(site.getsitepackages()[0])')
  export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
fi

# Enabling is a QGIS setting of the profile; skip the extra start-up when it is already set.
ini="$QGIS_CUSTOM_CONFIG_PATH/profiles/default/QGIS/QGIS3.ini"
if ! grep -qs '^pansharpen_adapt=true' "$ini"; then
  "$bin" plugins enable pansharpen_adapt >/dev/null
fi
# QGIS computes statistics of every raster layer it loads (for the default contrast stretch) and GDAL keeps
# them in <input>.aux.xml next to the user's files. qgis_process renders nothing: switch the stretch off in
# this dedicated profile so that a run leaves the inputs' folders as they were.
if ! grep -qs '^defaultContrastEnhancementLimits' "$ini"; then
  printf '\n[Raster]\n%s\n%s\n%s\n' 'defaultContrastEnhancementLimits\singleBand=None' \
    'defaultContrastEnhancementLimits\multiBandSingleByte=None' \
    'defaultContrastEnhancementLimits\multiBandMultiByte=None' >> "$ini"
fi
exec "$bin" "$@"
