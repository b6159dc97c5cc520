"""Bridge matching (the Schroedinger-bridge objective) and the bridge ODE / SDE samplers.

The bridge runs from x_0 = lms (the upsampled MS, normalised) at t = 0 to x_1 = the high-resolution MS at
t = 1 (all (B, C, H, W), normalised units as engine/backbones/normalise.py):

    x_t = (1 - t) x_0 + t x_1 + sigma sqrt(t (1 - t)) eps,    eps ~ N(0, I)

(a Brownian bridge of diffusion sigma pinned at both ends). Choice: the net predicts the *end point* x_1
(as lms + residual, engine/generative/unet.py), not the drift; the drift is then (x1_hat - x_t) / (1 - t),
which stays finite near t = 1 (a drift-predicting net would have to learn that blow-up), and the loss on x_1
is the plain L1 of the regression backbones, so the one-step sampler is directly a regression net.
Training draws t = 0 with probability T0_SHARE (the one-step sampler's only input) and else t ~ U(0, 1).

Samplers on the time grid t_k = k / N, k = 0..N (N steps; every step calls the net once at t_k):
  sde: the exact bridge posterior given the predicted end point,
       x_s = x_t + (s - t) / (1 - t) (x1_hat - x_t) + sigma sqrt((s - t)(1 - s) / (1 - t)) eps_k;
  ode: the deterministic (DDIM-like, eta 0) update that keeps the implied noise eps_hat of x_t,
       x_s = (1 - s) x_0 + s x1_hat + sigma sqrt(s (1 - s)) eps_hat.
Both end on x1_hat of the last step; with N = 1 both are the single prediction at t = 0.
"""
from __future__ import annotations

from typing import Callable, Tuple

import torch
import torch.nn.functional as F

#: bridge diffusion coefficient, normalised units (the peak noise std at t = 1/2 is sigma / 2). Chosen so that
#: the peak noise (0.01) is about the mean absolute detail x_1 - x_0 of the training patches (0.0076 L1 of
#: the upsampled MS): with much larger noise (0.1 was tried for 2700 steps) x_t says nothing about x_1, the
#: net learns to ignore it, and K samples differ by noise, not by what the data leave open (no uncertainty).
SIGMA = 0.02
#: share of training samples drawn at t = 0
T0_SHARE = 0.3
#: the most sampler steps a method allows (the block halo grows with them: steps x receptive radius)
MAX_STEPS = 5

#: predict(x_t, t) -> x1_hat, both (B, C, H, W); t a Python float
Predictor = Callable[[torch.Tensor, float], torch.Tensor]
#: noise(step) -> eps (B, C, H, W) for the state of the given step
NoiseSource = Callable[[int], torch.Tensor]


def bridge_state(x0: torch.Tensor, x1: torch.Tensor, t: torch.Tensor, eps: torch.Tensor,
                 sigma: float = SIGMA) -> torch.Tensor:
    """x_t (B, C, H, W) of the bridge for per-sample times t (B,)."""
    tt = t.view(-1, 1, 1, 1)
    return (1 - tt) * x0 + tt * x1 + sigma * torch.sqrt(tt * (1 - tt)) * eps


def draw_times(n: int, generator: torch.Generator | None = None, t0_share: float = T0_SHARE) -> torch.Tensor:
    """(n,) training times: 0 with probability t0_share, else uniform in [0, 1)."""
    t = torch.rand(n, generator=generator)
    zero = torch.rand(n, generator=generator) < t0_share
    return torch.where(zero, torch.zeros_like(t), t)


def bridge_matching_loss(net: torch.nn.Module, pan: torch.Tensor, lms: torch.Tensor, ref: torch.Tensor,
                         generator: torch.Generator | None = None, sigma: float = SIGMA,
                         margin: int = 0) -> torch.Tensor:
    """L1 between net(x_t, t, pan, lms) and ref (the end point), for random t and eps; pan (B, 1, H, W),
    lms and ref (B, C, H, W), normalised. margin: px left out of the loss at each edge."""
    t = draw_times(lms.shape[0], generator)
    eps = torch.randn(lms.shape, generator=generator)
    x1_hat = net(bridge_state(lms, ref, t, eps, sigma), t, pan, lms)
    keep = (..., slice(margin, lms.shape[-2] - margin), slice(margin, lms.shape[-1] - margin))
    return F.l1_loss(x1_hat[keep], ref[keep])


def check_sampler(steps: int, mode: str) -> Tuple[int, str]:
    """Validated (steps, mode); ValueError otherwise."""
    if not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be 1 to {MAX_STEPS}, got {steps}")
    if mode not in ("sde", "ode"):
        raise ValueError(f"sampler must be 'sde' or 'ode', got '{mode}'")
    return steps, mode


def sample_bridge(predict: Predictor, x0: torch.Tensor, steps: int, mode: str = "sde",
                  noise: NoiseSource | None = None, sigma: float = SIGMA) -> torch.Tensor:
    """One sample x_1 (B, C, H, W) from x0 = lms (normalised) by `steps` sampler steps (see module doc).
    noise(k) gives eps for step k (sde only; required when steps > 1)."""
    check_sampler(steps, mode)
    x = x0
    for k in range(steps):
        t, s = k / steps, (k + 1) / steps
        x1_hat = predict(x, t)
        if k == steps - 1:
            return x1_hat
        if mode == "ode":
            eps_hat = (x - (1 - t) * x0 - t * x1_hat) / (sigma * (t * (1 - t)) ** 0.5) if t > 0 else 0 * x
            x = (1 - s) * x0 + s * x1_hat + sigma * (s * (1 - s)) ** 0.5 * eps_hat
        else:
            if noise is None:
                raise ValueError("the sde sampler needs a noise source")
            x = x + (s - t) / (1 - t) * (x1_hat - x) + sigma * ((s - t) * (1 - s) / (1 - t)) ** 0.5 * noise(k)
    return x
