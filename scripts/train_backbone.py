"""Train one deep backbone at reduced resolution (Wald protocol) and ship it as safetensors.

    python scripts/train_backbone.py fusionnet --bands 4 [--data ../shared/data] [--steps N] [--minutes M]

Deterministic (seeded patch sampling, deterministic torch algorithms, one thread) for a given step count;
--minutes is a wall-clock safety cut (the run stops after the step in progress, saves, and records the steps
it made), so pick a step count that fits the budget for a reproducible file; a run cut after N steps is
reproduced exactly by --steps <planned> --stop-after N (the learning-rate schedule spans the planned steps).
Writes resources/weights/<name>_<bands>b.safetensors and updates resources/weights/manifest.json with its
sha256, the training set, the normalisation and the reduced-resolution indices on held-out pairs (with
MTF-GLP on the same pairs for comparison).

Recipe options (defaults: the shipped file's recipe): --lr, --group-share (band-group patches),
--sensor-weight SENSOR=W (scale a sensor's share of the patches), --patch / --batch (patch side in PAN px,
patches per step), --margin (px at each patch edge left out of the loss), --loss l1|mse. Use --out DIR to try
a recipe without touching the shipped files.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from training.data import evaluation_pairs, group_training_pairs, training_pairs, training_sources  # noqa: E402
from training.evaluate import fuse_backbone, fuse_mtf_glp, lms_of, score  # noqa: E402

from engine.backbones import build_backbone  # noqa: E402
from engine.weights.shipped import WEIGHTS_DIR, save_weights  # noqa: E402

# (4-band, 8-band) planned steps: at most ~27 minutes of one CPU thread each; the 8-band simulation is one
# sensor. Runs cut by the wall-clock limit (--minutes) are listed in CUT, so that the defaults reproduce the
# shipped files: (backbone, bands) -> steps made of the planned schedule (what --stop-after does).
STEPS = {"pnn": (6000, 3000), "pannet": (4500, 3000), "dicnn": (7000, 4000), "msdcnn": (1800, 1100),
         "fusionnet": (7500, 3000), "lagconv": (1200, 1100)}
CUT = {("pnn", 4): 2641, ("lagconv", 4): 1121}
# Share of 4-band training patches drawn from band groups of the 6-band Landsat-7 and 7-band Landsat-8
# training parts (training.data.group_training_pairs); the models not listed were trained without them.
GROUP_SHARE = {("dicnn", 4): 0.1, ("fusionnet", 4): 0.4}
# (4-band, 8-band) Adam learning rates
LR = {"pnn": (1e-3, 1e-3), "pannet": (1e-3, 1e-3), "dicnn": (1e-3, 1e-3), "msdcnn": (1e-3, 1e-3),
      "fusionnet": (1e-3, 1e-3), "lagconv": (1e-3, 5e-4)}
PATCH, BATCH = 32, 16


def _sensor(pair) -> str:
    """The sensor a training pair comes from: its name's first word ("landsat7 scene 01" -> "landsat7")."""
    return pair.name.split()[0]


def _equal_share(pairs: list, weight: dict | None = None) -> np.ndarray:
    """Sampling probabilities giving each source (the name's first word) the same share, split by area;
    `weight` multiplies the share of the sources it names (e.g. {"landsat8": 2.0})."""
    area = np.array([p.ref.shape[1] * p.ref.shape[2] for p in pairs], float)
    source = [_sensor(p) for p in pairs]
    share = np.array([a / sum(b for b, t in zip(area, source) if t == s) * (weight or {}).get(s, 1.0)
                      for a, s in zip(area, source)])
    return share / share.sum()


def warmup_cosine(opt: torch.optim.Optimizer, steps: int) -> torch.optim.lr_scheduler.LambdaLR:
    """The learning-rate schedule of every training script: linear warm-up over the first 5 % of the steps,
    then cosine decay to zero at `steps`."""
    warm = max(1, steps // 20)
    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: min(1.0, (i + 1) / warm) * 0.5 * (1 + np.cos(np.pi * min(i, steps) / steps)))


