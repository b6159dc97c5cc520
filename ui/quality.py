"""Readable rows and lines of an engine AssessmentReport, shared by the dock and the Processing HTML.

No Qt here. engine.metrics imports torch, so it is imported inside the functions: these are only called
with a report in hand, i.e. when torch works.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, List

if TYPE_CHECKING:
    from ..engine import AssessmentReport

TIMING_NAMES = {"run": "run", "assess": "assessment", "degrade": "degradation"}


@dataclass(frozen=True)
class IndexRow:
    """One index of a report. text: the value with its unit ('0.9084', '2.31 deg'); better: 'higher',
    'lower' or '' for an index the catalogue does not know; ideal: formatted ideal value."""

    name: str
    value: float
    text: str
    better: str
    ideal: str
    title: str
    settings: str


def format_value(value: float) -> str:
    """4 decimals below 100, else 2; 'inf' / '-inf' / 'nan' for non-finite values."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.4f}" if abs(value) < 100 else f"{value:.2f}"


def index_rows(report: AssessmentReport) -> List[IndexRow]:
    """The report's indices in the engine's order (reference set first, then the no-reference set)."""
    from ..engine import INDEX_INFO

    rows = []
    for name, value in report.indices.items():
        info = INDEX_INFO.get(name)
        unit = f" {info.unit}" if info and info.unit else ""
        rows.append(IndexRow(name, float(value), format_value(value) + unit, info.better if info else "",
                             format_value(info.ideal) + unit if info else "", info.title if info else name,
                             info.settings if info else ""))
    return rows


def direction(better: str) -> str:
    """'higher is better' / 'lower is better' ('' when unknown)."""
    return f"{better} is better" if better else ""


def timings_text(report: AssessmentReport) -> str:
    """'run 0.12 s, assessment 0.51 s' (the report's timings, in the order they happened)."""
    return ", ".join(f"{TIMING_NAMES.get(k, k)} {v:.2f} s" for k, v in report.timings.items())


def log_lines(report: AssessmentReport) -> List[str]:
    """'HQNR 0.9084 (higher is better)' per index, then where it was measured and how long it took."""
    lines = [f"{r.name} {r.text} ({direction(r.better)})" if r.better else f"{r.name} {r.text}"
             for r in index_rows(report)]
    lines.append(f"assessed {report.region.describe()}; sensor {report.sensor}, ratio {report.ratio}")
    if report.timings:
        lines.append(f"times: {timings_text(report)}")
    lines += [f"note: {n}" for n in report.notes]
    return lines
