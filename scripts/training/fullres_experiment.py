"""Experiment: fine-tune the shipped fusionnet_4b at full resolution as well as reduced (issue 15 item 5).

    python scripts/training/fullres_experiment.py --out DIR [--lam 0.02] [--full-batch 4,8] [--full-inner 64]
        [--steps 1500] [--lr 2e-4] [other train_backbone.py options]
    python scripts/training/fullres_experiment.py with-weights DIR report [report.py options]
    python scripts/training/fullres_experiment.py with-weights DIR engine evaluate --pairs P [options]

The nets are trained at reduced resolution only (Wald protocol) and inject too little full-resolution PAN
detail (the scale gap of Z-PNN / lambda-PNN; README "Deep backbones", model card). This script starts from the
shipped fusionnet_4b (checksum-checked) and runs `scripts/train_backbone.py fusionnet --bands 4` (its sampler,
Wald batches, L1 loss, band-group share, schedule and held-out scoring, unchanged) with one addition per step:
lambda x the unsupervised full-resolution loss of engine/training/losses.py (spectral L1 of the MTF-filtered,
decimated output against the MS, plus lambda-PNN's thresholded correlation term "xcorr" with the sensor
preset's weight, consistency 0) on a batch of full-resolution patches of the same training parts (Pleiades
and Landsat-8 top 3/4, Landsat-7 scenes 01-35, and their 4-band groups; QuickBird and every held-out part stay
out). The full-resolution pairs are training.data's own training pairs with the Wald degradation replaced by
the identity; their "reference" is the MS repeated r x r on the PAN grid, so train_backbone.Sampler draws
aligned, rotated and flipped windows from them and the coarse MS of a window is every r-th pixel of it.

Writes DIR/fusionnet_4b.safetensors and DIR/manifest.json (engine.weights.shipped.save_weights: canonical
header,
sha256, training record with a `full_resolution` entry); refuses to run without --out, so the shipped files
are never touched. `with-weights DIR` runs report.py or the engine CLI with
engine.weights.shipped.WEIGHTS_DIR pointed
at DIR (looked up at call time, so every load, checksum and tailor uses DIR's files), to measure a candidate
with exactly the commands that measure the shipped files. Runs (lambda 1, 0.1, 0.02), figures and the decision
(not shipped): resources/weights/MODEL_CARD.md, "Full-resolution fine-tuning of fusionnet_4b".
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import List
from unittest import mock

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import train_backbone  # noqa: E402

import engine.weights.shipped  # noqa: E402
from engine.backbones import build_backbone  # noqa: E402
from engine.training.losses import spatial_targets, total_loss, weights_for  # noqa: E402
from engine.weights.shipped import read_checked  # noqa: E402
from training import data  # noqa: E402
from training.variant import run_variant  # noqa: E402

BACKBONE = "fusionnet"
MARGIN = 16  # PAN px of context around each full-resolution patch: > the net's receptive field (12), a
# multiple of both ratios; the loss covers the inner part only, clear of the zero padding


def _undegraded(name: str, pan: np.ndarray, ms: np.ndarray, ratio: int, scale: float, gains,
                pan_gain: float) -> data.Pair:
    """training.data.wald without the degradation: the pair at full resolution, normalised the same way;
    ref is the MS repeated r x r on the PAN grid (the coarse MS of a window on the ratio grid is
    ref[::r, ::r], also after the sampler's rotations and flips)."""
    c, h, w = ms.shape
    ms, pan = ms / scale, pan[:, :h * ratio, :w * ratio] / scale
    if pan.shape[1:] != (h * ratio, w * ratio):
        raise ValueError(f"{name}: PAN {pan.shape[1:]} does not cover the MS {ms.shape[1:]} x {ratio}")
    ref = np.repeat(np.repeat(ms, ratio, axis=1), ratio, axis=2)
    return data.Pair(name, np.ascontiguousarray(pan), np.ascontiguousarray(ms), ref, ratio, scale,
                     tuple(gains), pan_gain)


def full_resolution_pairs(root: str) -> tuple:
    """(Pleiades pairs, Landsat pairs, Landsat band-group pairs) at full resolution: the 4-band training set
    of training.data (same sources, splits, bands and scales) without the Wald degradation."""
    with mock.patch.object(data, "wald", _undegraded):
        four = data.training_pairs(root, 4)
        groups = data.group_training_pairs(root)
    vhr = [p for p in four if p.ratio == 4]
    landsat = [p for p in four if p.ratio == 2]
    if [p.name for p in vhr] != ["pleiades_otb"] or any(p.ratio != 2 for p in groups):
        raise ValueError("unexpected training sources: " + ", ".join(p.name for p in four))
    return vhr, landsat, groups


class FullResolutionTerm:
    """lam x the full-resolution loss of one batch, drawn anew at each call: n_vhr Pleiades windows (ratio 4,
    preset weights 'pleiades') and n_landsat Landsat windows (ratio 2, preset weights 'landsat8', a
    `group_share` of them band groups), each (inner + 2 MARGIN) px; the two ratios' losses are averaged by
    patch count. Keeps running means of the terms for the log and the training record."""

    def __init__(self, root: str, lam: float, n_vhr: int, n_landsat: int, inner: int, group_share: float,
                 seed: int) -> None:
        vhr, landsat, groups = full_resolution_pairs(root)
        window = inner + 2 * MARGIN
        self.parts = []
        sources = ((vhr, [], 0.0, n_vhr, "pleiades"), (landsat, groups, group_share, n_landsat, "landsat8"))
        for i, (pairs, grp, share, n, preset) in enumerate(sources):
            if n <= 0:
                continue
            gains = {p.gains[:1] + (p.pan_gain,) for p in [*pairs, *grp]}
            if len(gains) != 1 or any(len(set(p.gains)) != 1 for p in [*pairs, *grp]):
                raise ValueError(f"{preset}: the sources' MTF gains differ ({gains}); a batch needs one set")
            ratio = pairs[0].ratio
            sampler = train_backbone.Sampler(pairs, seed + 1000 + i, grp, share, patch=window)
            self.parts.append((sampler, n, ratio, pairs[0].gains[0], pairs[0].pan_gain, weights_for(preset)))
        self.lam, self.count = lam, sum(p[1] for p in self.parts)
        self.history: List[dict] = []
        self.start = time.perf_counter()

    @staticmethod
    def _inner(x: torch.Tensor, ratio: int = 1) -> torch.Tensor:
        m = MARGIN // ratio
        return x[..., m:x.shape[-2] - m, m:x.shape[-1] - m]

    def __call__(self, net: torch.nn.Module) -> torch.Tensor:
        total = torch.zeros(())
        record = {}
        for sampler, n, ratio, gain, pan_gain, weights in self.parts:
            lms, pan, ref = sampler.batch(n)
            ms = ref[..., ::ratio, ::ratio]
            targets = spatial_targets(lms, pan, ratio, pan_gain, MARGIN)
            fused = self._inner(net(lms, pan))
            terms = total_loss(fused, fused.detach(), self._inner(pan), self._inner(ms, ratio), targets,
                               ratio, [gain] * lms.shape[1], weights)
            total = total + terms["total"] * (n / self.count)
            record.update({f"r{ratio}_spectral": float(terms["spectral"].detach()),
                           f"r{ratio}_spatial": float(terms["spatial"].detach())})
        self.history.append(record)
        step = len(self.history) - 1
        if step % 100 == 0:
            recent = self.history[-100:]
            means = {k: np.mean([h[k] for h in recent]) for k in recent[-1]}
            print(f"  full-resolution step {step}: " + "  ".join(f"{k} {v:.5g}" for k, v in means.items())
                  + f"  {time.perf_counter() - self.start:.0f}s", flush=True)
        return self.lam * total

    def final(self) -> dict:
        """Mean of each term over the last 100 steps."""
        recent = self.history[-100:]
        return {k: round(float(np.mean([h[k] for h in recent])), 6) for k in recent[-1]} if recent else {}


def _shipped_backbone(name: str, bands: int) -> torch.nn.Module:
    """The shipped file's net, trainable (the starting point instead of a random initialisation)."""
    state, _ = read_checked(name, bands)
    net = build_backbone(name, bands)
    net.load_state_dict(state, strict=True)
    return net.train()


def with_weights(argv: List[str]) -> None:
    """`DIR report [...]` or `DIR engine [...]` with engine.weights.shipped.WEIGHTS_DIR = DIR."""
    if len(argv) < 2 or argv[1] not in ("report", "engine"):
        raise SystemExit("usage: fullres_experiment.py with-weights DIR report|engine [arguments]")
    folder = os.path.abspath(argv[0])
    if folder == os.path.abspath(train_backbone.WEIGHTS_DIR) or not os.path.isfile(
            os.path.join(folder, engine.weights.shipped.MANIFEST)):
        raise SystemExit(f"{folder}: not a candidate weights folder (manifest.json; not the shipped one)")
    engine.weights.shipped.WEIGHTS_DIR = folder
    if argv[1] == "engine":
        from engine.cli.main import main as cli_main

        sys.exit(cli_main(argv[2:]))
    import training.report as report

    report.WEIGHTS_DIR = folder  # --update-manifest writes the candidate's manifest, never the shipped one
    sys.argv = [report.__file__, *argv[2:]]
    report.main()


def main() -> None:
    if sys.argv[1:2] == ["with-weights"]:
        return with_weights(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="Other options go to scripts/train_backbone.py (--group-share, "
                                        "--minutes, --stop-after, ...).")
    ap.add_argument("--out", required=True, help="folder for the candidate file and its manifest")
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--lam", type=float, default=0.02,
                    help="weight of the full-resolution loss (default 0.02, the best of the recorded runs)")
    ap.add_argument("--full-batch", default="4,8",
                    help="full-resolution windows per step: Pleiades,Landsat (default 4,8)")
    ap.add_argument("--full-inner", type=int, default=64,
                    help="side of a full-resolution patch's loss area, PAN px (multiple of 4; default 64)")
    ap.add_argument("--full-group-share", type=float, default=0.5,
                    help="share of band-group windows among the Landsat ones (default 0.5: a third of all "
                         "full-resolution windows, with Pleiades, Landsat-8 and Landsat-7 a third each)")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--seed", type=int, default=0)
    args, rest = ap.parse_known_args()
    if os.path.abspath(args.out) == os.path.abspath(train_backbone.WEIGHTS_DIR):
        raise SystemExit("--out must not be the shipped weights folder")
    n_vhr, n_landsat = (int(v) for v in args.full_batch.split(","))
    if args.full_inner % 4 or args.full_inner < 16 or args.lam < 0:
        raise SystemExit("--full-inner must be a multiple of 4 (>= 16) and --lam non-negative")
    torch.set_num_threads(1)
    term = FullResolutionTerm(args.data, args.lam, n_vhr, n_landsat, args.full_inner, args.full_group_share,
                              args.seed)
    _, start = read_checked(BACKBONE, 4)
    save = train_backbone.save_weights

    def save_with_record(net, name, bands, folder, training, indices):
        training["data"][-1:-1] = [
            "full resolution (unsupervised): the same Pleiades, Landsat-8 and Landsat-7 training parts and "
            "band groups, not degraded"]
        training["full_resolution"] = {
            "start": f"{start['file']} sha256 {start['sha256']} ({start['training'].get('steps')} steps)",
            "lambda": args.lam, "windows_per_step": {"pleiades": n_vhr, "landsat": n_landsat},
            "inner": args.full_inner, "margin": MARGIN, "landsat_group_share": args.full_group_share,
            "loss": "spectral L1 + xcorr (engine/training/losses.py, preset weights), consistency 0",
            "final": term.final()}
        return save(net, name, bands, folder, training, indices)

    run_variant([BACKBONE, "--out", args.out, "--data", args.data, "--steps", str(args.steps),
                 "--lr", str(args.lr), "--seed", str(args.seed), *rest],
                build_backbone=_shipped_backbone, save_weights=save_with_record,
                train=lambda *a, **k: TRAIN(*a, extra_loss=term, **k))


TRAIN = train_backbone.train

if __name__ == "__main__":
    main()
