"""`python -m engine`: list, run with a one-line summary, and every bad input as one stderr line with a
non-zero exit status, never a traceback."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import engine.api
from engine.cli.main import main
from tests.conftest import pair_paths
from tests.engine.rasters import georef, read, variant, write

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def visible_lines(text: str) -> list:
    """Lines as a terminal shows them: a carriage return overwrites what came before it on the line."""
    return [line.split("\r")[-1].strip() for line in text.split("\n") if line.split("\r")[-1].strip()]


def _cli(capsys, *argv: str) -> tuple:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_list_names_every_classical_method(capsys) -> None:
    code, out, _ = _cli(capsys, "list")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()]
    for name in ("brovey", "gihs", "pca", "gs", "gsa", "hpf", "mtf_glp", "mtf_glp_hpm"):
        assert name in names


def test_run_prints_one_summary_line(capsys, tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    out_path = str(tmp_path / "out.tif")
    code, out, err = _cli(capsys, "run", "--pan", pan, "--ms", ms, "--out", out_path, "--method", "brovey")
    assert code == 0 and os.path.exists(out_path)
    assert len(out.strip().splitlines()) == 1 and out_path in out and "brovey" in out
    assert "100.0%" in err and "Traceback" not in err


def _bad_inputs(tmp_path) -> dict:
    pan, ms = pair_paths("quickbird")
    gt, wkt = georef(ms)
    far = write(str(tmp_path / "far.tif"), read(ms), (gt[0] + 1e5, gt[1], 0, gt[3], 0, gt[5]), wkt)
    odd = write(str(tmp_path / "odd.tif"), read(ms), (gt[0], gt[1] * 0.6, 0, gt[3], 0, gt[5] * 0.6), wkt)
    junk = tmp_path / "junk.tif"
    junk.write_text("not a raster")
    out = str(tmp_path / "out.tif")
    brovey = ["--pan", pan, "--ms", ms, "--out", out, "--method", "brovey", "--option"]
    return {
        "missing PAN": ["--pan", str(tmp_path / "nope.tif"), "--ms", ms, "--out", out],
        "multi-band PAN": ["--pan", ms, "--ms", variant(ms, str(tmp_path / "ms2.tif")), "--out", out],
        "not a raster": ["--pan", str(junk), "--ms", ms, "--out", out],
        "no overlap": ["--pan", pan, "--ms", far, "--out", out],
        "ratio not an integer": ["--pan", pan, "--ms", odd, "--out", out],
        "unknown method": ["--pan", pan, "--ms", ms, "--out", out, "--method", "magic"],
        "unknown sensor": ["--pan", pan, "--ms", ms, "--out", out, "--sensor", "hubble"],
        "output is an input": ["--pan", pan, "--ms", ms, "--out", ms],
        "output folder missing": ["--pan", pan, "--ms", ms, "--out", str(tmp_path / "no" / "out.tif")],
        "output not a GeoTIFF": ["--pan", pan, "--ms", ms, "--out", str(tmp_path / "out.png")],
        "bad weights": brovey + ["weights=a,b"],
        "weight count": brovey + ["weights=1,2"],
        "option syntax": ["--pan", pan, "--ms", ms, "--out", out, "--option", "weights"],
        "block size": ["--pan", pan, "--ms", ms, "--out", out, "--block-size", "10"],
        "missing argument": ["--pan", pan, "--out", out],
        "bad choice": ["--pan", pan, "--ms", ms, "--out", out, "--dtype", "int64"],
    }


CASES = ["missing PAN", "multi-band PAN", "not a raster", "no overlap", "ratio not an integer",
         "unknown method", "unknown sensor", "output is an input", "output folder missing",
         "output not a GeoTIFF", "bad weights", "weight count", "option syntax", "block size",
         "missing argument", "bad choice"]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, case: str) -> None:
    before = {p: os.path.getmtime(p) for p in pair_paths("quickbird")}
    code, out, err = _cli(capsys, "run", *_bad_inputs(tmp_path)[case])
    lines = visible_lines(err)
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    assert "Traceback" not in err and out == ""
    assert not os.path.exists(tmp_path / "out.tif")
    assert {p: os.path.getmtime(p) for p in before} == before


def test_cuda_without_gpu_is_one_line(capsys, tmp_path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present")
    pan, ms = pair_paths("quickbird")
    code, _, err = _cli(capsys, "run", "--pan", pan, "--ms", ms, "--out", str(tmp_path / "o.tif"),
                        "--device", "cuda")
    assert code == 2 and len(visible_lines(err)) == 1 and "cuda" in err.lower()


@pytest.mark.parametrize("raised, code, word", [(KeyboardInterrupt(), 1, "cancelled"),
                                                (ValueError("odd"), 3, "internal error")])
def test_interrupt_and_internal_errors_are_one_line(capsys, monkeypatch, tmp_path, raised, code,
                                                    word) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise raised

    monkeypatch.setattr(engine.api, "pansharpen", boom)
    pan, ms = pair_paths("quickbird")
    got, _, err = _cli(capsys, "run", "--pan", pan, "--ms", ms, "--out", str(tmp_path / "o.tif"))
    assert got == code and len(visible_lines(err)) == 1 and word in err and "Traceback" not in err


def test_entry_point_in_a_subprocess(tmp_path) -> None:
    """The real `python -m engine`: a bad input gives exit 2 and one line; a run writes the file."""
    pan, ms = pair_paths("quickbird")
    env = dict(os.environ, PYTHONPATH=ROOT)
    bad = subprocess.run([sys.executable, "-m", "engine", "run", "--pan", ms, "--ms", pan, "--out",
                          str(tmp_path / "o.tif")], capture_output=True, cwd=ROOT, env=env)
    err = bad.stderr.decode()  # bytes: text mode would turn the bar's carriage returns into newlines
    assert bad.returncode == 2 and len(visible_lines(err)) == 1 and "Traceback" not in err
    out = str(tmp_path / "ok.tif")
    ok = subprocess.run([sys.executable, "-m", "engine", "run", "--pan", pan, "--ms", ms, "--out", out,
                         "--method", "hpf", "--quiet"], capture_output=True, text=True, cwd=ROOT, env=env)
    assert ok.returncode == 0, ok.stderr
    assert np.asarray(read(out)).shape == (4, 256, 256)


def test_progress_bar_shows_every_stage_even_when_fast() -> None:
    """Redraws are throttled to 0.1 s, except when the stage changes: a fast stage is never hidden."""
    import io

    from engine.cli.common import ProgressBar
    stream = io.StringIO()
    bar = ProgressBar(stream)
    for i in range(5):
        bar(0.1 + i / 100, f"sample: patch {i + 1}/5")
    bar(0.5, "train step 1/3")
    bar(0.6, "train step 2/3")
    text = stream.getvalue()
    assert "sample: patch 1/5" in text and "train step 1/3" in text
    assert "sample: patch 2/5" not in text and "train step 2/3" not in text  # same stage within 0.1 s
