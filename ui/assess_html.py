"""HTML page of an assessment report for the Processing results viewer (a plain table, no scripts), with
the quicklook picture embedded (base64 PNG) when there is one."""
from __future__ import annotations

import base64
import html
import json
from typing import TYPE_CHECKING, Iterable, List, Optional, Tuple

from .quality import direction, index_rows, timings_text

if TYPE_CHECKING:
    from ..engine import AssessmentReport

KIND_TITLES = {
    "full": "full resolution, no reference",
    "reference": "fused vs reference, plus the full-resolution set",
    "reduced": "reduced resolution (Wald protocol)",
}
STYLE = ("body{font-family:sans-serif;font-size:10pt} table{border-collapse:collapse} "
         "th,td{border:1px solid #bbb;padding:3px 8px} th{background:#eee;text-align:left} "
         "td.num{text-align:right;font-family:monospace}")


def _e(value: object) -> str:
    return html.escape(str(value))


def _table(header: Tuple[str, ...], rows: Iterable[Tuple[str, ...]], numeric: Tuple[int, ...] = ()) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td class="num">{_e(c)}</td>' if i in numeric else f"<td>{_e(c)}</td>"
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _details(report: AssessmentReport) -> List[Tuple[str, str]]:
    gains = ", ".join(f"{g:g}" for g in report.ms_gains)
    items = [("Sensor", f"{report.sensor}: {report.sensor_reason}"),
             ("Ratio", str(report.ratio)),
             ("MTF gains at Nyquist", f"MS {gains}; PAN {report.pan_gain:g}"),
             ("Region assessed", report.region.describe())]
    items += [(f"Input: {role}", path) for role, path in report.inputs.items()]
    if report.timings:
        items.append(("Timings", timings_text(report)))
    return items


def quicklook_html(png: bytes, caption: str = "") -> str:
    """The quicklook as an <img> with the PNG inline (data: URI, so the page stands alone) and a caption."""
    data = base64.b64encode(png).decode("ascii")
    text = ("Upsampled MS | classical reference (mtf_glp_hpm) | the result, at 1:1 on the window with the "
            "most PAN detail, one stretch for all panels; last: the PAN's detail map, the window outlined.")
    return (f"<h3>Quicklook</h3><p>{_e(text)}{' ' + _e(caption) if caption else ''}</p>"
            f'<img alt="quicklook" src="data:image/png;base64,{data}">')


def report_html(report: AssessmentReport, quicklook: Optional[bytes] = None, caption: str = "") -> str:
    """A whole HTML document: index table (value, direction, ideal), sensor, region, the quicklook PNG
    (when given, with its caption), notes, settings."""
    rows = [(r.name, r.text, direction(r.better), r.ideal, r.title) for r in index_rows(report)]
    parts = [f"<html><head><meta charset=\"utf-8\"><title>Pansharpening quality</title>"
             f"<style>{STYLE}</style></head><body>",
             f"<h2>Pansharpening quality</h2><p>{_e(KIND_TITLES.get(report.kind, report.kind))}</p>",
             _table(("Index", "Value", "Direction", "Ideal", "Meaning"), rows, numeric=(1, 3)),
             "<h3>Where and how</h3>", _table(("Property", "Value"), _details(report))]
    if quicklook:
        parts.append(quicklook_html(quicklook, caption))
    if report.notes:
        parts.append("<h3>Notes</h3><ul>" + "".join(f"<li>{_e(n)}</li>" for n in report.notes) + "</ul>")
    settings = [(k, json.dumps(v) if not isinstance(v, str) else v) for k, v in report.settings.items()]
    parts += ["<h3>Settings</h3>", _table(("Setting", "Value"), settings),
              "<h3>How each index is computed</h3>",
              _table(("Index", "Computation"), [(r.name, r.settings) for r in index_rows(report)]),
              "</body></html>"]
    return "\n".join(parts)


def write_report_html(report: AssessmentReport, path: str, quicklook: Optional[bytes] = None,
                      caption: str = "") -> None:
    """Write report_html(report, quicklook, caption) to path (UTF-8, atomically); EngineError (one line)
    when it cannot."""
    from ..engine import write_text

    write_text(path, report_html(report, quicklook, caption), "HTML report")
