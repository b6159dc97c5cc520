"""A minimal Adam (Kingma and Ba, with bias correction), same update as torch.optim.Adam's defaults.

Why not torch.optim.Adam: constructing the first torch optimiser in a process imports torch._dynamo,
about 1.4 s on this project's 2-core CPU, which is most of a 512 x 512 tailor training budget.
"""
from __future__ import annotations

from typing import Iterable, List

import torch


class Adam:
    """Adam over `params` (betas 0.9, 0.999, eps 1e-8, no weight decay): zero_grad(), backward, step()."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.params: List[torch.Tensor] = [p for p in params if p.requires_grad]
        self.lr, self.b1, self.b2, self.eps = lr, betas[0], betas[1], eps
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.t = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        c1, c2 = 1 - self.b1 ** self.t, 1 - self.b2 ** self.t
        step_size = self.lr / c1
        for p, m, v in zip(self.params, self.m, self.v):
            if p.grad is None:
                continue
            g = p.grad
            m.mul_(self.b1).add_(g, alpha=1 - self.b1)
            v.mul_(self.b2).addcmul_(g, g, value=1 - self.b2)
            denom = (v / c2).sqrt_().add_(self.eps)
            p.addcdiv_(m, denom, value=-step_size)
