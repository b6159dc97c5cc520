"""What a job reads and writes, checked before any work: no output may overwrite an input or another output.

Every front end describes a job as the files it reads (rasters with their VRT sources, model and tailor
files with their sidecars) and the files it will write (the GeoTIFF, reports, tailor and model files,
quicklooks). `check_job_paths` compares them resolved (absolute, `..` removed, symlinks followed, hard links
by inode) and checks each output's folder, so that a refusal is one line and nothing has been written.
"""
from __future__ import annotations

import os
from typing import Iterable, List, Optional, Sequence, Tuple

from .atomic import free_bytes
from .errors import EngineError

Role = Tuple[str, str]  # (what the file is for the user, path)
_MAX_VRT_DEPTH = 8
MIN_FREE_BYTES = 64 * 1024  # less than this and not even a report fits: refuse before any work


def _resolved(path: str) -> str:
    return os.path.realpath(os.path.abspath(os.path.expanduser(path)))


def _file_list(path: str) -> List[str]:
    """GDAL's list of the files behind a dataset, absolute; [] when it cannot be opened."""
    from osgeo import gdal  # late: importing engine must stay light

    from .raster import inputs  # noqa: F401 - sets gdal.UseExceptions()

    try:
        ds = gdal.Open(path)
        files = list(ds.GetFileList() or []) if ds is not None else []
    except RuntimeError:
        return []
    out = []
    for f in files:
        if not os.path.isabs(f) and not f.startswith("/vsi") and not os.path.exists(f):
            f = os.path.join(os.path.dirname(os.path.abspath(path)), f)
        out.append(f)
    return out


def raster_files(path: str) -> List[str]:
    """The files GDAL reads for a raster, resolved: itself, its sidecars and, for a VRT, its sources
    (VRTs of VRTs followed to a depth of 8). An unopenable path gives just itself."""
    seen: List[str] = []
    todo = [(path, 0)]
    while todo:
        p, depth = todo.pop()
        if p.startswith("/vsi") or _resolved(p) in seen:
            continue
        seen.append(_resolved(p))
        if (depth == 0 or p.lower().endswith(".vrt")) and depth < _MAX_VRT_DEPTH:
            todo.extend((f, depth + 1) for f in _file_list(p))
    return seen


def raster_reads(role: str, path: str) -> List[Role]:
    """[(role, file)] for every file behind a raster input (see raster_files)."""
    return [(role, f) for f in raster_files(path)] if path else []


def _same(a: str, b: str) -> bool:
    if _resolved(a) == _resolved(b):
        return True
    try:
        return os.path.samefile(a, b)  # hard links
    except OSError:
        return False


def _check_folder(role: str, path: str) -> None:
    out = _resolved(path)
    if os.path.isdir(out):
        raise EngineError(f"the {role} {path} is a folder; give a file name")
    folder = os.path.dirname(out)
    if not os.path.isdir(folder):
        raise EngineError(f"folder of the {role} does not exist: {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise EngineError(f"folder of the {role} is not writable: {folder}")
    if os.path.exists(out) and not os.path.isfile(out):
        raise EngineError(f"the {role} {path} exists and is not a regular file")
    if free_bytes(out) < MIN_FREE_BYTES:
        raise EngineError(f"no space left on the device holding {folder}")


def check_job_paths(reads: Iterable[Role], writes: Iterable[Role]) -> None:
    """EngineError (one line) when an output would overwrite an input or another output, or cannot be
    written (missing or read-only folder, a folder in its place). Paths '' or '-' (stdout) are skipped."""
    read_list = [(role, path) for role, path in reads if path]
    done: List[Role] = []
    for role, path in writes:
        if not path or path == "-":
            continue
        _check_folder(role, path)
        for read_role, read_path in read_list:
            if _same(path, read_path):
                raise EngineError(f"the {role} {path} would overwrite an input ({read_role} {read_path})")
        for other_role, other in done:
            if _same(path, other):
                raise EngineError(f"the {role} and the {other_role} are the same file: {path}")
        done.append((role, path))


def sidecar_of(model_path: str) -> str:
    """The JSON sidecar a SWIFT model file comes with (same stem)."""
    return os.path.splitext(model_path)[0] + ".json"


def model_reads(method: str) -> List[Role]:
    """The files a method name reads when it is a saved model file (the file and its sidecar)."""
    if method.lower().endswith(".safetensors"):
        return [("model file", method), ("model sidecar", sidecar_of(method))]
    return []


def optional(role: str, path: Optional[str]) -> Sequence[Role]:
    """[(role, path)] when path is set, else []."""
    return [(role, path)] if path else []
