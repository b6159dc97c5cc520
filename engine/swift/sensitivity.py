"""Per-parameter sensitivity to the new sensor, and the mask of the parameters SWIFT fine-tunes.

Scores are accumulated over the chosen patches (in batches) at the pretrained weights:
- "taylor" (default): |w * dL/dw|, the first-order estimate of how much the loss changes if the weight moved
  (a weight with a large gradient but near zero value scores low, as does a large weight the loss ignores);
- "fisher": (dL/dw)^2, the empirical Fisher information.
The mask keeps the global top fraction of all parameters (weights and biases of every layer ranked together);
ties at the threshold are broken by position, so exactly round(top * total) entries are kept.
"""
from __future__ import annotations

from typing import Dict

import torch

from ..backbones.base import Backbone
from ..progress import CancelToken, ProgressCallback
from .objective import Objective


def score_parameters(net: Backbone, objective: Objective, batch: int, kind: str,
                     progress: ProgressCallback, cancel: CancelToken) -> Dict[str, torch.Tensor]:
    """{parameter name: score tensor of its shape} summed over every patch batch."""
    params = dict(net.named_parameters())
    saved = {n: p.requires_grad for n, p in params.items()}
    scores = {n: torch.zeros_like(p) for n, p in params.items()}
    batches = list(torch.arange(objective.count).split(batch))
    try:
        for p in params.values():
            p.requires_grad_(True)
        for b, idx in enumerate(batches):
            cancel.check()
            for p in params.values():
                p.grad = None
            with torch.enable_grad():
                objective.loss(net, idx)["total"].backward()
            with torch.no_grad():
                for n, p in params.items():
                    g = p.grad if p.grad is not None else torch.zeros_like(p)
                    scores[n] += (p * g).abs() if kind == "taylor" else g * g
            progress((b + 1) / len(batches), f"score batch {b + 1}/{len(batches)}")
    finally:
        for n, p in params.items():
            p.grad = None
            p.requires_grad_(saved[n])
    return scores


def top_masks(scores: Dict[str, torch.Tensor], top: float) -> Dict[str, torch.Tensor]:
    """{name: bool mask} selecting the round(top * total) highest scores over all parameters (at least 1)."""
    names = list(scores)
    flat = torch.cat([scores[n].reshape(-1).double() for n in names])
    k = max(1, min(flat.numel(), int(round(top * flat.numel()))))
    keep = torch.zeros(flat.numel(), dtype=torch.bool, device=flat.device)
    keep[torch.topk(flat, k, sorted=False).indices] = True
    masks, start = {}, 0
    for n in names:
        size = scores[n].numel()
        masks[n] = keep[start:start + size].view_as(scores[n])
        start += size
    return masks


def kept_fraction(masks: Dict[str, torch.Tensor]) -> float:
    """Fraction of all parameter entries selected."""
    total = sum(m.numel() for m in masks.values())
    return float(sum(int(m.sum()) for m in masks.values())) / max(1, total)
