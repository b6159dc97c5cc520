"""Masked fine-tuning: Adam on the selected parameter entries only, with early stopping on the loss.

Gradients of unselected entries are zeroed before each Adam step, and after the step unselected entries are
written back from their starting values, so they stay bit-identical whatever the optimiser does (Adam with a
zero gradient already leaves them unchanged; the write-back makes it a guarantee, not a rounding accident).
Steps cycle through the patches in seeded random minibatches; an epoch is one pass. Early stop: when the
epoch's mean training loss has not improved (by 1e-4 relative) for `patience` epochs, training stops. In
every case the weights after the best complete epoch are kept (steps < one epoch: the final weights).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Dict, List, Mapping

import torch

from ..backbones.base import Backbone
from ..progress import CancelToken, ProgressCallback
from ..training.adam import Adam
from .objective import Objective

MIN_IMPROVEMENT = 1e-4


@dataclass
class FinetuneResult:
    """Loss terms per step (before its update), the epoch losses, steps run and whether it stopped early."""

    history: List[Dict[str, float]] = field(default_factory=list)
    epoch_losses: List[float] = field(default_factory=list)
    steps_run: int = 0
    stopped_early: bool = False
    best_epoch: int = -1
    seconds: float = 0.0


def _batches(count: int, batch: int, gen: torch.Generator) -> List[torch.Tensor]:
    return list(torch.randperm(count, generator=gen).split(batch))


def _snapshot(params: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in params.items()}


def masked_finetune(net: Backbone, objective: Objective, masks: Dict[str, torch.Tensor], steps: int,
                    batch: int, lr: float, patience: int, seed: int, progress: ProgressCallback,
                    cancel: CancelToken) -> FinetuneResult:
    """Fine-tune net in place (masked entries only); returns the history. net ends in eval mode."""
    t0 = time.perf_counter()
    params = {n: p for n, p in net.named_parameters() if bool(masks[n].any())}
    for n, p in net.named_parameters():
        p.requires_grad_(n in params)
    start = _snapshot(params)
    opt = Adam(params.values(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    result = FinetuneResult()
    best, best_state, bad = float("inf"), _snapshot(params), 0
    queue: List[torch.Tensor] = []
    epoch_sum, epoch_n = 0.0, 0
    for step in range(steps):
        cancel.check()
        if not queue:
            queue = _batches(objective.count, batch, gen)
        idx = queue.pop(0)
        with torch.enable_grad():
            terms = objective.loss(net, idx)
            opt.zero_grad()
            terms["total"].backward()
        with torch.no_grad():
            for n, p in params.items():
                if p.grad is not None:
                    p.grad.mul_(masks[n])
        opt.step()
        with torch.no_grad():
            for n, p in params.items():
                p.copy_(torch.where(masks[n], p, start[n]))
        result.history.append({k: float(v.detach()) for k, v in terms.items()})
        result.steps_run = step + 1
        epoch_sum += float(terms["total"].detach()) * len(idx)
        epoch_n += len(idx)
        progress((step + 1) / max(1, steps), f"train step {step + 1}/{steps}")
        if queue:
            continue
        loss = epoch_sum / epoch_n
        result.epoch_losses.append(loss)
        epoch_sum, epoch_n = 0.0, 0
        if loss < best * (1 - MIN_IMPROVEMENT):
            best, best_state, bad = loss, _snapshot(params), 0
            result.best_epoch = len(result.epoch_losses) - 1
        else:
            bad += 1
            if patience and bad >= patience:
                result.stopped_early = True
                break
    if result.best_epoch >= 0:  # keep the best complete epoch (later steps and a partial epoch are dropped)
        with torch.no_grad():
            for n, p in params.items():
                p.copy_(best_state[n])
    for p in net.parameters():
        p.requires_grad_(False)
    net.eval()
    result.seconds = time.perf_counter() - t0
    return result
