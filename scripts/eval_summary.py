"""Summarise `python -m engine evaluate --json` records: adaptation against direct transfer and classical.

    python scripts/eval_summary.py cross.json [more.json ...] [--label tailor=light ...]

Prints, for each adapted mode found (e.g. tailor): in how many (backbone, pair) cases its HQNR beats direct
transfer (adapt none), every losing case, the mean HQNR per backbone next to the mean of the best classical
method per pair and of the best single classical method, and the mean adaptation seconds. Then the
full-resolution indices of every (method, adaptation, pair) - D_rho, R-Q2n, R-SAM, R-ERGAS, D_s_R, RQNR and
HQNR - with the differences to mtf_glp_hpm on the same pair for D_rho and R-Q2n (the issue's targets: D_rho
at most 0.05 above, R-Q2n at most 0.01 below), and their means per (method, adaptation). Records of files
written before these indices existed show '-'. Records of several files are merged; give --label
MODE=NAME to rename a file's adapted mode (e.g. a conditional-tailor run).
"""
from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from typing import Dict, List, Optional, Tuple

DEEP = ("pnn", "pannet", "dicnn", "msdcnn", "fusionnet", "lagconv")
INDICES = (("d_rho", "D_rho"), ("r_q2n", "R-Q2n"), ("r_sam", "R-SAM"), ("r_ergas", "R-ERGAS"),
           ("d_s_r", "D_s_R"), ("rqnr", "RQNR"), ("hqnr", "HQNR"))
CLASSICAL_REFERENCE = "mtf_glp_hpm"


def load(paths: List[str], labels: List[str]) -> List[dict]:
    """Records of every file; labels[i] 'tailor=conditional' renames adapt 'tailor' of file i."""
    records = []
    for i, path in enumerate(paths):
        rename = dict(lab.split("=", 1) for lab in labels[i:i + 1] if "=" in lab)
        with open(path, encoding="utf-8") as f:
            for r in json.load(f):
                r = dict(r)
                r["adapt"] = rename.get(r["adapt"], r["adapt"])
                records.append(r)
    return records


def _value(record: Optional[dict], key: str) -> str:
    return f"{record[key]:.4f}" if record is not None and record.get(key) is not None else "-"


def _delta(record: dict, reference: Optional[dict], key: str) -> str:
    if reference is None or record.get(key) is None or reference.get(key) is None:
        return "-"
    return f"{record[key] - reference[key]:+.4f}"


def full_resolution_table(records: List[dict]) -> None:
    """Every (method, adapt, pair) with the full-resolution indices and the differences to mtf_glp_hpm."""
    ref = {r["pair"]: r for r in records if r["method"] == CLASSICAL_REFERENCE and r["adapt"] == "none"}
    titles = " | ".join(t for _, t in INDICES)
    print(f"\n| method | adapt | pair | {titles} | D_rho - hpm | R-Q2n - hpm |")
    print("|---|---|---|" + "---:|" * (len(INDICES) + 2))
    for r in sorted(records, key=lambda r: (r["method"], r["adapt"], r["pair"])):
        values = " | ".join(_value(r, k) for k, _ in INDICES)
        reference = ref.get(r["pair"])
        print(f"| {r['method']} | {r['adapt']} | {r['pair']} | {values} | {_delta(r, reference, 'd_rho')} | "
              f"{_delta(r, reference, 'r_q2n')} |")
    groups: Dict[Tuple[str, str], List[dict]] = defaultdict(list)
    for r in records:
        groups[(r["method"], r["adapt"])].append(r)
    print("\n| method | adapt | pairs | " + " | ".join(f"mean {t}" for _, t in INDICES) + " |")
    print("|---|---|---:|" + "---:|" * len(INDICES))
    for (method, adapt), group in sorted(groups.items()):
        means = []
        for key, _ in INDICES:
            got = [r[key] for r in group if r.get(key) is not None]
            means.append(f"{statistics.mean(got):.4f}" if got else "-")
        print(f"| {method} | {adapt} | {len(group)} | " + " | ".join(means) + " |")


def summarise(records: List[dict]) -> None:
    if not any(r["method"] not in DEEP for r in records):
        print("no classical method in the records: HQNR comparison skipped")
        return
    hqnr: Dict[Tuple[str, str, str], float] = {(r["pair"], r["method"], r["adapt"]): r["hqnr"]
                                               for r in records}
    seconds: Dict[Tuple[str, str], List[float]] = defaultdict(list)
    for r in records:
        seconds[(r["method"], r["adapt"])].append(r["adapt_seconds"])
    pairs = sorted({r["pair"] for r in records})
    classical = sorted({r["method"] for r in records if r["method"] not in DEEP})
    best_per_pair = statistics.mean(max(hqnr[(p, m, "none")] for m in classical) for p in pairs)
    single = {m: statistics.mean(hqnr[(p, m, "none")] for p in pairs) for m in classical}
    best_single = max(single, key=single.__getitem__)
    print(f"{len(pairs)} pairs; classical: best per pair mean {best_per_pair:.4f}, best single method "
          f"{best_single} {single[best_single]:.4f}")
    modes = sorted({r["adapt"] for r in records if r["adapt"] != "none"})
    for mode in modes:
        cases = [(p, m) for p in pairs for m in DEEP if (p, m, mode) in hqnr and (p, m, "none") in hqnr]
        wins = [c for c in cases if hqnr[(*c, mode)] > hqnr[(*c, "none")]]
        print(f"\n{mode}: better than direct transfer in {len(wins)}/{len(cases)} cases "
              f"({100 * len(wins) / max(1, len(cases)):.0f} %)")
        for p, m in cases:
            if (p, m) not in wins:
                print(f"  worse: {p} {m}: {hqnr[(p, m, 'none')]:.4f} -> {hqnr[(p, m, mode)]:.4f}")
        print("| backbone | mean HQNR none | mean HQNR " + mode + " | mean adapt s |")
        print("|---|---:|---:|---:|")
        for m in DEEP:
            got = [p for p in pairs if (p, m, mode) in hqnr]
            if got:
                none = statistics.mean(hqnr[(p, m, "none")] for p in got)
                ada = statistics.mean(hqnr[(p, m, mode)] for p in got)
                print(f"| {m} | {none:.4f} | {ada:.4f} | {statistics.mean(seconds[(m, mode)]):.2f} |")
        overall = [hqnr[(p, m, mode)] for p, m in cases]
        print(f"all backbones: mean HQNR {mode} {statistics.mean(overall):.4f} vs best classical per pair "
              f"{best_per_pair:.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json", nargs="+")
    ap.add_argument("--label", action="append", default=[], help="MODE=NAME for the file at the same place")
    args = ap.parse_args()
    labels = args.label + [""] * (len(args.json) - len(args.label))
    records = load(args.json, labels)
    summarise(records)
    full_resolution_table(records)


if __name__ == "__main__":
    main()
