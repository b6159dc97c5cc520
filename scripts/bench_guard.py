"""How often the adaptation guard keeps a worse adaptation or rejects a better one (reduced resolution).

    OMP_NUM_THREADS=1 python scripts/bench_guard.py --pairs DIR [--methods fusionnet,pnn,dicnn]
        [--adapt tailor] [--json FILE]

For every NAME_pan.tif / NAME_ms.tif pair of DIR and every backbone, the job runs at reduced resolution
(Wald protocol, engine.evaluation.assess.run_reduced: the whole job, adaptation included, on the pair
degraded by the
ratio, scored against the original MS) three times: without adaptation, adapted with the guard off, and
adapted with the guard on (which decides on held-out patches of the degraded pair, without the reference).
Truth: the adaptation is better when its Q2n against the reference beats direct transfer's. A false keep is
a kept adaptation that is worse, a false reject a rejected one that is better. Prints a table per run and
the rates; --json writes the records.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from typing import Any, Dict, List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from engine.errors import EngineError  # noqa: E402
from engine.evaluation.harness import find_pairs, split_list  # noqa: E402
from engine.evaluation.runs import run_reduced  # noqa: E402
from engine.request import PansharpenRequest  # noqa: E402


def reduced(pan: str, ms: str, out: str, method: str, adapt: str, guard: str) -> Dict[str, Any]:
    """Q2n and SAM of one job at reduced resolution, and whether the guard kept the adaptation."""
    options = {"guard": guard} if adapt != "none" else {}
    req = PansharpenRequest(pan, ms, out, method=method, device="cpu", adapt=adapt, adapt_options=options)
    result, report = run_reduced(req)
    os.remove(out)
    return {"q2n": report.indices["Q2n"], "sam": report.indices["SAM"],
            "kept": result.guard.get("kept") if result.guard else None, "guard": result.guard}


def compare(pair: Any, method: str, adapt: str, folder: str) -> Dict[str, Any]:
    out = os.path.join(folder, f"{pair.name}_{method}.tif")
    direct = reduced(pair.pan, pair.ms, out, method, "none", "off")
    always = reduced(pair.pan, pair.ms, out, method, adapt, "off")
    guarded = reduced(pair.pan, pair.ms, out, method, adapt, "on")
    better = always["q2n"] > direct["q2n"]
    return {"pair": pair.name, "method": method, "direct_q2n": direct["q2n"], "adapted_q2n": always["q2n"],
            "guarded_q2n": guarded["q2n"], "kept": guarded["kept"], "better": better,
            "false_keep": bool(guarded["kept"]) and not better,
            "false_reject": guarded["kept"] is False and better, "guard": guarded["guard"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", required=True)
    ap.add_argument("--methods", default="fusionnet,pnn,dicnn")
    ap.add_argument("--adapt", default="tailor", choices=("tailor", "full"))
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    records: List[Dict[str, Any]] = []
    print("| pair | method | direct Q2n | adapted Q2n | guarded Q2n | kept | adaptation better |")
    print("|---|---|---:|---:|---:|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for pair in find_pairs(args.pairs):
            for method in split_list(args.methods, "methods"):
                try:
                    r = compare(pair, method, args.adapt, folder)
                except EngineError as exc:
                    print(f"skipped: {pair.name} {method}: {exc}", file=sys.stderr)
                    continue
                records.append(r)
                print(f"| {r['pair']} | {method} | {r['direct_q2n']:.4f} | {r['adapted_q2n']:.4f} | "
                      f"{r['guarded_q2n']:.4f} | {r['kept']} | {r['better']} |", flush=True)
    judged = [r for r in records if r["kept"] is not None]
    keeps = sum(r["kept"] for r in judged)
    fk, fr = sum(r["false_keep"] for r in judged), sum(r["false_reject"] for r in judged)
    print(f"\n{len(judged)} judged runs: kept {keeps}, rejected {len(judged) - keeps}; false keeps {fk} "
          f"({fk / max(1, keeps):.0%} of keeps), false rejects {fr} "
          f"({fr / max(1, len(judged) - keeps):.0%} of rejects); adaptation better in "
          f"{sum(r['better'] for r in judged)} of {len(judged)}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(records, f, indent=1)


if __name__ == "__main__":
    main()
