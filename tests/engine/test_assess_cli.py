"""`python -m engine metrics`, `run --report` and `run --reduced`; the CLI's numbers against a slow,
independent implementation of the indices on a bundled real pair."""
from __future__ import annotations

import json

import numpy as np
import torch
from metrics import slow_reference as slow  # tests/engine/metrics (independent implementations)
from osgeo import gdal

from engine.cli.main import main
from engine.metrics import pan_lowpass
from engine.physics.mtf import mtf_lowpass
from engine.physics.resample import upsample
from tests.conftest import pair_paths


def _read(path: str) -> np.ndarray:
    data = gdal.Open(path).ReadAsArray().astype(np.float64)
    return data.reshape((-1,) + data.shape[-2:])


def test_metrics_prints_a_table_and_writes_json_that_a_slow_implementation_reproduces(tmp_path,
                                                                                       capsys) -> None:
    pan, ms = pair_paths("quickbird")
    fused = str(tmp_path / "fused.tif")
    assert main(["run", "--pan", pan, "--ms", ms, "--out", fused, "--method", "gsa", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["metrics", "--pan", pan, "--ms", ms, "--fused", fused, "--quiet"]) == 0
    out = capsys.readouterr()
    assert "HQNR" in out.out and "higher" in out.out and "wrote" in out.err
    saved = json.loads((tmp_path / "fused_metrics.json").read_text())
    f, p, m = _read(fused), _read(pan)[0], _read(ms)
    gains = saved["sensor"]["ms_gains"]
    # The independent side reuses only the tested physics (upsampler, PAN low-pass, MTF filter).
    m_up = upsample(torch.from_numpy(m)[None], 4, "interp23tap")[0].numpy()
    p_low = pan_lowpass(torch.from_numpy(p)[None, None], 4)[0, 0].numpy()
    filtered = mtf_lowpass(torch.from_numpy(f)[None], gains, 4)[0].numpy()
    ds, dk = slow.d_s(f, p, m_up, p_low), 1 - slow.q2n(m_up, filtered)
    expected = {"D_lambda": slow.d_lambda(f, m_up), "D_s": ds, "D_lambda_K": dk, "HQNR": (1 - dk) * (1 - ds)}
    for key, value in expected.items():
        assert abs(saved["indices"][key] - value) < 1e-5, key


def test_metrics_with_a_reference_and_toolbox_rounding(tmp_path, capsys) -> None:
    pan, ms = pair_paths("landsat7")
    fused = str(tmp_path / "l7.tif")
    assert main(["run", "--pan", pan, "--ms", ms, "--out", fused, "--quiet"]) == 0
    path = str(tmp_path / "m.json")
    assert main(["metrics", "--pan", pan, "--ms", ms, "--fused", fused, "--reference", fused,
                 "--rounding", "matlab", "--json", path, "--quiet"]) == 0
    saved = json.loads(open(path, encoding="utf-8").read())
    assert saved["kind"] == "reference" and saved["settings"]["rounding"] == "matlab"
    assert abs(saved["indices"]["Q2n"] - 1) < 1e-6 and saved["indices"]["PSNR"] is None  # identical: inf


def test_run_report_and_reduced(tmp_path, capsys) -> None:
    pan, ms = pair_paths("pleiades")
    report = tmp_path / "run.json"
    assert main(["run", "--pan", pan, "--ms", ms, "--out", str(tmp_path / "f.tif"), "--report", str(report),
                 "--quiet"]) == 0
    saved = json.loads(report.read_text())
    assert saved["kind"] == "full" and saved["timings_s"]["run"] > 0 and "HQNR" in capsys.readouterr().out
    reduced = tmp_path / "reduced.json"
    assert main(["run", "--pan", pan, "--ms", ms, "--out", str(tmp_path / "r.tif"), "--reduced",
                 "--report", str(reduced), "--quiet"]) == 0
    saved = json.loads(reduced.read_text())
    assert saved["kind"] == "reduced" and 0 < saved["indices"]["Q2n"] < 1
    assert set(saved["timings_s"]) == {"degrade", "run", "assess"}
    assert "Q2n" in capsys.readouterr().out


def test_errors_are_one_line(tmp_path, capsys) -> None:
    pan, ms = pair_paths("quickbird")
    assert main(["metrics", "--pan", pan, "--ms", ms, "--fused", str(tmp_path / "none.tif"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err
    assert main(["metrics", "--pan", pan, "--ms", ms, "--fused", ms, "--quiet"]) == 2  # MS grid, not PAN
    fused = str(tmp_path / "f.tif")
    main(["run", "--pan", pan, "--ms", ms, "--out", fused, "--quiet"])
    capsys.readouterr()
    assert main(["metrics", "--pan", pan, "--ms", ms, "--fused", fused, "--json",
                 str(tmp_path / "missing" / "m.json"), "--quiet"]) == 2
    assert "folder of the metrics JSON does not exist" in capsys.readouterr().err  # checked before work


def test_report_dash_goes_to_stdout(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """'--report -' prints the JSON after the table instead of creating a file named '-'."""
    import json as _json
    monkeypatch.chdir(tmp_path)
    pan, ms = pair_paths("quickbird")
    assert main(["run", "--pan", pan, "--ms", ms, "--out", str(tmp_path / "f.tif"), "--report", "-",
                 "--quiet"]) == 0
    out = capsys.readouterr().out
    assert not (tmp_path / "-").exists()
    assert _json.JSONDecoder().raw_decode(out[out.index("{"):])[0]["indices"]["HQNR"] > 0
