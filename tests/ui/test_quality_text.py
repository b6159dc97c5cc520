"""How a report reads in the dock and in the Processing HTML (formatting, directions, escaping)."""
from __future__ import annotations

import math

import pytest
from pansharpen_adapt.engine.metrics.report import AssessmentReport, Region
from pansharpen_adapt.ui.assess_html import report_html
from pansharpen_adapt.ui.quality import format_value, index_rows, log_lines


def _report(indices: dict, notes: list) -> AssessmentReport:
    return AssessmentReport("reference", indices, 4, "quickbird", "'QuickBird' in <metadata>",
                            [0.34, 0.32, 0.3, 0.22], 0.15, Region(64, 32, 128, 128, False),
                            {"max_size": 128, "rounding": "none"}, {"fused": "/data/a&b.tif"},
                            {"run": 1.234, "assess": 0.5}, notes)


@pytest.mark.parametrize("value, text", [
    (0.91234, "0.9123"), (-0.5, "-0.5000"), (123.456, "123.46"), (math.inf, "inf"), (-math.inf, "-inf"),
    (math.nan, "nan"),
])
def test_format_value(value, text) -> None:
    assert format_value(value) == text


def test_rows_carry_direction_unit_and_ideal() -> None:
    rows = {r.name: r for r in index_rows(_report({"SAM": 2.5, "HQNR": 0.9, "NEW": 1.0}, []))}
    assert (rows["SAM"].text, rows["SAM"].better, rows["SAM"].ideal) == ("2.5000 deg", "lower", "0.0000 deg")
    assert (rows["HQNR"].text, rows["HQNR"].better) == ("0.9000", "higher")
    assert (rows["NEW"].better, rows["NEW"].title) == ("", "NEW")  # unknown to the catalogue: still shown


def test_log_lines() -> None:
    lines = log_lines(_report({"HQNR": 0.91234, "D_s": 0.05}, ["window filled"]))
    assert lines[:2] == ["HQNR 0.9123 (higher is better)", "D_s 0.0500 (lower is better)"]
    assert lines[2] == "assessed 128x128 px, centred window at (64, 32); sensor quickbird, ratio 4"
    assert lines[3] == "times: run 1.23 s, assessment 0.50 s"
    assert lines[4] == "note: window filled"


def test_html_has_the_table_context_and_escapes_text() -> None:
    page = report_html(_report({"Q2n": 0.8, "PSNR": math.inf}, ["<b>bold</b> note"]))
    assert "<td>Q2n</td><td class=\"num\">0.8000</td><td>higher is better</td>" in page
    assert "inf dB" in page
    assert "&lt;b&gt;bold&lt;/b&gt; note" in page and "<b>bold" not in page
    assert "&#x27;QuickBird&#x27; in &lt;metadata&gt;" in page
    assert "/data/a&amp;b.tif" in page and "128x128 px, centred window at (64, 32)" in page
    assert "MS 0.34, 0.32, 0.3, 0.22; PAN 0.15" in page and "run 1.23 s, assessment 0.50 s" in page


def test_html_embeds_a_quicklook_when_given() -> None:
    report = _report({"HQNR": 0.9}, [])
    assert "<img" not in report_html(report)
    page = report_html(report, b"\x89PNG fake bytes", "Window: <64x64>.")
    assert '<img alt="quicklook" src="data:image/png;base64,iVBORyBmYWtlIGJ5dGVz">' in page
    assert "Window: &lt;64x64&gt;." in page
