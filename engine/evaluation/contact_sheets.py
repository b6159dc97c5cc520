"""Contact sheets of `evaluate --quicklooks DIR`: one PNG per pair with every method and adaptation run on it.

The evaluation fuses into a temporary folder and, without quicklooks, deletes each raster once assessed.
With them, `evaluate_one(..., keep_output=True)` leaves the rasters, and ContactSheets collects the ones each
run wrote; when a pair's runs are over it renders DIR/<pair>.png (engine/evaluation/quicklook.py: one
window, one
stretch for all panels; `mtf_glp_hpm` of the table is the reference panel, else it is computed on the
window) and deletes them, so the folder holds one pair's rasters at most.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from ..errors import Cancelled, EngineError
from ..paths import Role, check_job_paths
from ..progress import CancelToken
from .quicklook import REFERENCE_METHOD, Panel, QuicklookSpec, quicklook_writes, render_quicklook, run_title


def sheet_path(folder: str, pair_name: str) -> str:
    """DIR/<pair>.png."""
    return os.path.join(folder, f"{pair_name}.png")


def check_evaluation_paths(reads: Sequence[Role], writes: Sequence[Role], folder: Optional[str],
                           pair_names: Sequence[str]) -> None:
    """check_job_paths of an evaluation, with the PNG of every pair in `folder` (--quicklooks) among the
    writes. The folder is made when missing (its parent must exist), and removed again when the check
    refuses the job, so that a refused job leaves nothing."""
    if not folder:
        check_job_paths(reads, writes)
        return
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise EngineError(f"--quicklooks must be a folder: {folder}")
    made = not os.path.isdir(folder)
    if made:
        parent = os.path.dirname(os.path.abspath(folder))
        if not os.path.isdir(parent):
            raise EngineError(f"folder of the quicklooks does not exist: {parent}")
        try:
            os.mkdir(folder)
        except OSError as exc:
            raise EngineError(f"cannot make the quicklooks folder {folder}: {exc.strerror}") from None
    sheets = [role for name in pair_names for role in quicklook_writes(sheet_path(folder, name))]
    try:
        check_job_paths(reads, [*writes, *sheets])
    except EngineError:
        if made:
            os.rmdir(folder)
        raise


@dataclass
class _Pending:
    """The run in progress: its pair, title, the records count and the folder's rasters before it."""

    pair: Any
    title: str
    records: int
    before: Set[str]


@dataclass
class ContactSheets:
    """Collects the fused rasters of each pair's runs (in `work`, the evaluation's temporary folder) and
    renders the pair's sheet into spec.path once the evaluation moves to another pair (collect) or ends."""

    work: str
    spec: Optional[QuicklookSpec]
    device: str = "auto"
    skip: Optional[Callable[[str, str], None]] = None
    cancel: Optional[CancelToken] = None
    shown: List[Tuple[str, str]] = field(default_factory=list)  # (title, raster) of the current pair
    sensors: Dict[str, str] = field(default_factory=dict)
    _pending: Optional[_Pending] = None

    def _rasters(self) -> Set[str]:
        return {f for f in os.listdir(self.work) if f.lower().endswith(".tif")}

    def collect(self, records: Sequence[Dict[str, Any]], pair: Any = None, method: str = "",
                adapt: str = "") -> None:
        """Call before each run (pair, method, adapt) and once after the last (pair None): files the
        previous run left are kept for its pair's sheet when it gave a record (else deleted); a pair's
        sheet is rendered when its runs are over."""
        if self.spec is None:
            return
        last = self._pending
        if last is not None:
            new = sorted(self._rasters() - last.before)
            if len(records) > last.records and new:
                self.shown.append((last.title, os.path.join(self.work, new[0])))
                self.sensors[last.pair.name] = records[-1]["sensor"]
                new = new[1:]
            self._delete(os.path.join(self.work, f) for f in new)
            if pair is None or pair.name != last.pair.name:
                self._render(last.pair)
        self._pending = None if pair is None else _Pending(pair, run_title(method, adapt), len(records),
                                                           self._rasters())

    def _render(self, pair: Any) -> None:
        shown, self.shown = self.shown, []
        if not shown or self.spec is None:
            return
        reference = next((path for title, path in shown if title == REFERENCE_METHOD), None)
        panels = [Panel(title, path) for title, path in shown if path != reference]
        try:
            render_quicklook(pair.pan, pair.ms, panels, sheet_path(self.spec.path, pair.name), reference,
                             sensor=self.sensors.get(pair.name, "auto"), size=self.spec.size,
                             zoom=self.spec.zoom, device=self.device,
                             heading=f"{pair.name}: every method and adaptation of the evaluation",
                             cancel=self.cancel)
        except Cancelled:
            raise
        except EngineError as exc:
            if self.skip:
                self.skip(f"{pair.name} quicklook", str(exc))
        finally:
            self._delete(path for _, path in shown)

    @staticmethod
    def _delete(paths: Any) -> None:
        for path in paths:
            try:
                os.remove(path)
            except OSError:
                pass
