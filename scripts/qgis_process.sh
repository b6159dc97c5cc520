#!/usr/bin/env bash
# qgis_process with this plugin loaded: runs qgis_process.bin directly because Debian's
# /usr/bin/qgis_process wrapper passes --noversioncheck (from /etc/default/qgis), which the binary rejects.
#
#   scripts/qgis_process.sh run pansharpen_adapt:pansharpen -- PAN=pan.tif MS=ms.tif OUTPUT=out.tif
#   scripts/qgis_process.sh help pansharpen_adapt:pansharpen
#
# - the plugin is found under its folder name (a temporary symlink pansharpen_adapt -> this checkout);
# - the QGIS profile is $QGIS_CUSTOM_CONFIG_PATH when set, else a dedicated one in
#   ${XDG_DATA_HOME:-~/.local/share}/pansharpen_adapt/qgis_process (your desktop profile is left alone);
#   the plugin is enabled there on first use;
# - the .venv's site-packages (torch) are put on PYTHONPATH: qgis_process uses the system Python.
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

plugins=$(mktemp -d "${TMPDIR:-/tmp}/pansharpen_adapt-plugins.XXXXXX")
trap 'rm -rf "$plugins"' EXIT
ln -s "$repo" "$plugins/pansharpen_adapt"
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
status=0
"$bin" "$@" || status=$?
exit "$status"
