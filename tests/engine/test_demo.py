"""scripts/demo.py (make demo): one table row per run with the indices and timings, outputs kept."""
from __future__ import annotations

import importlib.util
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _demo():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("demo", os.path.join(REPO, "scripts", "demo.py"))
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_demo_prints_a_row_per_run_and_keeps_the_outputs(tmp_path, capsys, monkeypatch) -> None:
    demo = _demo()
    assert demo.RUNS[0] == (demo.DEFAULT_METHOD, "none") and ("fusionnet", "tailor") in demo.RUNS
    # the suite runs cheap stand-ins: the main job's tailor is covered by the adaptation tests
    monkeypatch.setattr(demo, "RUNS", [("brovey", "none"), ("fusionnet", "tailor")])
    monkeypatch.setattr(demo, "PansharpenRequest", _cheap(demo.PansharpenRequest))
    assert demo.main(str(tmp_path)) == 0
    rows = [line.split("|")[1:-1] for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert [r[0].strip() for r in rows] == ["method", "brovey", "fusionnet"]
    header = [c.strip() for c in rows[0]]
    assert header[2:8] == ["D_rho", "R_Q2n", "R_SAM", "D_s_R", "HQNR", "RR Q2n"]
    brovey, tailor = ([c.strip() for c in r] for r in rows[1:])
    assert 0 <= float(tailor[2]) <= 2 and 0 < float(tailor[7]) <= 1  # D_rho, RR Q2n
    assert tailor[8] in ("kept", "not kept") and brovey[8] == "-"
    assert float(tailor[9]) > 0 and float(tailor[10]) >= float(tailor[9]) and float(brovey[9]) == 0
    assert sorted(os.listdir(str(tmp_path))) == [
        "quickbird_brovey_none.tif", "quickbird_contact_sheet.png", "quickbird_fusionnet_tailor.tif",
        "quickbird_report.json"]


def _cheap(cls):  # type: ignore[no-untyped-def]
    def make(*args, **kw):  # type: ignore[no-untyped-def]
        if kw.get("adapt", "none") != "none":
            kw["adapt_options"] = {"steps": "2", "max_patches": "1"}
        return cls(*args, **kw)
    return make
