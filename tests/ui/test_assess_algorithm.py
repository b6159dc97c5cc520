"""processing.run('pansharpen_adapt:assess', ...): HTML, JSON and number outputs equal the engine's."""
from __future__ import annotations

import base64
import json
import os
import shutil

import pytest
from osgeo import gdal
from qgis.core import QgsApplication, QgsProcessingException
from test_processing import RecordingFeedback

ALGORITHM = "pansharpen_adapt:assess"
FULL = ("D_lambda", "D_s", "QNR", "D_lambda_K", "HQNR", "D_rho", "R_Q2n", "R_SAM", "R_ERGAS", "D_s_R", "RQNR")
REFERENCE = ("Q2n", "SAM", "ERGAS", "SCC", "PSNR", "FSDS")


@pytest.fixture(scope="module")
def fused(tmp_path_factory) -> dict:
    """QuickBird PAN and MS, an mtf_glp_hpm result, and a gsa result standing in for a reference."""
    from pansharpen_adapt.engine.pipeline import run
    from pansharpen_adapt.engine.request import PansharpenRequest
    from pansharpen_adapt.tests.conftest import pair_paths

    folder = tmp_path_factory.mktemp("assess")
    pan, ms = pair_paths("quickbird")
    paths = {"pan": pan, "ms": ms}
    for key, method in (("fused", "mtf_glp_hpm"), ("reference", "gsa")):
        paths[key] = run(PansharpenRequest(pan=pan, ms=ms, output=str(folder / f"{method}.tif"),
                                           method=method)).output
    return paths


def _params(fused: dict, tmp_path, **extra) -> dict:
    return {"PAN": fused["pan"], "MS": fused["ms"], "FUSED": fused["fused"],
            "OUTPUT_HTML": str(tmp_path / "q.html"), "OUTPUT_JSON": str(tmp_path / "q.json"), **extra}


def _run(params: dict, feedback=None) -> dict:
    import processing

    return processing.run(ALGORITHM, params, feedback=feedback or RecordingFeedback())


def test_algorithm_parameters_and_outputs(plugin) -> None:
    from pansharpen_adapt.engine.evaluation.assess import DEFAULT_MAX_SIZE
    from pansharpen_adapt.engine.metrics import INDEX_INFO
    from pansharpen_adapt.engine.metrics.q2n import ROUNDINGS
    from pansharpen_adapt.engine.physics.sensors import PRESETS
    from pansharpen_adapt.ui import choices

    alg = QgsApplication.processingRegistry().algorithmById(ALGORITHM)
    assert alg.displayName() == "Assess pansharpening quality"
    assert alg.parameterDefinition("SENSOR").options() == ["auto"] + list(PRESETS)
    assert alg.parameterDefinition("MAX_SIZE").defaultValue() == DEFAULT_MAX_SIZE
    assert alg.parameterDefinition("REFERENCE").flags() & alg.parameterDefinition("REFERENCE").FlagOptional
    assert alg.parameterDefinition("ROUNDING").options() == list(ROUNDINGS) == list(choices.ROUNDINGS)
    numbers = {o.name() for o in alg.outputDefinitions() if o.type() == "outputNumber"}
    assert numbers == {name.upper() for name in INDEX_INFO}
    assert {"OUTPUT_HTML", "OUTPUT_JSON"} <= {o.name() for o in alg.outputDefinitions()}


def test_assess_writes_html_json_and_number_outputs(plugin, fused, tmp_path) -> None:
    from pansharpen_adapt.engine.evaluation.assess import assess_files

    feedback = RecordingFeedback()
    result = _run(_params(fused, tmp_path), feedback)
    expected = assess_files(fused["pan"], fused["ms"], fused["fused"]).indices
    assert list(expected) == list(FULL)
    with open(result["OUTPUT_JSON"], encoding="utf-8") as f:
        report = json.load(f)
    assert report["indices"] == expected
    assert report["kind"] == "full" and report["sensor"]["name"] == "quickbird"
    for name, value in expected.items():
        assert result[name.upper()] == value
    assert not any(name.upper() in result for name in REFERENCE)
    with open(result["OUTPUT_HTML"], encoding="utf-8") as f:
        page = f.read()
    assert "<table>" in page and "HQNR" in page and "higher is better" in page and "lower is better" in page
    assert f"{expected['HQNR']:.4f}" in page and "256x256 px, whole image" in page
    assert "QuickBird" in page  # why the sensor preset was chosen
    assert feedback.progress_values[-1] == pytest.approx(100.0)


