"""scripts/eval_summary.py: the full-resolution table per (method, adaptation, pair), old records included."""
from __future__ import annotations

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import eval_summary  # noqa: E402

NEW = {"d_rho": 0.3, "r_q2n": 0.95, "r_sam": 1.5, "r_ergas": 2.0, "d_s_r": 0.1, "rqnr": 0.88}


def _record(pair: str, method: str, adapt: str, hqnr: float, **extra: float) -> dict:
    return {"pair": pair, "sensor": "quickbird", "method": method, "adapt": adapt, "hqnr": hqnr,
            "d_lambda_k": 0.02, "d_s": 0.05, "adapt_seconds": 1.0 if adapt != "none" else 0.0,
            "infer_seconds": 0.5, **extra}


def test_full_resolution_table_and_old_records(tmp_path, capsys, monkeypatch) -> None:
    new = [_record("q1", "fusionnet", "none", 0.95, **NEW),
           _record("q1", "fusionnet", "tailor", 0.97, **{**NEW, "d_rho": 0.2, "r_q2n": 0.96}),
           _record("q1", "mtf_glp_hpm", "none", 0.91, **{**NEW, "d_rho": 0.05, "r_q2n": 0.99})]
    old = [_record("q2", "fusionnet", "none", 0.9), _record("q2", "mtf_glp_hpm", "none", 0.85)]
    paths = []
    for i, records in enumerate((new, old)):
        paths.append(str(tmp_path / f"r{i}.json"))
        with open(paths[-1], "w", encoding="utf-8") as f:
            json.dump(records, f)
    monkeypatch.setattr(sys, "argv", ["eval_summary.py", *paths])
    eval_summary.main()
    out = capsys.readouterr().out
    assert "better than direct transfer in 1/1 cases" in out  # the HQNR summary is still there
    rows = {tuple(c.strip() for c in line.strip("|").split("|")[:3]): line for line in out.splitlines()
            if line.startswith("| ") and line.count("|") == 13}
    tailor = rows[("fusionnet", "tailor", "q1")]
    assert "| 0.2000 | 0.9600 | 1.5000 |" in tailor and tailor.endswith("| +0.1500 | -0.0300 |")
    assert rows[("fusionnet", "none", "q2")].endswith("| - | - | - | - | - | - | 0.9000 | - | - |")
    means = [line for line in out.splitlines() if line.startswith("| fusionnet | none | 2 |")]
    assert means == ["| fusionnet | none | 2 | 0.3000 | 0.9500 | 1.5000 | 2.0000 | 0.1000 | 0.8800 | "
                     "0.9250 |"]  # means over the records that have each index
