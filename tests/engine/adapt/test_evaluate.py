"""The evaluation harness: pair discovery, run plan, records, table, JSON, errors and cancel."""
from __future__ import annotations

import json
import shutil
from typing import List

import pytest

import engine.evaluation.harness as ev
from engine.cli.main import main
from engine.errors import Cancelled, EngineError
from engine.progress import CancelToken
from tests.conftest import pair_paths


def _folder(tmp_path, names=("quickbird", "pleiades")):  # type: ignore[no-untyped-def]
    folder = tmp_path / "pairs"
    folder.mkdir()
    for name in names:
        pan, ms = pair_paths(name)
        shutil.copy(pan, folder / f"{name}_pan.tif")
        shutil.copy(ms, folder / f"{name}_ms.tif")
    return folder


def test_find_pairs_matches_names_and_skips_incomplete(tmp_path) -> None:
    folder = _folder(tmp_path, ["quickbird"])
    (folder / "lonely_pan.tif").write_bytes(b"x")
    (folder / "notes.txt").write_text("x")
    pairs = ev.find_pairs(str(folder))
    assert [(p.name, p.pan, p.ms) for p in pairs] == \
        [("quickbird", str(folder / "quickbird_pan.tif"), str(folder / "quickbird_ms.tif"))]


def test_bad_folder_or_no_pairs_is_one_line(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EngineError, match="not found"):
        ev.find_pairs(str(tmp_path / "missing"))
    with pytest.raises(EngineError, match="no NAME_pan.tif"):
        ev.find_pairs(str(tmp_path))
    assert main(["evaluate", "--pairs", str(tmp_path), "--methods", "brovey"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: no NAME_pan.tif")


def test_plan_keeps_classical_methods_unadapted() -> None:
    plan = ev.plan_runs(ev.split_list("fusionnet, Brovey,fusionnet", "methods"),
                        ev.split_list("none,tailor", "adaptations"))
    assert plan == [("fusionnet", "none"), ("fusionnet", "tailor"), ("brovey", "none")]
    with pytest.raises(EngineError, match="unknown adaptation"):
        ev.plan_runs(["fusionnet"], ["tailr"])
    with pytest.raises(EngineError, match="unknown method"):
        ev.plan_runs(["nope"], ["none"])
    with pytest.raises(EngineError, match="no methods"):
        ev.split_list(" , ", "methods")


def test_cli_records_table_and_json(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path)
    out = tmp_path / "records.json"
    assert main(["evaluate", "--pairs", str(folder), "--methods", "fusionnet,brovey", "--adapt",
                 "none,tailor,full", "--adapt-steps", "2", "--adapt-max-patches", "2", "--max-size", "128",
                 "--json", str(out)]) == 0
    captured = capsys.readouterr()
    records = json.loads(out.read_text())
    combos = [(r["pair"], r["method"], r["adapt"]) for r in records]
    runs = (("fusionnet", "none"), ("fusionnet", "tailor"), ("fusionnet", "full"), ("brovey", "none"))
    assert combos == [(p, m, a) for p in ("pleiades", "quickbird") for m, a in runs]
    for r in records:
        assert tuple(r) == ev.RECORD_KEYS
        assert 0 < r["hqnr"] <= 1 and 0 <= r["d_lambda_k"] < 1 and 0 <= r["d_s"] < 1
        assert 0 < r["d_rho"] < 1 and 0.5 < r["r_q2n"] <= 1 and r["r_sam"] > 0 and r["r_ergas"] > 0
        assert 0 <= r["d_s_r"] < 1 and r["rqnr"] == pytest.approx((1 - r["d_lambda_k"]) * (1 - r["d_s_r"]))
        assert r["infer_seconds"] > 0
        assert (r["adapt_seconds"] > 0) == (r["adapt"] != "none")
    assert {r["sensor"] for r in records if r["pair"] == "quickbird"} == {"quickbird"}
    tailored = [r for r in records if r["adapt"] == "tailor"]
    plain = [r for r in records if r["adapt"] == "none" and r["method"] == "fusionnet"]
    assert [r["hqnr"] for r in tailored] != [r["hqnr"] for r in plain]  # the adaptation ran, not a copy
    table = [line for line in captured.out.splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(records) and "| quickbird | quickbird | brovey | none |" in captured.out
    assert table[0].startswith("| pair | sensor | method | adapt | D_rho | R-Q2n | R-SAM | R-ERGAS | D_s_R |")
    assert all(line.count("|") == table[0].count("|") for line in table)
    assert "[8/8] quickbird brovey none" in captured.err
    assert not list(tmp_path.glob("pansharpen-evaluate-*"))


def test_sensor_given_applies_to_every_pair(tmp_path) -> None:
    folder = _folder(tmp_path, ["pleiades"])
    records = ev.evaluate(ev.find_pairs(str(folder)), [("brovey", "none")], sensor="quickbird", max_size=128)
    assert [r["sensor"] for r in records] == ["quickbird"]


def test_cancel_stops_between_runs(tmp_path) -> None:
    folder = _folder(tmp_path)
    cancel, seen = CancelToken(), []  # type: ignore[var-annotated]

    def announce(i: int, n: int, text: str) -> None:
        seen.append(i)
        if i == 2:
            cancel.cancel()

    with pytest.raises(Cancelled):
        ev.evaluate(ev.find_pairs(str(folder)), [("brovey", "none")], max_size=128, announce=announce,
                    cancel=cancel)
    assert seen == [1, 2]


def test_ctrl_c_is_one_line(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path, ["quickbird"])

    def interrupted(*args: object, **kwargs: object) -> List[object]:
        raise KeyboardInterrupt

    monkeypatch.setattr(ev, "evaluate_one", interrupted)
    assert main(["evaluate", "--pairs", str(folder), "--methods", "brovey", "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["cancelled: interrupted"]


def test_refused_runs_are_skipped_and_reported(tmp_path) -> None:
    folder = _folder(tmp_path, ["landsat8"])  # 159 x 143 PAN px: no whole 256 px tailor patch
    pairs, skipped = ev.find_pairs(str(folder)), []  # type: ignore[var-annotated]
    records = ev.evaluate(pairs, [("fusionnet", "tailor"), ("brovey", "none")], max_size=128,
                          adapt_options={"patch": "256"},
                          skip=lambda text, message: skipped.append((text, message)))
    assert [(r["method"], r["adapt"]) for r in records] == [("brovey", "none")]
    assert len(skipped) == 1 and skipped[0][0] == "landsat8 fusionnet tailor"
    assert "smaller than one tailor patch" in skipped[0][1]
    with pytest.raises(EngineError, match="every run was refused; first: landsat8 fusionnet tailor"):
        ev.evaluate(pairs, [("fusionnet", "tailor")], max_size=128, adapt_options={"patch": "256"})


def test_landsat_pairs_are_adapted_not_skipped(tmp_path) -> None:
    folder = _folder(tmp_path, ["landsat7", "landsat8"])  # 6 and 7 MS bands: 4-band groups
    skipped: List[str] = []
    records = ev.evaluate(ev.find_pairs(str(folder)), [("fusionnet", "none"), ("fusionnet", "tailor")],
                          adapt_options={"steps": "2", "max_patches": "2"}, max_size=128,
                          skip=lambda text, message: skipped.append(text))
    assert skipped == []
    assert [(r["pair"], r["adapt"]) for r in records] == [
        ("landsat7", "none"), ("landsat7", "tailor"), ("landsat8", "none"), ("landsat8", "tailor")]
    assert all(r["adapt_seconds"] > 0 for r in records if r["adapt"] == "tailor")
    assert all(r["adapt_seconds"] == 0 and r["infer_seconds"] > 0 for r in records if r["adapt"] == "none")