def test_reference_adds_q2n_sam_and_the_rest(plugin, fused, tmp_path) -> None:
    from pansharpen_adapt.engine.evaluation.assess import assess_files

    params = _params(fused, tmp_path, REFERENCE=fused["reference"])
    del params["OUTPUT_JSON"]
    result = _run(params)
    expected = assess_files(fused["pan"], fused["ms"], fused["fused"], fused["reference"]).indices
    assert set(expected) == set(FULL + REFERENCE)
    assert {name.upper(): result[name.upper()] for name in expected} == \
           {name.upper(): value for name, value in expected.items()}
    assert 0 < result["Q2N"] < 1 and result["SAM"] > 0  # two different methods: not identical
    assert result["OUTPUT_JSON"] is None and os.listdir(tmp_path) == ["q.html"]
    with open(result["OUTPUT_HTML"], encoding="utf-8") as f:
        page = f.read()
    assert "Q2n" in page and "SAM" in page and fused["reference"] in page


def test_window_size_sensor_and_rounding_reach_the_engine(plugin, fused, tmp_path) -> None:
    from pansharpen_adapt.engine.evaluation.assess import assess_files
    from pansharpen_adapt.engine.metrics import MetricSettings

    result = _run(_params(fused, tmp_path, MAX_SIZE=128, SENSOR="quickbird", ROUNDING="matlab",
                          METRICS_UPSAMPLER="bicubic"))
    with open(result["OUTPUT_JSON"], encoding="utf-8") as f:
        report = json.load(f)
    assert report["region"] == {"x": 64, "y": 64, "width": 128, "height": 128, "whole_image": False}
    assert report["settings"]["rounding"] == "matlab" and report["settings"]["upsampler"] == "bicubic"
    assert report["sensor"]["reason"] != ""
    expected = assess_files(fused["pan"], fused["ms"], fused["fused"], None, "quickbird", 128,
                            MetricSettings(rounding="matlab", upsampler="bicubic")).indices
    assert report["indices"] == expected


def test_assess_cancel_writes_nothing(plugin, fused, tmp_path) -> None:
    feedback = RecordingFeedback()
    feedback.cancel()
    with pytest.raises(QgsProcessingException, match="cancelled by the user; nothing was written"):
        _run(_params(fused, tmp_path), feedback)
    assert os.listdir(tmp_path) == []


def test_fused_with_the_wrong_band_count_is_one_line(plugin, fused, tmp_path) -> None:
    three = str(tmp_path / "three_bands.tif")
    gdal.Translate(three, fused["fused"], bandList=[1, 2, 3])
    with pytest.raises(QgsProcessingException) as caught:
        _run(_params(fused, tmp_path, FUSED=three))
    assert str(caught.value) == "fused raster has 3 bands but the MS has 4"
    assert sorted(os.listdir(tmp_path)) == ["three_bands.tif"]


def test_quicklook_output_is_written_and_embedded_in_the_html(plugin, fused, tmp_path) -> None:
    png = str(tmp_path / "q.png")
    result = _run(_params(fused, tmp_path, OUTPUT_QUICKLOOK=png))
    assert result["OUTPUT_QUICKLOOK"] == png and gdal.Open(png).GetDriver().ShortName == "PNG"
    with open(result["OUTPUT_HTML"], encoding="utf-8") as f:
        page = f.read()
    data = base64.b64encode(open(png, "rb").read()).decode("ascii")
    assert f'src="data:image/png;base64,{data}"' in page and "Window: 256x256 PAN px at (0, 0)." in page
    (tmp_path / "plain").mkdir()
    without = _run(_params(fused, tmp_path / "plain"))
    assert without["OUTPUT_QUICKLOOK"] is None
    assert sorted(os.listdir(tmp_path / "plain")) == ["q.html", "q.json"]
    assert "data:image/png" not in open(without["OUTPUT_HTML"], encoding="utf-8").read()


def test_quicklook_over_an_input_is_refused(plugin, fused, tmp_path) -> None:
    png = str(tmp_path / "f.png")  # the fused GeoTIFF under a .png name: GDAL reads it by its content
    shutil.copy(fused["fused"], png)
    with pytest.raises(QgsProcessingException, match=r"the quicklook .* would overwrite an input"):
        _run(_params(fused, tmp_path, FUSED=png, OUTPUT_QUICKLOOK=png))
    assert os.listdir(tmp_path) == ["f.png"]


def test_qgis_process_runs_assess(fused, qgis_process, tmp_path) -> None:
    from pansharpen_adapt.engine.evaluation.assess import assess_files

    html = str(tmp_path / "cli.html")
    report = qgis_process(ALGORITHM, {"PAN": fused["pan"], "MS": fused["ms"], "FUSED": fused["fused"],
                                      "OUTPUT_HTML": html})
    results = report["results"]
    assert results["OUTPUT_HTML"] == html and os.path.isfile(html)
    expected = assess_files(fused["pan"], fused["ms"], fused["fused"]).indices
    # qgis_process loads the system's BLAS libraries, so float32 sums may round differently (~1e-7).
    assert {k: results[k.upper()] for k in expected} == pytest.approx(expected, rel=1e-5)
    assert any("HQNR" in line for line in report["log"]["info"])
