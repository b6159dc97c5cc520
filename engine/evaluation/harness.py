"""Evaluation harness: every pair of a folder x method x adaptation, fused and scored without reference.

`python -m engine evaluate --pairs DIR --methods fusionnet,pnn,mtf_glp_hpm --adapt none,tailor,full`
finds `NAME_pan.tif` / `NAME_ms.tif` pairs, runs the pipeline into a temporary folder for each
combination, assesses the output at full resolution (engine.evaluation.assess.assess_files) and returns one
record
per run: pair, sensor, method, adapt, the full-resolution indices, adapt_seconds, infer_seconds. Classical
methods cannot be adapted: they appear once per pair with adapt 'none'. With quicklooks, one contact sheet
per pair (engine/evaluation/contact_sheets.py) shows every run of the pair on one window with one stretch.

Record keys are the report's index names in lower case (RECORD_INDICES: "hqnr" is HQNR, "d_rho" is D_rho,
"r_q2n" is R_Q2n, ...), the style of the first records, so JSON files written before the new indices keep
their keys and scripts/eval_summary.py reads both.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ..adapt.options import ADAPT_MODES
from ..errors import Cancelled, EngineError
from ..methods.registry import get_method
from ..options import OptionValue
from ..pipeline import run
from ..progress import CancelToken, ProgressCallback, no_progress
from ..request import PansharpenRequest
from .assess import DEFAULT_MAX_SIZE, assess_files
from .contact_sheets import ContactSheets
from .quicklook import QuicklookSpec
from .runs import run_reduced
from .swift_runs import SWIFT_MODES, SwiftModels, swift_record

#: record key -> index name of the assessment report, in table order (Scarpa-Ciotola, regression, then HQNR)
RECORD_INDICES = {"d_rho": "D_rho", "r_q2n": "R_Q2n", "r_sam": "R_SAM", "r_ergas": "R_ERGAS",
                  "d_s_r": "D_s_R", "rqnr": "RQNR", "hqnr": "HQNR", "d_lambda_k": "D_lambda_K", "d_s": "D_s"}
RECORD_KEYS = ("pair", "sensor", "method", "adapt", *RECORD_INDICES, "adapt_seconds", "infer_seconds",
               "adapt_kept")
TABLE_TITLES = {"d_rho": "D_rho", "r_q2n": "R-Q2n", "r_sam": "R-SAM", "r_ergas": "R-ERGAS", "d_s_r": "D_s_R",
                "rqnr": "RQNR", "hqnr": "HQNR", "d_lambda_k": "D_lambda(K)", "d_s": "D_s"}
#: reduced-resolution indices (Wald protocol, engine.evaluation.assess.run_reduced) added with reduced=True
REDUCED_RECORD_INDICES = {"rr_q2n": "Q2n", "rr_sam": "SAM"}
TABLE_TITLES.update(rr_q2n="RR Q2n", rr_sam="RR SAM")
DEEP_FAMILY = "deep backbone"


@dataclass(frozen=True)
class Pair:
    """One scene of the folder: its name and the two raster paths."""

    name: str
    pan: str
    ms: str


def find_pairs(folder: str) -> List[Pair]:
    """Pairs NAME_pan.tif / NAME_ms.tif (.tiff too, any case) in `folder`, sorted by name; EngineError if
    the folder does not exist or holds no complete pair."""
    if not os.path.isdir(folder):
        raise EngineError(f"pairs folder not found: {folder}")
    files = {f.lower(): os.path.join(folder, f) for f in os.listdir(folder)}
    pairs = []
    for key, path in sorted(files.items()):
        for ext in (".tif", ".tiff"):
            if key.endswith("_pan" + ext) and key[:-len("_pan" + ext)] + "_ms" + ext in files:
                stem = os.path.basename(path)[:-len("_pan" + ext)]
                pairs.append(Pair(stem, path, files[key[:-len("_pan" + ext)] + "_ms" + ext]))
    if not pairs:
        raise EngineError(f"no NAME_pan.tif / NAME_ms.tif pairs in {folder}")
    return pairs


def split_list(text: str, what: str) -> List[str]:
    """'a, b,,c' -> ['a', 'b', 'c'] (order kept, duplicates dropped); EngineError when empty."""
    items = list(dict.fromkeys(s.strip() if s.strip().lower().endswith(".safetensors") else s.strip().lower()
                               for s in (text or "").split(",") if s.strip()))  # model file paths keep case
    if not items:
        raise EngineError(f"no {what} given")
    return items


def plan_runs(methods: Sequence[str], adapts: Sequence[str]) -> List[Tuple[str, str]]:
    """(method, adapt) combinations: deep methods with every mode, classical ones with 'none' only."""

    for mode in adapts:
        if mode not in ADAPT_MODES + SWIFT_MODES:
            raise EngineError(f"unknown adaptation '{mode}'; choose from: "
                              f"{', '.join(ADAPT_MODES + SWIFT_MODES)}")
    plan: List[Tuple[str, str]] = []
    for name in methods:
        method = get_method(name)
        modes = adapts if method.family == DEEP_FAMILY else ["none"]
        plan.extend((method.name, mode) for mode in modes)
    return plan


def evaluate_one(pair: Pair, method: str, adapt: str, folder: str, sensor: str = "auto",
                 adapt_options: Optional[Mapping[str, OptionValue]] = None, device: str = "auto",
                 max_size: int = DEFAULT_MAX_SIZE, progress: ProgressCallback = no_progress,
                 cancel: Optional[CancelToken] = None, reduced: bool = False,
                 keep_output: bool = False) -> Dict[str, Any]:
    """Fuse one pair into `folder` and assess it; the record (see RECORD_KEYS). adapt_seconds is the run's
    RunResult.adapt_seconds, infer_seconds the rest of the run (opening, alignment, statistics, block-wise
    inference and writing). reduced: also run the whole job (adaptation included) on the pair degraded by
    the ratio and score it against the MS (rr_q2n, rr_sam)."""
    cancel = cancel or CancelToken()
    out = os.path.join(folder, f"{pair.name}_{os.path.basename(method)}_{adapt}.tif")  # name or model file
    options = dict(adapt_options or {}) if adapt != "none" else {}
    request = PansharpenRequest(pair.pan, pair.ms, out, method=method, sensor=sensor, device=device,
                                adapt=adapt, adapt_options=options)
    result = run(request, progress, cancel)
    report = assess_files(pair.pan, pair.ms, result.output, None, result.sensor, max_size, device=device,
                          cancel=cancel)
    try:
        if not keep_output:  # else the caller deletes it after a contact sheet (evaluation/contact_sheets.py)
            os.remove(result.output)  # keep the temporary folder small on long evaluations
    except OSError:
        pass
    record: Dict[str, Any] = {"pair": pair.name, "sensor": result.sensor, "method": method, "adapt": adapt}
    record.update({key: report.indices[name] for key, name in RECORD_INDICES.items()})
    record.update(adapt_seconds=result.adapt_seconds, infer_seconds=result.seconds - result.adapt_seconds)
    # the adaptation guard's decision (engine/adapt/guard.py); None without adaptation or guard
    record["adapt_kept"] = bool(result.guard["kept"]) if result.guard else None
    if reduced:
        record.update(_reduced_record(request, folder, cancel))
    return record


def _reduced_record(request: PansharpenRequest, folder: str, cancel: CancelToken) -> Dict[str, Any]:
    """{'rr_q2n', 'rr_sam'} of the request run at reduced resolution (its output removed after), and
    'rr_adapt_kept' when the adaptation guard ran there."""
    out = os.path.splitext(request.output)[0] + "_reduced.tif"
    result, report = run_reduced(replace(request, output=out), None, cancel=cancel)
    if os.path.exists(out):
        os.remove(out)
    record: Dict[str, Any] = {key: report.indices[name] for key, name in REDUCED_RECORD_INDICES.items()}
    if result.guard:
        record["rr_adapt_kept"] = bool(result.guard["kept"])
    return record


def evaluate(pairs: Sequence[Pair], plan: Sequence[Tuple[str, str]], sensor: str = "auto",
             adapt_options: Optional[Mapping[str, OptionValue]] = None, device: str = "auto",
             max_size: int = DEFAULT_MAX_SIZE, announce: Optional[Callable[[int, int, str], None]] = None,
             progress: ProgressCallback = no_progress, cancel: Optional[CancelToken] = None,
             skip: Optional[Callable[[str, str], None]] = None,
             swift_options: Optional[Mapping[str, OptionValue]] = None,
             reduced: bool = False,
             quicklooks: Optional[QuicklookSpec] = None) -> List[Dict[str, Any]]:
    """Records of every pair x (method, adapt); announce(i, n, text) before each run (1-based i).

    Modes 'swift' and 'swift+tailor' use a model adapted on other pairs of the same sensor
    (engine/evaluation/swift_runs.py; swift_options are its SWIFT settings).

    A run the engine refuses (EngineError, e.g. a tailor patch larger than the image) is skipped:
    skip(text, message) is called and the evaluation goes on; cancellation stops it. EngineError when every
    run was refused. quicklooks: write a contact sheet per pair into quicklooks.path (a folder; sheets that
    cannot be made are reported through skip).
    """
    cancel = cancel or CancelToken()
    records: List[Dict[str, Any]] = []
    runs = [(pair, method, adapt) for pair in pairs for method, adapt in plan]
    refused = ""
    with tempfile.TemporaryDirectory(prefix="pansharpen-evaluate-") as folder:
        models = SwiftModels(pairs, folder, sensor, device, swift_options)
        sheets = ContactSheets(folder, quicklooks, device, skip, cancel)
        evaluate_run = partial(evaluate_one, keep_output=quicklooks is not None)  # kept for the sheet
        for i, (pair, method, adapt) in enumerate(runs):
            sheets.collect(records, pair, method, adapt)
            cancel.check()
            text = f"{pair.name} {method} {adapt}"
            if announce:
                announce(i + 1, len(runs), text)
            try:
                if adapt in SWIFT_MODES:
                    records.append(swift_record(models, pair, method, adapt, evaluate_run, folder, sensor,
                                                adapt_options, device, max_size, progress, cancel))
                    continue
                records.append(evaluate_run(pair, method, adapt, folder, sensor, adapt_options, device,
                                            max_size, progress, cancel, reduced))
            except Cancelled:
                raise
            except EngineError as exc:
                refused = refused or f"{text}: {exc}"
                if skip:
                    skip(text, str(exc))
        sheets.collect(records)  # the last pair's sheet
    if not records:
        raise EngineError(f"every run was refused; first: {refused}")
    return records


def markdown_table(records: Sequence[Mapping[str, Any]]) -> str:
    """The records as a markdown table (indices to 4 decimals, seconds to 2; an index a record lacks: -)."""
    keys = list(RECORD_INDICES) + [k for k in REDUCED_RECORD_INDICES if any(k in r for r in records)]
    titles = " | ".join(TABLE_TITLES[k] for k in keys)
    lines = [f"| pair | sensor | method | adapt | {titles} | adapt s | infer s |",
             "|---|---|---|---|" + "---:|" * (len(keys) + 2)]
    for r in records:
        values = " | ".join(f"{r[k]:.4f}" if k in r else "-" for k in keys)
        lines.append(f"| {r['pair']} | {r['sensor']} | {r['method']} | {r['adapt']} | {values} | "
                     f"{r['adapt_seconds']:.2f} | {r['infer_seconds']:.2f} |")
    return "\n".join(lines)
