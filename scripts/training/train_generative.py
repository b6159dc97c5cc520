"""Train the 4-band Schroedinger-bridge net (engine/generative) at reduced resolution (Wald protocol).

    python scripts/training/train_generative.py [--data ../shared/data] [--steps N] [--minutes M] [--out DIR]

Same data pipeline as scripts/train_backbone.py (its Sampler: training sensors' scenes, equal share per
sensor, 40 % of patches from the Landsat band groups as for fusionnet_4b; QuickBird never used), one CPU
thread, deterministic for a given step count (seeded sampling, times and noise; --minutes is a wall-clock
safety cut, recorded as the steps made). Loss: bridge matching (engine/generative/bridge.py, L1 on the end
point). Writes <out>/sb_4b.safetensors and <out>/manifest.json (default: resources/weights/generative,
checked like the backbones' files); scores come from scripts/training/evaluate_generative.py.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from train_backbone import Sampler, warmup_cosine  # noqa: E402

from engine.generative.bridge import SIGMA, T0_SHARE, bridge_matching_loss  # noqa: E402
from engine.generative.unet import build_unet  # noqa: E402
from engine.generative.weights import GENERATIVE_DIR, save_unet  # noqa: E402
from training.data import group_training_pairs, training_pairs, training_sources  # noqa: E402

GROUP_SHARE, LR, PATCH, BATCH, MARGIN = 0.4, 1e-3, 32, 16, 0


def train(data: str, steps: int, seed: int, minutes: float, width: int) -> tuple:
    """(trained net, seconds, final mean loss, steps made)."""
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    gen = torch.Generator().manual_seed(seed)
    net = build_unet(4, width)
    sampler = Sampler(training_pairs(data, 4), seed, group_training_pairs(data), GROUP_SHARE, None, PATCH)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    sched = warmup_cosine(opt, steps)
    start, recent, made = time.perf_counter(), [], 0
    for step in range(steps):
        lms, pan, ref = sampler.batch(BATCH)
        loss = bridge_matching_loss(net, pan, lms, ref, gen, SIGMA, MARGIN)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        recent, made = (recent + [loss.item()])[-100:], step + 1
        over = minutes > 0 and time.perf_counter() - start > 60 * minutes
        if step % 100 == 0 or step == steps - 1 or over:
            print(f"sb 4b step {step}/{steps} l1 {np.mean(recent):.5g} {time.perf_counter() - start:.0f}s",
                  flush=True)
        if over:
            print(f"stopping after {made} of {steps} steps (--minutes {minutes})", flush=True)
            break
    return net.eval(), time.perf_counter() - start, float(np.mean(recent)), made


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--minutes", type=float, default=0.0, help="wall-clock safety cut (0: none)")
    ap.add_argument("--width", type=int, default=24)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=GENERATIVE_DIR)
    args = ap.parse_args()
    torch.set_num_threads(1)
    net, seconds, loss, made = train(args.data, args.steps, args.seed, args.minutes, args.width)
    training = {"steps": made, "planned_steps": args.steps, "batch": BATCH, "patch": PATCH, "seed": args.seed,
                "loss": "bridge matching, L1 on the end point", "sigma": SIGMA, "t0_share": T0_SHARE,
                "optimizer": f"Adam lr {LR}, warm-up + cosine", "seconds": round(seconds, 1),
                "final_l1": round(loss, 6), "threads": 1, "band_group_share": GROUP_SHARE,
                "data": training_sources(4, GROUP_SHARE)}
    entry = save_unet(net, "sb", args.out, {"training": training})
    print(f"wrote {entry['file']} ({entry['bytes']} bytes, {entry['params']} params) in {seconds:.0f} s")


if __name__ == "__main__":
    main()
