"""The public engine API (engine/__init__.py, engine/api.py): one list of names, lazy loading, and the
orchestration the front ends rely on (a failing assessment keeps the raster; SWIFT then a failing run leaves
no model file)."""
from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

import engine
from engine import api
from tests.conftest import pair_paths
from tests.engine.swift.conftest import FAST, make_quadrants

REPO = os.path.join(os.path.dirname(__file__), "..", "..")


def _type_checking_names() -> set:
    tree = ast.parse(open(engine.__file__, encoding="utf-8").read())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            names.update(a.asname or a.name for n in ast.walk(node) if isinstance(n, ast.ImportFrom)
                         for a in n.names)
    return names


def test_exports_type_checking_block_and_all_agree() -> None:
    assert set(engine.__all__) == set(engine._EXPORTS) == _type_checking_names()
    assert len(engine.__all__) == len(set(engine.__all__))
    for name in engine.__all__:
        assert getattr(engine, name) is not None, name


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'pansharpn'"):
        engine.pansharpn  # noqa: B018


def test_importing_engine_loads_neither_torch_nor_gdal() -> None:
    code = "import sys, engine; sys.exit(int('torch' in sys.modules) + 2 * int('osgeo' in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


def test_list_methods_has_classical_and_deep_methods() -> None:
    families = {m.family for m in engine.list_methods()}
    assert "deep backbone" in families and len(families) > 2


def test_a_failing_assessment_keeps_the_raster(tmp_path, monkeypatch) -> None:
    pan, ms = pair_paths("quickbird")
    out = str(tmp_path / "f.tif")

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("a bug")
    monkeypatch.setattr(api, "assess_files", broken)
    outcome = engine.pansharpen_and_assess(engine.PansharpenRequest(pan, ms, out, method="brovey"),
                                           quicklook=str(tmp_path / "q.png"))
    assert os.path.isfile(out) and outcome.result.output == out and outcome.report is None
    assert outcome.assessment_problem == "quality assessment failed: internal error (ZeroDivisionError)"
    assert "ZeroDivisionError: a bug" in outcome.trace and not os.path.exists(tmp_path / "q.png")


def test_an_assessed_run_has_indices_and_a_quicklook(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    seen: list = []
    outcome = engine.pansharpen_and_assess(
        engine.PansharpenRequest(pan, ms, str(tmp_path / "f.tif"), method="brovey"),
        quicklook=str(tmp_path / "q.png"), progress=lambda f, m: seen.append(f))
    assert outcome.report is not None and "D_rho" in outcome.report.indices
    assert outcome.quicklook == str(tmp_path / "q.png") and os.path.isfile(outcome.quicklook)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0)


def test_swift_then_a_failing_run_leaves_no_model_file(tmp_path) -> None:
    folder = make_quadrants(str(tmp_path / "scenes"))
    model = str(tmp_path / "m.safetensors")
    swift = engine.SensorAdaptRequest(((f"{folder}/quickbird0_pan.tif", f"{folder}/quickbird0_ms.tif"),),
                                      "dicnn", model, device="cpu", options=dict(FAST))
    pan, ms = pair_paths("quickbird")
    bad = engine.PansharpenRequest(pan, ms, str(tmp_path / "f.tif"), options={"half": "true"},
                                   block_size=64, adapt="tailor", adapt_options={"patch": "33"})
    with pytest.raises(engine.EngineError, match="patch"):
        engine.adapt_sensor_and_pansharpen(swift, bad)
    assert not os.path.exists(model) and not os.path.exists(model[:-len(".safetensors")] + ".json")


def test_a_failing_uncertainty_keeps_its_traceback_after_a_good_assessment(tmp_path, monkeypatch) -> None:
    pan, ms = pair_paths("quickbird")

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("spread bug")
    monkeypatch.setattr(api, "uncertainty_request", lambda request, path: request)
    monkeypatch.setattr(api, "write_uncertainty", broken)
    outcome = engine.pansharpen_and_assess(engine.PansharpenRequest(pan, ms, str(tmp_path / "f.tif"),
                                                                    method="brovey"),
                                           uncertainty=str(tmp_path / "u.tif"))
    assert outcome.report is not None and outcome.uncertainty == ""
    assert outcome.uncertainty_problem == "uncertainty raster failed: internal error (ZeroDivisionError)"
    assert "ZeroDivisionError: spread bug" in outcome.trace