class Sampler:
    """Random aligned patches (lms, pan, ref) from the training pairs, equal share per sensor; with `groups`,
    a `group_share` of the patches come from the band-group pairs (equal share per sensor among them);
    `weight` scales chosen sensors' shares in both."""

    def __init__(self, pairs: list, seed: int, groups: list = (), group_share: float = 0.0,
                 weight: dict | None = None, patch: int = 32) -> None:
        groups = list(groups) if group_share > 0 else []
        unknown = set(weight or {}) - {_sensor(p) for p in [*pairs, *groups]}
        if unknown:
            raise ValueError(f"--sensor-weight: no training sensor {', '.join(sorted(unknown))} (sensors: "
                             f"{', '.join(sorted({_sensor(p) for p in pairs}))})")
        self.items = [(lms_of(p)[0].numpy(), p.pan, p.ref, p.ratio) for p in [*pairs, *groups]]
        self.prob = _equal_share(pairs, weight)
        if groups:
            self.prob = np.concatenate([(1 - group_share) * self.prob,
                                        group_share * _equal_share(groups, weight)])
        self.rng, self.patch = np.random.default_rng(seed), patch

    def batch(self, n: int) -> tuple:
        out = []
        for i in self.rng.choice(len(self.items), size=n, p=self.prob):
            lms, pan, ref, r = self.items[i]
            y = self.rng.integers(0, (ref.shape[1] - self.patch) // r + 1) * r
            x = self.rng.integers(0, (ref.shape[2] - self.patch) // r + 1) * r
            # Slice before concatenating: concatenating whole images per patch cost more than the step.
            win = (slice(None), slice(y, y + self.patch), slice(x, x + self.patch))
            t = np.concatenate([lms[win], pan[win], ref[win]])
            t = np.rot90(t, self.rng.integers(4), axes=(1, 2))
            out.append(t[:, :, ::-1] if self.rng.integers(2) else t)
        stack = torch.from_numpy(np.ascontiguousarray(np.stack(out)))
        c = lms.shape[0]
        return stack[:, :c], stack[:, c:c + 1], stack[:, c + 1:]


def train(name: str, bands: int, data: str, steps: int, seed: int, minutes: float = 0.0,
          stop_after: int = 0, group_share: float = 0.0, lr: float = 0.0,
          weight: dict | None = None, patch: int = 32, batch: int = 16, margin: int = 0,
          loss_name: str = "l1", extra_loss=None) -> tuple:
    """(trained net, seconds, final mean loss, steps made); minutes > 0 stops early after that wall time,
    stop_after > 0 after that many steps (the schedule still spans `steps`); group_share of the patches come
    from band-group pairs (4-band models only); lr 0 takes the LR table's rate; batches of `batch` patches of
    `patch` PAN px; the loss (`l1` or `mse`) leaves out `margin` px at each patch edge (where the zero
    padding is seen); `extra_loss(net)`, when given, is added to each step's loss (the full-resolution term
    of scripts/training/fullres_experiment.py; the logged and returned loss stay the Wald term)."""
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    net = build_backbone(name, bands)
    groups = group_training_pairs(data) if group_share > 0 and bands == 4 else []
    sampler = Sampler(training_pairs(data, bands), seed, groups, group_share, weight, patch)
    criterion = F.mse_loss if loss_name == "mse" else F.l1_loss
    keep = (..., slice(margin, patch - margin), slice(margin, patch - margin))
    opt = torch.optim.Adam(net.parameters(), lr=lr or LR[name][bands == 8])
    sched = warmup_cosine(opt, steps)
    start, recent, made = time.perf_counter(), [], 0
    for step in range(steps):
        lms, pan, ref = sampler.batch(batch)
        loss = wald = criterion(net(lms, pan)[keep], ref[keep])
        if extra_loss is not None:
            loss = wald + extra_loss(net)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        recent, made = (recent + [wald.item()])[-100:], step + 1
        over = (minutes > 0 and time.perf_counter() - start > 60 * minutes) or made == stop_after
        if step % 100 == 0 or step == steps - 1 or over:
            print(f"{name} {bands}b step {step}/{steps} {loss_name} {np.mean(recent):.5g} "
                  f"{time.perf_counter() - start:.0f}s", flush=True)
        if over:
            print(f"stopping after {made} of {steps} steps (--minutes {minutes} / --stop-after {stop_after})",
                  flush=True)
            break
    return net.eval(), time.perf_counter() - start, float(np.mean(recent)), made


def _weights(items: list) -> dict:
    """{"landsat8": 2.0} from ["landsat8=2"]; one-line error for a malformed item."""
    out = {}
    for item in items:
        name, _, value = item.partition("=")
        try:
            out[name] = float(value)
        except ValueError:
            raise SystemExit(f"--sensor-weight wants SENSOR=NUMBER, got {item!r}") from None
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("backbone")
    ap.add_argument("--bands", type=int, default=4, choices=(4, 8))
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--steps", type=int, default=0, help="default: per-backbone budget of a few minutes")
    ap.add_argument("--minutes", type=float, default=0.0, help="wall-clock safety cut (0: none)")
    ap.add_argument("--stop-after", type=int, default=0, help="stop after N steps (reproduces a cut run)")
    ap.add_argument("--group-share", type=float, default=None,
                    help="share of patches from band groups of 6/7-band Landsat (default: as shipped)")
    ap.add_argument("--lr", type=float, default=0.0, help="Adam peak learning rate (default: as shipped)")
    ap.add_argument("--sensor-weight", action="append", default=None, metavar="SENSOR=W",
                    help="scale a sensor's sampling share, e.g. landsat8=2 (repeatable; default: equal)")
    ap.add_argument("--patch", type=int, default=PATCH, help=f"patch side in PAN px (default: {PATCH})")
    ap.add_argument("--batch", type=int, default=BATCH, help=f"patches per step (default: {BATCH})")
    ap.add_argument("--margin", type=int, default=0,
                    help="px left out of the loss at each patch edge (default: 0)")
    ap.add_argument("--loss", choices=("l1", "mse"), default="l1", help="training loss (default: l1)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=WEIGHTS_DIR)
    args = ap.parse_args()
    torch.set_num_threads(1)
    steps = args.steps or STEPS[args.backbone][args.bands == 8]
    # the shipped file's own cut, so that the defaults reproduce it
    stop_after = args.stop_after or (0 if args.steps else CUT.get((args.backbone, args.bands), 0))
    key = (args.backbone, args.bands)
    share = GROUP_SHARE.get(key, 0.0) if args.group_share is None else args.group_share
    weight = _weights(args.sensor_weight or [])
    if not 0 <= 2 * args.margin < args.patch or args.batch < 1:
        raise SystemExit(f"--margin {args.margin} must leave some of --patch {args.patch} px "
                         "(and --batch >= 1)")
    try:
        net, seconds, loss, made = train(args.backbone, args.bands, args.data, steps, args.seed, args.minutes,
                                         stop_after, share, args.lr, weight, args.patch, args.batch,
                                         args.margin, args.loss)
    except ValueError as e:
        raise SystemExit(str(e)) from None
    held = evaluation_pairs(args.data, args.bands)
    rows = score(held, lambda p: fuse_backbone(net, p, args.bands))
    glp = score(held, fuse_mtf_glp)
    lr = args.lr or LR[args.backbone][args.bands == 8]
    training = {"steps": made, "planned_steps": steps, "batch": args.batch, "patch": args.patch,
                "seed": args.seed,
                "loss": args.loss.upper(), "optimizer": f"Adam lr {lr}, warm-up + cosine",
                "seconds": round(seconds, 1), f"final_{args.loss}": round(loss, 6), "threads": 1}
    if share > 0:
        training["band_group_share"] = share
    if weight:
        training["sensor_weight"] = weight
    if args.margin:
        training["loss_margin"] = args.margin
    training["data"] = training_sources(args.bands, share)
    entry = save_weights(net, args.backbone, args.bands, args.out, training,
                         {"backbone": rows, "mtf_glp": glp})
    for r, g in zip(rows, glp):
        print(f"{r['pair']:40s} Q2n {r['Q2n']:.4f} (GLP {g['Q2n']:.4f})  SAM {r['SAM']:.3f} "
              f"(GLP {g['SAM']:.3f})  ERGAS {r['ERGAS']:.3f} (GLP {g['ERGAS']:.3f})")
    print(f"wrote {entry['file']} ({entry['bytes']} bytes) in {seconds:.0f} s of training")


if __name__ == "__main__":
    main()
