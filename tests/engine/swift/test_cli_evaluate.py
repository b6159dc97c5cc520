"""adapt-sensor from the command line, cancellation, and the SWIFT columns of the evaluation harness."""
from __future__ import annotations

import json
import os

import pytest

from engine.cli.main import main
from engine.errors import Cancelled
from engine.evaluation.harness import evaluate, find_pairs, plan_runs
from engine.evaluation.swift_runs import SwiftModels
from engine.progress import CancelToken
from engine.swift.request import SensorAdaptRequest
from engine.swift.run import adapt_sensor
from tests.engine.swift.conftest import FAST


def _options() -> list:
    return [a for k, v in FAST.items() for a in ("--option", f"{k}={v}")]


def test_adapt_sensor_end_to_end(qb_folder: str, tmp_path, capsys: pytest.CaptureFixture) -> None:
    out = str(tmp_path / "cli.safetensors")
    assert main(["adapt-sensor", "--pairs", qb_folder, "--method", "dicnn", "--out", out, "--device", "cpu",
                 *_options()]) == 0
    captured = capsys.readouterr()
    assert "SWIFT dicnn" in captured.out and "4 scene(s)" in captured.out
    assert "train step" in captured.err  # the progress bar
    meta = json.load(open(str(tmp_path / "cli.json"), encoding="utf-8"))
    assert meta["kind"] == "swift" and len(meta["scenes"]) == 4
    assert main(["run", "--pan", find_pairs(qb_folder)[3].pan, "--ms", find_pairs(qb_folder)[3].ms,
                 "--out", str(tmp_path / "fused.tif"), "--method", out, "--quiet"]) == 0


@pytest.mark.parametrize("args, message", [
    (["--option", "sampler=kmeans"], "SWIFT option sampler"),
    (["--method", "brovey"], "needs a deep backbone"),
    (["--option", "steps"], "key=value"),
])
def test_bad_input_is_one_line_and_exit_2(qb_folder: str, tmp_path, capsys: pytest.CaptureFixture,
                                          args: list, message: str) -> None:
    out = str(tmp_path / "bad.safetensors")
    assert main(["adapt-sensor", "--pairs", qb_folder, "--out", out, "--quiet", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and not os.path.exists(out)


def test_cancel_during_training_leaves_no_file(qb_folder: str, tmp_path) -> None:
    token = CancelToken()

    def progress(fraction: float, message: str) -> None:
        if message.startswith("train step 1/"):
            token.cancel()

    out = str(tmp_path / "cancelled.safetensors")
    pairs = tuple((p.pan, p.ms) for p in find_pairs(qb_folder))
    with pytest.raises(Cancelled):
        req = SensorAdaptRequest(pairs, "dicnn", out, device="cpu", options=dict(FAST))
        adapt_sensor(req, progress, token)
    assert os.listdir(str(tmp_path)) == []


def test_swift_split_never_trains_on_the_evaluated_pair(qb_folder: str, tmp_path) -> None:
    pairs = find_pairs(qb_folder)
    models = SwiftModels(pairs, str(tmp_path))
    folds = set()
    for p in pairs:
        sensor, fold, train = models.split(p)
        assert sensor == models.sensor_of(pairs[0]) and p not in train and len(train) in (2, 3)
        folds.add(fold)
    assert folds == {0, 1, 2}


def test_evaluate_has_swift_columns(qb_folder: str) -> None:
    pairs = find_pairs(qb_folder)[:2]  # two pairs: leave-one-out, two SWIFT runs
    records = evaluate(pairs, plan_runs(["dicnn"], ["none", "swift", "swift+tailor"]), device="cpu",
                       adapt_options={"steps": "2", "patch": "32"}, swift_options=FAST)
    assert [(r["pair"], r["adapt"]) for r in records] == [
        (p.name, a) for p in pairs for a in ("none", "swift", "swift+tailor")]
    for r in records:
        assert r["method"] == "dicnn" and 0 < r["hqnr"] <= 1
        assert (r["adapt_seconds"] > 0) == (r["adapt"] != "none")
    swift = {r["pair"]: r for r in records if r["adapt"] == "swift"}
    tailored = {r["pair"]: r for r in records if r["adapt"] == "swift+tailor"}
    assert all(tailored[k]["adapt_seconds"] > swift[k]["adapt_seconds"] for k in swift)
