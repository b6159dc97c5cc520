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
    assert demo.RUNS[0] == ("fusionnet", "tailor") and ("fusionnet", "none") in demo.RUNS
    # the suite runs cheap stand-ins: the main job's tailor is covered by the adaptation tests
    monkeypatch.setattr(demo, "RUNS", [("fusionnet", "tailor"), ("brovey", "none")])
    monkeypatch.setattr(demo, "PansharpenRequest", _cheap(demo.PansharpenRequest))
    assert demo.main(str(tmp_path)) == 0
    rows = [line.split("|")[1:-1] for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert [r[0].strip() for r in rows] == ["method", "fusionnet", "brovey"]
    tailor, brovey = ([float(v) for v in r[2:]] for r in rows[1:])
    assert 0 < tailor[0] <= 1 and tailor[3] > 0 and tailor[4] >= tailor[3]  # HQNR, adaptation s, total s
    assert brovey[3] == 0
    assert sorted(os.listdir(str(tmp_path))) == [
        "quickbird_brovey_none.tif", "quickbird_fusionnet_tailor.tif", "quickbird_report.json"]


def _cheap(cls):  # type: ignore[no-untyped-def]
    def make(*args, **kw):  # type: ignore[no-untyped-def]
        if kw.get("adapt", "none") != "none":
            kw["adapt_options"] = {"steps": "2", "max_patches": "1"}
        return cls(*args, **kw)
    return make
