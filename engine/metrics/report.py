"""The assessment report: index values with their meaning, where and how they were computed, timings."""
from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from ..atomic import write_text
from .catalogue import INDEX_INFO

REPORT_VERSION = 1


@dataclass
class Region:
    """Assessed window in pixels of the fused raster (x, y of its top-left corner, width, height)."""

    x: int
    y: int
    width: int
    height: int
    whole: bool

    def describe(self) -> str:
        where = "whole image" if self.whole else f"centred window at ({self.x}, {self.y})"
        return f"{self.width}x{self.height} px, {where}"


@dataclass
class AssessmentReport:
    """What `engine.evaluation.assess` measured. indices: name -> value (see INDEX_INFO for direction and
    ideal).

    kind: "full" (no reference), "reference" (fused vs a given reference, plus the full-resolution set),
    or "reduced" (the method run on the Wald-degraded pair, scored against the original MS).
    """

    kind: str
    indices: Dict[str, float]
    ratio: int
    sensor: str
    sensor_reason: str
    ms_gains: List[float]
    pan_gain: float
    region: Region
    settings: Dict[str, object]
    inputs: Dict[str, str]
    timings: Dict[str, float] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)

    def to_dict(self) -> Dict[str, object]:
        """JSON-ready dictionary (non-finite values become null)."""
        return {
            "version": REPORT_VERSION,
            "kind": self.kind,
            "indices": {k: _finite(v) for k, v in self.indices.items()},
            "better": {k: INDEX_INFO[k].better for k in self.indices if k in INDEX_INFO},
            "ratio": self.ratio,
            "sensor": {"name": self.sensor, "reason": self.sensor_reason, "ms_gains": list(self.ms_gains),
                       "pan_gain": self.pan_gain},
            "region": {"x": self.region.x, "y": self.region.y, "width": self.region.width,
                       "height": self.region.height, "whole_image": self.region.whole},
            "settings": dict(self.settings),
            "inputs": dict(self.inputs),
            "timings_s": {k: round(v, 4) for k, v in self.timings.items()},
            "notes": list(self.notes),
        }

    def write_json(self, path: str) -> None:
        """Write to_dict() as indented JSON (UTF-8), to stdout when path is '-'; raises EngineError when the
        file cannot be written."""
        if path == "-":
            json.dump(self.to_dict(), sys.stdout, indent=2)
            sys.stdout.write("\n")
            return
        write_text(path, json.dumps(self.to_dict(), indent=2) + "\n", "report")

    def table(self) -> str:
        """Plain-text table: index, value, direction, ideal; then sensor, region and timings."""
        lines = [f"{'index':<11} {'value':>10}  {'better':<7} ideal"]
        for name, value in self.indices.items():
            info = INDEX_INFO.get(name)
            unit = f" {info.unit}" if info and info.unit else ""
            better = info.better if info else ""
            ideal = _format(info.ideal) if info else ""
            lines.append(f"{name:<11} {_format(value):>10}  {better:<7} {ideal}{unit}")
        lines.append(f"sensor: {self.sensor} ({self.sensor_reason}); ratio {self.ratio}")
        lines.append(f"region: {self.region.describe()}")
        if self.timings:
            lines.append("timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in self.timings.items()))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _finite(v: float) -> Optional[float]:
    return float(v) if math.isfinite(v) else None


def _format(v: float) -> str:
    if not math.isfinite(v):
        return "inf" if v > 0 else "nan"
    return f"{v:.4f}" if abs(v) < 100 else f"{v:.2f}"


def default_json_path(fused_path: str) -> str:
    """<fused without extension>_metrics.json next to the fused raster."""
    return os.path.splitext(fused_path)[0] + "_metrics.json"
