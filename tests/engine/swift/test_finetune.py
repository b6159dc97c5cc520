"""Sensitivity scores, the top-fraction mask and the masked fine-tune on real QuickBird patches."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.evaluation.harness import find_pairs
from engine.methods.deep import DeepMethod
from engine.methods.registry import get_method
from engine.progress import CancelToken, no_progress
from engine.swift.finetune import masked_finetune
from engine.swift.objective import Objective
from engine.swift.scenes import candidates, open_scene, read_patches
from engine.swift.sensitivity import kept_fraction, score_parameters, top_masks
from engine.training.losses import weights_for


@pytest.fixture(scope="module")
def setup(qb_folder: str) -> tuple:
    cancel = CancelToken()
    scenes = [open_scene(p.pan, p.ms, "auto", cancel) for p in find_pairs(qb_folder)[:2]]
    method = get_method("dicnn")
    assert isinstance(method, DeepMethod)
    net, _, _ = method.start(4, torch.device("cpu"))
    cands = candidates(scenes, 32, np.random.default_rng(0))
    patches = read_patches(scenes, cands[:6], 32, 4, torch.device("cpu"), cancel)
    s = scenes[0]
    return net, Objective(net, patches, 4, s.gains, s.pan_gain, weights_for(s.sensor))


@pytest.mark.parametrize("top", [0.1, 0.2, 0.3])
def test_top_fraction_is_respected(setup: tuple, top: float) -> None:
    net, objective = setup
    scores = score_parameters(net, objective, 3, "taylor", no_progress, CancelToken())
    masks = top_masks(scores, top)
    total = sum(p.numel() for p in net.parameters())
    assert sum(int(m.sum()) for m in masks.values()) == round(top * total)
    assert kept_fraction(masks) == pytest.approx(top, abs=1e-4)
    kept = torch.cat([scores[n][m] for n, m in masks.items()])
    dropped = torch.cat([scores[n][~m] for n, m in masks.items()])
    assert float(kept.min()) >= float(dropped.max())  # the highest scores are the ones kept
    assert all(not p.requires_grad and p.grad is None for p in net.parameters())


def test_masked_finetune_keeps_unselected_weights_bit_identical(setup: tuple) -> None:
    net, objective = setup
    net = type(net)(4).eval()
    net.load_state_dict(setup[0].state_dict())
    before = {n: p.detach().clone() for n, p in net.named_parameters()}
    masks = top_masks(score_parameters(net, objective, 3, "fisher", no_progress, CancelToken()), 0.2)
    fit = masked_finetune(net, objective, masks, 4, 3, 1e-2, 0, 0, no_progress, CancelToken())
    assert fit.steps_run == 4 and len(fit.history) == 4 and len(fit.epoch_losses) == 2
    changed = 0
    for n, p in net.named_parameters():
        assert torch.equal(p[~masks[n]], before[n][~masks[n]])
        changed += int((p[masks[n]] != before[n][masks[n]]).sum())
    assert changed > 0


def test_scoring_and_training_stop_when_cancelled(setup: tuple) -> None:
    net, objective = setup
    token = CancelToken()
    token.cancel()
    from engine.errors import Cancelled
    with pytest.raises(Cancelled):
        score_parameters(net, objective, 3, "taylor", no_progress, token)
    assert all(not p.requires_grad for p in net.parameters())
