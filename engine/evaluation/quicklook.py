"""Quicklooks: pictures of a result next to the upsampled MS and a classical reference, at 1:1.

`render_quicklook(pan, ms, [Panel(title, fused_path), ...])` returns a PNG (and writes it when given a path):

- **Window**: the PAN is searched, within a centred region of at most `search_size` PAN px (the whole image
  when smaller, as the assessment's window; it bounds the work on large scenes), for the `size` x `size`
  window with the most detail: the largest mean high-pass energy (engine/evaluation/quicklook_window.py:
  the scales
  finer than an MS pixel, which is what pansharpening injects), candidates every 8 px or so. Windows
  holding nodata (in the PAN or the MS) are excluded while any window is free of it, and a nodata edge
  never counts as detail.
- **Panels**, all of that one window at 1:1 (`zoom` repeats pixels for high-DPI screens): the MS upsampled
  as the methods do (bicubic by default), the classical reference `mtf_glp_hpm` (computed by the engine's
  pipeline on the window's pair plus the method's halo, so its image-wide statistics are the window's; or
  a given file), then each result.
- **One stretch for all panels**: per RGB band the 2 and 98 % percentiles of the upsampled MS window,
  applied identically to every panel, so that differences between panels are differences of the images.
  RGB bands come from engine.evaluation.rgb (band descriptions, the sensor preset's order, else 3, 2, 1).
- **Detail map**: the detail energy (RMS high-pass) of the searched region, per cell, with the chosen
  window outlined.

Needs torch and GDAL (import this module lazily where torch may be missing).
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from osgeo import gdal

from ..atomic import write_bytes
from ..errors import EngineError
from ..methods.registry import get_method
from ..paths import Role
from ..physics.resample import upsample, upsample_halo
from ..physics.sensors import SensorGuess
from ..pipeline import run
from ..progress import CancelToken, ProgressCallback, no_progress
from ..raster.align import AlignedPair
from ..raster.blocks import Block, BlockData, read_block, round_up
from ..raster.fill import FillValues, fill_invalid
from ..raster.inputs import RasterInfo, open_raster
from ..raster.pairs import check_bands, grid_offset, open_pair, pair_window, read_window
from ..request import PansharpenRequest
from .quicklook_sheet import Tile, compose, energy_image, png_bytes, stretch_rgb
from .quicklook_window import DetailMap, cell_size, detail_map
from .rgb import rgb_bands

DEFAULT_SIZE = 256
DEFAULT_SEARCH = 2048
REFERENCE_METHOD = "mtf_glp_hpm"
CUT = (2.0, 98.0)


@dataclass(frozen=True)
class Panel:
    """A fused raster on the PAN grid to show: its title (method + adaptation) and a subtitle."""

    title: str
    path: str
    subtitle: str = "result"


@dataclass
class Quicklook:
    """A rendered quicklook. window and region: (x, y, w, h) on the pair's PAN grid; rgb: 1-based bands
    shown as red, green, blue; low, high: the stretch of each (data units); png: the encoded image;
    titles and boxes: each panel's title and where its picture lies in the image, (x, y, w, h) px."""

    png: bytes
    window: Tuple[int, int, int, int]
    region: Tuple[int, int, int, int]
    rgb: Tuple[int, int, int]
    low: np.ndarray
    high: np.ndarray
    titles: List[str] = field(default_factory=list)
    boxes: List[Tuple[int, int, int, int]] = field(default_factory=list)

    def describe(self) -> str:
        """'256x256 PAN px at (128, 64)'."""
        x, y, w, h = self.window
        return f"{w}x{h} PAN px at ({x}, {y})"


def quicklook_writes(path: Optional[str]) -> List[Role]:
    """[("quicklook", path)] for check_job_paths ([] when no path); EngineError unless it ends in .png."""
    if not path:
        return []
    if not path.lower().endswith(".png"):
        raise EngineError(f"the quicklook must be a PNG file (.png): {path}")
    return [("quicklook", path)]


def _common_extent(pair: AlignedPair, fused: Sequence[RasterInfo]) -> Tuple[int, int, int, int]:
    """(x0, x1, y0, y1) of the PAN grid covered by every fused raster (checked to be on that grid)."""
    x0, x1, y0, y1 = 0, pair.width, 0, pair.height
    for info in fused:
        check_bands(pair, info, "fused")
        fx, fy = grid_offset(pair, info, "fused")
        x0, x1, y0, y1 = max(x0, fx), min(x1, fx + info.width), max(y0, fy), min(y1, fy + info.height)
    return x0, x1, y0, y1


