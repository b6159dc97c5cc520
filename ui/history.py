"""The dock's run history: one plain record per finished run, saved in the QGIS project.

Records are JSON in the project file (QgsProject.writeEntry under the 'pansharpen_adapt' scope), so a saved
and reopened project shows its runs again; their quicklook PNGs live next to the outputs
(ui/places.quicklook_path), not in a temporary folder. No engine imports: a record is built from the
finished run's plain values.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Dict, List, Mapping, Optional

SCOPE = "pansharpen_adapt"
KEY = "run_history"
#: the indices shown in the table (the full-resolution protocol's pair, and HQNR for comparison)
INDICES = ("D_rho", "R_Q2n", "HQNR")
MAX_RECORDS = 200  # older runs drop off: the project file stays small
GUARD_NAMES = {"D_rho": "held-out D_rho", "R_Q2n": "R-Q2n", "RR_Q2n": "reduced-resolution Q2n"}


@dataclass
class RunRecord:
    """One finished run: when (epoch seconds), method (as picked: engine name or model file), adapt (none,
    tailor, full, swift), sensor, indices (INDICES that were assessed), guard ('kept' / 'not kept' / ''),
    guard_detail (the held-out scores before -> after), seconds (run time), output, quicklook (PNG path or
    ''), layer (the layer's name when it was added), model (the model file SWIFT made, '' otherwise)."""

    when: float
    method: str
    adapt: str
    sensor: str
    seconds: float
    output: str
    indices: Dict[str, float] = field(default_factory=dict)
    guard: str = ""
    guard_detail: str = ""
    quicklook: str = ""
    layer: str = ""
    model: str = ""

    def time_text(self) -> str:
        """'14:03:12' (the date too when the run was not today)."""
        stamp = time.localtime(self.when)
        same_day = time.strftime("%Y%m%d", stamp) == time.strftime("%Y%m%d")
        return time.strftime("%H:%M:%S" if same_day else "%Y-%m-%d %H:%M", stamp)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Optional[RunRecord]:
        """A record from saved values (unknown keys ignored); None when a required one is missing."""
        known = {f.name for f in fields(cls)}
        try:
            record = cls(**{k: v for k, v in values.items() if k in known})
        except TypeError:
            return None
        record.indices = {str(k): float(v) for k, v in dict(record.indices or {}).items()}
        return record


def guard_text(guard: Mapping[str, Any]) -> tuple[str, str]:
    """('kept' / 'not kept', 'held-out D_rho 0.2490 -> 0.1120, ...') of RunResult.guard; ('', '') without."""
    if not guard:
        return "", ""
    before, after = dict(guard.get("before") or {}), dict(guard.get("after") or {})
    detail = ", ".join(f"{GUARD_NAMES[k]} {float(before[k]):.4f} -> {float(after[k]):.4f}"
                       for k in GUARD_NAMES if k in before and k in after)
    return ("kept" if guard.get("kept") else "not kept"), detail


def record_of(result: Any, method: str, adapt: str, indices: Mapping[str, float], quicklook: str, layer: str,
              when: Optional[float] = None) -> RunRecord:
    """The record of an engine RunResult (read by attribute: output, method, sensor, seconds, guard), with
    the method and adaptation as the dock ran them: a SWIFT run's RunResult names the model file it made
    (kept as `model`), the table shows the backbone picked and 'swift'."""
    kept, detail = guard_text(getattr(result, "guard", {}) or {})
    model = str(result.method) if adapt == "swift" else ""
    return RunRecord(when=time.time() if when is None else when, method=method, adapt=adapt,
                     sensor=str(result.sensor), seconds=float(result.seconds), output=str(result.output),
                     indices={k: float(indices[k]) for k in INDICES if k in indices}, guard=kept,
                     guard_detail=detail, quicklook=quicklook, layer=layer, model=model)


def dumps(records: List[RunRecord]) -> str:
    """JSON text of the last MAX_RECORDS records."""
    return json.dumps([asdict(r) for r in records[-MAX_RECORDS:]])


def loads(text: str) -> List[RunRecord]:
    """Records from JSON text; [] for empty or unreadable text (a damaged entry must not stop the dock)."""
    try:
        values = json.loads(text) if text else []
    except ValueError:
        return []
    if not isinstance(values, list):
        return []
    records = [RunRecord.from_dict(v) for v in values if isinstance(v, dict)]
    return [r for r in records if r is not None]


def save_to_project(project: Any, records: List[RunRecord]) -> None:
    """Write the records into the project (saved with it; marks the project as changed)."""
    project.writeEntry(SCOPE, KEY, dumps(records))


def load_from_project(project: Any) -> List[RunRecord]:
    """The records saved in the project ([] when none)."""
    text, _ = project.readEntry(SCOPE, KEY, "")
    return loads(str(text or ""))
