"""LAGConv: residual blocks of local-adaptive convolutions (LAConv).

Deviation from the paper: its dynamic bias pools the whole input globally, which would make a tile's output
depend on the tile; here it pools the same 3 x 3 neighbourhood the convolution sees, so the receptive field
stays finite (1 px per layer) and tiled output equals whole-image output.

Speed: at inference a LAConv is computed channels-last on the unfolded 3 x 3 neighbourhoods u (pixels,
9 taps, Cin): the attention, the pooled bias and the adaptive convolution are then plain matrix products over
u (the last one over u weighted by the per-pixel tap weights), in chunks of pixels small enough to stay in
cache. Training (autograd) weights the nine shifted inputs and maps them with one 1x1 convolution
(no chunks, no in-place update).
"""
from __future__ import annotations

from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from .base import Backbone, conv

#: pixels per chunk at inference: on the CPU the unfolded chunk (CHUNK_PIXELS x 9 x Cin floats, 1.2 MB at
#: Cin = 32) stays in a core's cache between its construction, the weighting and the matrix product; a GPU
#: takes large chunks (bounded so the 9x larger unfolded input stays ~1 GB at most)
CHUNK_PIXELS, GPU_CHUNK_PIXELS = 1024, 1 << 20


class LAConv(nn.Module):
    """Local-adaptive 3x3 convolution: y[p] = sum_k a_k[p] W_k x[p + k] + b(pool3(x))[p].

    a (9 per pixel) are tap weights from a conv3-ReLU-conv1-sigmoid net of x; W is a shared 3x3 kernel;
    b is conv1-ReLU-conv1 of the 3 x 3 mean (zero padding counted). Input and output (B, C, H, W); the
    output is channels-last in memory, so a following LAConv reads it without a copy.
    """

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.attention = nn.Sequential(conv(cin, 9, 3), nn.ReLU(), conv(9, 9, 1), nn.Sigmoid())
        self.weight = nn.Parameter(torch.empty(cout, cin, 3, 3))
        nn.init.kaiming_uniform_(self.weight, a=5 ** 0.5)
        self.bias = nn.Sequential(conv(cin, cin, 1), nn.ReLU(), conv(cin, cout, 1))

    def _matrices(self) -> tuple:
        """(attention conv3 (9, 9Cin), its bias (9, 1), conv1 (9, 9), bias (9, 1), bias-net (Cin, Cin), bias,
        (Cin, Cout), bias, kernel (9Cin, Cout)); the 9Cin axes are ordered (tap, channel) like u."""
        a1, a2, b1, b2 = (cast(nn.Conv2d, m) for m in (self.attention[0], self.attention[2], self.bias[0],
                                                        self.bias[2]))
        cout, cin = self.weight.shape[:2]

        def taps(w: torch.Tensor) -> torch.Tensor:  # (O, Cin, 3, 3) -> (9 Cin, O)
            return w.permute(2, 3, 1, 0).reshape(9 * cin, w.shape[0])

        # the attention maps 9 Cin values to only 9: computed transposed, (9, 9Cin) @ (9Cin, n), which
        # runs ~3x faster than (n, 9Cin) @ (9Cin, 9) in MKL
        ba1, ba2 = cast(torch.Tensor, a1.bias), cast(torch.Tensor, a2.bias)  # conv() always has a bias
        return (taps(a1.weight).t(), ba1[:, None], a2.weight.reshape(9, 9), ba2[:, None],
                b1.weight.reshape(cin, cin).t(), b1.bias, b2.weight.reshape(cout, cin).t(), b2.bias,
                taps(self.weight))

    @staticmethod
    def _chunk(u: torch.Tensor, mats: tuple) -> torch.Tensor:
        """Output (n, Cout) of n pixels from their neighbourhoods u (n, 9, Cin)."""
        wa1, ba1, wa2, ba2, wb1, bb1, wb2, bb2, wk = mats
        flat = u.reshape(u.shape[0], -1)
        a = torch.sigmoid(torch.addmm(ba2, wa2, torch.relu(torch.addmm(ba1, wa1, flat.t())))).t()  # (n, 9)
        # the 3x3 mean as a sum with 1/9 folded into the matrix (a mean's backward is a 9x larger division)
        bias = torch.addmm(bb2, torch.relu(torch.addmm(bb1, u.sum(1), wb1 / 9)), wb2)
        # In place: the chunk is a fresh copy and is not needed unweighted any more (inference only).
        weighted = u.mul_(a[:, :, None])
        return torch.addmm(bias, weighted.reshape(u.shape[0], -1), wk)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled() and (x.requires_grad or self.weight.requires_grad):
            return self._taps(x)
        b, cin, h, w = x.shape
        mats = self._matrices()
        xp = F.pad(x.permute(0, 2, 3, 1), (0, 0, 1, 1, 1, 1))  # (B, H+2, W+2, Cin), zero border

        def unfold(bi: slice, r0: int, r1: int) -> torch.Tensor:  # (n, 9, Cin) for rows r0:r1
            u = torch.stack([xp[bi, r0 + dy:r1 + dy, dx:dx + w] for dy in range(3) for dx in range(3)], 3)
            return u.reshape(-1, 9, cin)

        cout = self.weight.shape[0]
        out = torch.empty(b, h, w, cout, dtype=x.dtype, device=x.device)
        rows = max(1, (CHUNK_PIXELS if x.device.type == "cpu" else GPU_CHUNK_PIXELS) // w)
        for i in range(b):
            for r0 in range(0, h, rows):
                r1 = min(h, r0 + rows)
                out[i, r0:r1] = self._chunk(unfold(slice(i, i + 1), r0, r1), mats).reshape(r1 - r0, w, cout)
        return out.permute(0, 3, 1, 2)

    def _taps(self, x: torch.Tensor) -> torch.Tensor:
        """The same output for training: the nine shifted inputs weighted by their tap weights,
        concatenated (B, 9 Cin, H, W) and mapped by one 1x1 convolution. Autograd keeps that one tensor
        (as much as nine (B, Cout, H, W) tap products at Cin = Cout); measured 1.2-1.3x faster per training
        step (batch 16 of 32 x 32, one thread) than nine per-tap products, which beat the inference chunks."""
        h, w = x.shape[-2:]
        a = self.attention(x)
        xp = F.pad(x, (1, 1, 1, 1))
        # 3x3 box mean as separable shifted sums: faster than avg_pool2d's CPU kernel on these shapes
        rows = xp[..., :w] + xp[..., 1:w + 1] + xp[..., 2:w + 2]
        out = self.bias((rows[..., :h, :] + rows[..., 1:h + 1, :] + rows[..., 2:h + 2, :]) / 9)
        u = torch.cat([a[:, k:k + 1] * xp[..., k // 3:k // 3 + h, k % 3:k % 3 + w] for k in range(9)], 1)
        kernel = self.weight.permute(0, 2, 3, 1).reshape(self.weight.shape[0], -1, 1, 1)  # (tap, Cin) order
        return out + F.conv2d(u, kernel)


class _LAResBlock(nn.Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.c1, self.c2 = LAConv(ch, ch), LAConv(ch, ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.c2(F.relu(self.c1(x)))


class LAGConv(Backbone):
    """cat(lms, pan) -> LAConv 32 -> ReLU -> 5 LA residual blocks | LAConv C; lms + output."""

    name, title = "lagconv", "LAGConv"
    receptive_field, feature_channels = 12, 32

    def __init__(self, bands: int) -> None:
        super().__init__(bands)
        self.head = LAConv(bands + 1, 32)
        self.body = nn.Sequential(*[_LAResBlock(32) for _ in range(5)])
        self.tail = LAConv(32, bands)
        # Zero-initialised tail: the untrained net outputs lms exactly, so a short training budget is not
        # spent undoing a large random correction (step-0 L1 0.20 otherwise, against 0.03 for lms).
        nn.init.zeros_(self.tail.weight)
        last = self.tail.bias[-1]
        assert isinstance(last, nn.Conv2d) and last.bias is not None
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)

    def features(self, lms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        return self.body(F.relu(self.head(torch.cat([lms, pan], 1))))

    def mapper(self, feats: torch.Tensor, lms: torch.Tensor) -> torch.Tensor:
        return lms + self.tail(feats)
