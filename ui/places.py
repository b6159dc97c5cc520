"""Where the dock puts what must survive QGIS exiting, and what it calls it. Plain paths; no Qt or QGIS.

- Results go to an output folder (a plugin setting; by default ``pansharpen_adapt`` in the project's folder
  when the project is saved, else ``~/pansharpen_adapt``) under a name made from the method and the time, so
  nothing lands in QGIS's temporary folder (emptied on exit) unless the user asks for a temporary file.
- The quicklook of a run is saved next to its output (``<output>_quicklook.png``), so the run history of a
  reopened project still shows it.
- SWIFT model files go to ``$XDG_DATA_HOME/pansharpen_adapt/models`` (default
  ``~/.local/share/pansharpen_adapt/models``), the folder the method picker lists at every start.
"""
from __future__ import annotations

import os
import time
from typing import List, Optional

APP = "pansharpen_adapt"
MODEL_SUFFIX = ".safetensors"
SIDECAR_SUFFIX = ".json"
QUICKLOOK_SUFFIX = "_quicklook.png"


def data_dir() -> str:
    """$XDG_DATA_HOME/pansharpen_adapt (default ~/.local/share/pansharpen_adapt): venv, models, logs."""
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(data, APP)


def models_dir() -> str:
    """The folder of saved SWIFT model files, listed in the method picker at every start."""
    return os.path.join(data_dir(), "models")


def default_output_folder(project_home: str = "") -> str:
    """pansharpen_adapt/ in the project's folder when the project is saved, else ~/pansharpen_adapt."""
    base = project_home if project_home else os.path.expanduser("~")
    return os.path.join(base, APP)


def method_label(method: str) -> str:
    """A method's short name: the engine name, or a model file's name without .safetensors."""
    if method.strip().lower().endswith(MODEL_SUFFIX):
        return os.path.basename(method.strip())[: -len(MODEL_SUFFIX)]
    return method


def layer_name(method: str, adapt: str, sensor: str, when: Optional[float] = None) -> str:
    """'<method>[+<adaptation>] <sensor> <HH:MM:SS>', e.g. 'fusionnet+tailor quickbird 14:03:12', so runs
    of the same method with and without adaptation can be told apart in the layer panel."""
    adapted = f"+{adapt}" if adapt and adapt != "none" else ""
    stamp = time.strftime("%H:%M:%S", time.localtime(time.time() if when is None else when))
    return f"{method_label(method)}{adapted} {sensor} {stamp}"


def unique_path(folder: str, stem: str, suffix: str) -> str:
    """folder/stem+suffix, or folder/stem-2+suffix, -3, ... when that exists already."""
    path, n = os.path.join(folder, stem + suffix), 2
    while os.path.exists(path):
        path, n = os.path.join(folder, f"{stem}-{n}{suffix}"), n + 1
    return path


def auto_output(folder: str, method: str, adapt: str = "none", when: Optional[float] = None) -> str:
    """A new GeoTIFF path in `folder`: <method>[_<adaptation>]_<YYYYmmdd-HHMMSS>.tif (never an existing
    file)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time() if when is None else when))
    adapted = f"_{adapt}" if adapt and adapt != "none" else ""
    return unique_path(folder, f"{method_label(method)}{adapted}_{stamp}", ".tif")


def quicklook_path(output: str) -> str:
    """The quicklook PNG saved next to an output: <output stem>_quicklook.png."""
    return os.path.splitext(output)[0] + QUICKLOOK_SUFFIX


def swift_model_path(output: str, folder: Optional[str] = None) -> str:
    """Where the dock's SWIFT choice saves its model file: <models dir>/<output stem>_swift.safetensors
    (numbered when that exists, so an earlier model is never overwritten)."""
    stem = os.path.splitext(os.path.basename(output))[0] + "_swift"
    return unique_path(folder or models_dir(), stem, MODEL_SUFFIX)


def model_files_in(folder: str) -> List[str]:
    """Model files (.safetensors with their .json sidecar) in `folder`, oldest first ([] without the
    folder)."""
    if not os.path.isdir(folder):
        return []
    found = [os.path.join(folder, n) for n in os.listdir(folder) if n.lower().endswith(MODEL_SUFFIX)]
    found = [p for p in found if os.path.isfile(p[: -len(MODEL_SUFFIX)] + SIDECAR_SUFFIX)]
    return sorted(found, key=lambda p: (os.path.getmtime(p), p))


def is_inside(path: str, folder: str) -> bool:
    """True when `path` lies in `folder` (or below it); False for an empty folder."""
    if not folder:
        return False
    try:
        return os.path.commonpath([os.path.abspath(path), os.path.abspath(folder)]) == os.path.abspath(folder)
    except ValueError:  # different drives on Windows
        return False