def _centred(start: int, end: int, max_size: int, unit: int, ratio: int) -> Tuple[int, int]:
    """(origin, size) of a centred 1-D window of [start, end): origin a multiple of ratio, size of unit."""
    first = -(-start // ratio) * ratio
    size = min(max_size, end - first) // unit * unit
    if size < unit:
        raise EngineError(f"the image is too small for a quicklook: {end - first} px, need at least {unit}")
    return first + (end - first - size) // 2 // ratio * ratio, size


def _search(pair: AlignedPair, fused: Sequence[RasterInfo], size: int,
            search_size: int) -> Tuple[Tuple[int, int, int, int], DetailMap]:
    """The searched region (x, y, w, h) on the PAN grid and its detail map with the chosen window."""

    g = cell_size(pair.ratio)
    x0, x1, y0, y1 = _common_extent(pair, fused)
    rx, rw = _centred(x0, x1, max(search_size, size), g, pair.ratio)
    ry, rh = _centred(y0, y1, max(search_size, size), g, pair.ratio)
    pan, _, valid = pair_window(pair, rx, ry, rw, rh)
    wanted = (max(g, min(size, rw) // g * g), max(g, min(size, rh) // g * g))
    return (rx, ry, rw, rh), detail_map(pan[0], valid, pair.ratio, wanted)


def _extended(pair: AlignedPair, window: Tuple[int, int, int, int], halo: int) -> Tuple[Block, BlockData]:
    x, y, w, h = window
    block = Block(x, y, w, h, halo, w + 2 * halo, h + 2 * halo)
    return block, read_block(pair, block)


def _with_nan(values: np.ndarray, valid: Optional[np.ndarray]) -> np.ndarray:
    out = values.astype(np.float32, copy=True)
    if valid is not None:
        out[..., ~valid] = np.nan
    return out


def _write_float(path: str, data: np.ndarray) -> None:
    """(C, h, w) float32 as a GeoTIFF without georeference (the pipeline then takes the ratio from the
    sizes); NaN marks nodata."""
    ds = gdal.GetDriverByName("GTiff").Create(path, data.shape[2], data.shape[1], data.shape[0],
                                              gdal.GDT_Float32)
    for b in range(data.shape[0]):
        ds.GetRasterBand(b + 1).WriteArray(data[b])
    ds.FlushCache()
    ds = None


def _reference(data: BlockData, block: Block, guess: SensorGuess, upsampler: str, device: str,
               cancel: CancelToken) -> Tuple[np.ndarray, np.ndarray]:
    """REFERENCE_METHOD run by the pipeline on the extended window (unfilled data, nodata as NaN);
    (C, h, w) values and (h, w) validity of the window."""
    with tempfile.TemporaryDirectory(prefix="pansharpen-quicklook-") as folder:
        pan, ms, out = (os.path.join(folder, f"{n}.tif") for n in ("pan", "ms", "reference"))
        _write_float(pan, _with_nan(data.pan[None], data.pan_valid))
        _write_float(ms, _with_nan(data.ms, data.ms_valid))
        request = PansharpenRequest(pan, ms, out, method=REFERENCE_METHOD, sensor=guess.preset.name,
                                    output_dtype="float32", device=device, upsampler=upsampler)
        run(request, cancel=cancel)
        fused = gdal.Open(out).ReadAsArray().astype(np.float32).reshape(-1, block.ext_h, block.ext_w)
    h0 = block.halo
    crop = fused[:, h0:h0 + block.h, h0:h0 + block.w]
    return crop, np.isfinite(crop).all(axis=0)


def _upsampled(data: BlockData, block: Block, ratio: int, upsampler: str) -> Tuple[np.ndarray, np.ndarray]:
    """The MS of the window upsampled as the methods do ((C, h, w)), and the window's validity (PAN and
    MS). Invalid inputs are filled with the window's means first, so nodata values do not smear."""
    pan_valid = np.ones(data.pan.shape, bool) if data.pan_valid is None else data.pan_valid
    ms_valid = np.ones(data.ms.shape[1:], bool) if data.ms_valid is None else data.ms_valid
    valid = pan_valid & ms_valid.repeat(ratio, axis=0).repeat(ratio, axis=1)
    means = np.array([band[ms_valid].mean() if ms_valid.any() else 0.0 for band in data.ms])
    fill_invalid(data, FillValues(float(data.pan[pan_valid].mean()) if pan_valid.any() else 0.0, means))
    with torch.no_grad():
        up = upsample(torch.from_numpy(np.ascontiguousarray(data.ms))[None], ratio, upsampler)[0].numpy()
    h0 = block.halo
    window = (slice(h0, h0 + block.h), slice(h0, h0 + block.w))
    return up[(slice(None), *window)], valid[window]


def _stretch(values: np.ndarray, valid: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(low, high) per band of (3, h, w): the CUT percentiles of the valid pixels (all when none is)."""
    pixels = values[:, valid] if valid.any() else values.reshape(values.shape[0], -1)
    low, high = np.percentile(pixels, CUT, axis=1)
    return low, np.where(high > low, high, low + 1.0)


def panel_title(path: str) -> str:
    """'method + adaptation' from a fused GeoTIFF's PANSHARPEN_METHOD / PANSHARPEN_ADAPT metadata (written by
    the pipeline), else the file name without extension."""
    from ..raster import inputs  # noqa: F401 - sets gdal.UseExceptions()

    try:
        ds = gdal.Open(path)
        method, adapt = ds.GetMetadataItem("PANSHARPEN_METHOD"), ds.GetMetadataItem("PANSHARPEN_ADAPT")
    except RuntimeError:
        method = adapt = None
    if not method:
        return os.path.splitext(os.path.basename(path))[0]
    return f"{method} + {adapt}" if adapt and adapt != "none" else method


def _check_args(size: int, zoom: int, search_size: int) -> None:
    if not isinstance(size, int) or not 16 <= size <= 4096:
        raise EngineError(f"quicklook window must be 16 to 4096 PAN px, got {size}")
    if not isinstance(zoom, int) or not 1 <= zoom <= 8:
        raise EngineError(f"quicklook zoom must be an integer from 1 to 8, got {zoom}")
    if not isinstance(search_size, int) or search_size < 16:
        raise EngineError(f"quicklook search region must be at least 16 PAN px, got {search_size}")


def _halo(ratio: int, upsampler: str, reference: bool) -> int:
    """PAN px of context read around the window: the upsampler's, or the reference method's footprint as
    the pipeline computes it (so the reference's window pixels are those of a run on the window's pair)."""
    up = upsample_halo(upsampler, ratio)
    halo = get_method(REFERENCE_METHOD).halo(ratio) + max(0, up - 2 * ratio) if reference else up
    return round_up(max(halo, up), ratio)


@dataclass
class _Shown:
    """One panel's window values (C, h, w), validity (h, w), title and subtitle."""

    values: np.ndarray
    valid: np.ndarray
    title: str
    subtitle: str


def _file_window(path: str, role: str, pair: AlignedPair, window: Tuple[int, int, int, int]) -> \
        Tuple[np.ndarray, np.ndarray]:
    info = open_raster(path, role)
    fx, fy = grid_offset(pair, info, role)
    x, y, w, h = window
    return read_window(info, x - fx, y - fy, w, h)


def _panels(pair: AlignedPair, guess: SensorGuess, window: Tuple[int, int, int, int],
            results: Sequence[Panel], reference: Optional[str], with_reference: bool, upsampler: str,
            device: str, cancel: CancelToken) -> List[_Shown]:
    """Upsampled MS, the reference (a file, or computed on the window), then the results; each panel's
    validity is its own and the inputs' (so the same pixels are grey in every panel)."""
    computed = with_reference and not reference
    block, data = _extended(pair, window, _halo(pair.ratio, upsampler, computed))
    shown: List[_Shown] = []
    if computed:
        values, valid = _reference(data, block, guess, upsampler, device, cancel)
        shown.append(_Shown(values, valid, REFERENCE_METHOD, "classical reference, run on this window"))
    elif with_reference and reference:
        values, valid = _file_window(reference, "reference", pair, window)
        shown.append(_Shown(values, valid, panel_title(reference), "classical reference"))
    up, inputs_valid = _upsampled(data, block, pair.ratio, upsampler)
    shown.insert(0, _Shown(up, inputs_valid, "upsampled MS", f"{upsampler}, no PAN detail"))
    for panel in results:
        cancel.check()
        values, valid = _file_window(panel.path, "fused", pair, window)
        shown.append(_Shown(values, valid, panel.title, panel.subtitle))
    for s in shown:
        s.valid = s.valid & inputs_valid
    return shown


def _heading(pan: str, ms: str, guess: SensorGuess, ratio: int, window: Tuple[int, int, int, int],
             region: Tuple[int, int, int, int], rgb: Tuple[int, int, int], zoom: int,
             heading: str) -> List[str]:
    """Three lines: what was fused, where the window is and why, how colours are made."""
    x, y, w, h = window
    scale = "1:1 (one PAN pixel per screen pixel)" if zoom == 1 else f"zoom {zoom} (PAN px = {zoom}x{zoom})"
    colours = "grey = band 1" if rgb == (1, 1, 1) else f"RGB = MS bands {rgb[0]},{rgb[1]},{rgb[2]}"
    return [heading or f"{os.path.basename(pan)} + {os.path.basename(ms)}: sensor {guess.preset.name}, "
                       f"ratio {ratio}",
            f"window {w}x{h} PAN px at ({x}, {y}), {scale}, chosen for the most PAN detail in the "
            f"{region[2]}x{region[3]} px region searched (map)",
            f"{colours}; one stretch for all panels: {CUT[0]:g}-{CUT[1]:g} % of the upsampled MS window; "
            f"grey pixels: nodata"]


def render_quicklook(pan: str, ms: str, results: Sequence[Panel], output: Optional[str] = None,
                     reference: Optional[str] = None, with_reference: bool = True, sensor: str = "auto",
                     size: int = DEFAULT_SIZE, zoom: int = 1, search_size: int = DEFAULT_SEARCH,
                     upsampler: str = "bicubic", device: str = "auto", heading: str = "",
                     progress: ProgressCallback = no_progress,
                     cancel: Optional[CancelToken] = None) -> Quicklook:
    """Render the quicklook of `results` (fused rasters on the PAN grid) as PNG bytes (module doc); written
    atomically to `output` when given (its path is the caller's to check first: quicklook_writes and
    check_job_paths). reference: a classical result to show instead of computing REFERENCE_METHOD on the
    window; with_reference False shows none (e.g. when a result is REFERENCE_METHOD itself)."""
    cancel = cancel or CancelToken()
    _check_args(size, zoom, search_size)
    progress(0.0, "choosing the window")
    pair, guess = open_pair(pan, ms, sensor)
    files = [p.path for p in results] + ([reference] if reference and with_reference else [])
    region, dmap = _search(pair, [open_raster(f, "fused") for f in files], size, search_size)
    window = (region[0] + dmap.window[0], region[1] + dmap.window[1], dmap.window[2], dmap.window[3])
    cancel.check()
    progress(0.2, "panels")
    shown = _panels(pair, guess, window, results, reference, with_reference, upsampler, device, cancel)
    rgb = rgb_bands(pair.ms.descriptions, guess.preset.band_names) or (1, 1, 1)
    bands = [b - 1 for b in rgb]
    low, high = _stretch(shown[0].values[bands], shown[0].valid)
    tiles = [Tile(_zoomed(stretch_rgb(s.values[bands], s.valid, low, high), zoom), s.title, s.subtitle)
             for s in shown]
    g = dmap.cell
    cells_window = (dmap.window[0] // g, dmap.window[1] // g, dmap.window[2] // g, dmap.window[3] // g)
    fit = (window[2] * zoom, window[3] * zoom)
    tiles.append(Tile(energy_image(dmap.cells, dmap.cell_valid, cells_window, fit), "PAN detail",
                      "RMS high-pass; window outlined"))
    lines = _heading(pan, ms, guess, pair.ratio, window, region, rgb, zoom, heading)
    image, boxes = compose(tiles, lines)
    png = png_bytes(image)
    if output:
        write_bytes(output, png, "quicklook")
    progress(1.0, "done")
    return Quicklook(png, window, region, rgb, low, high, [t.title for t in tiles], boxes)


def _zoomed(image: np.ndarray, zoom: int) -> np.ndarray:
    return image.repeat(zoom, axis=0).repeat(zoom, axis=1) if zoom > 1 else image


@dataclass(frozen=True)
class QuicklookSpec:
    """A quicklook asked for with a job: the PNG path, the window side (PAN px) and the zoom."""

    path: str
    size: int = DEFAULT_SIZE
    zoom: int = 1

    def __post_init__(self) -> None:
        _check_args(self.size, self.zoom, DEFAULT_SEARCH)  # bad values stop the job before any work


def run_title(method: str, adapt: str = "none") -> str:
    """'fusionnet + tailor' ('mtf_glp_hpm' without adaptation); a model file by its file name."""
    name = os.path.basename(method)
    return f"{name} + {adapt}" if adapt and adapt != "none" else name


def quicklook_of_result(pan: str, ms: str, fused: str, title: str, sensor: str, spec: QuicklookSpec,
                        upsampler: str = "bicubic", device: str = "auto",
                        progress: ProgressCallback = no_progress,
                        cancel: Optional[CancelToken] = None) -> Quicklook:
    """The quicklook of one fused raster (not written): upsampled MS | mtf_glp_hpm on the window | it; without
    the reference panel when the result is mtf_glp_hpm itself."""
    return render_quicklook(pan, ms, [Panel(title, fused)], None, with_reference=title != REFERENCE_METHOD,
                            sensor=sensor, size=spec.size, zoom=spec.zoom, upsampler=upsampler, device=device,
                            progress=progress, cancel=cancel)


def write_quicklook(path: str, png: bytes, written: Sequence[Optional[str]] = ()) -> None:
    """Write the PNG atomically; when that fails, remove the files of `written` (reports this job wrote just
    before, '-' = stdout skipped) so that a failed job leaves nothing, and raise."""
    try:
        write_bytes(path, png, "quicklook")
    except BaseException:
        for other in written:
            if other and other != "-" and os.path.isfile(other):
                os.remove(other)
        raise
