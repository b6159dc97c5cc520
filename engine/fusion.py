"""Fusion of one block, and of all blocks in order with a few blocks in flight.

On the CPU, methods that allow it (Method.block_parallel) fuse several blocks at once, one thread each,
with torch's intra-op threading set to 1 for the run: classical methods are chains of small memory-bound
operations, where one barrier-synchronised parallel region per operation costs more than it gains.
Reads are serialised (a GDAL dataset is not thread-safe); results come out in plan order.
"""
from __future__ import annotations

import contextlib
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Deque, Iterator, List, Optional, Tuple

import numpy as np
import torch

from .methods.base import FusionContext, Method
from .progress import CancelToken
from .raster.align import AlignedPair
from .raster.blocks import Block, BlockData, read_block
from .raster.dtypes import to_output
from .raster.fill import FillValues, fill_invalid


@dataclass(frozen=True)
class OutputSpec:
    """How fused floats become output pixels: dtype, nodata (or None), largest valid value (or None).

    nodata_if_needed: the inputs declare no nodata or mask and can hold invalid pixels only as NaN / inf
    floats; the output band's nodata value is then declared only if such pixels turn up."""

    dtype: np.dtype
    nodata: Optional[float]
    max_value: Optional[float] = None
    nodata_if_needed: bool = False


@dataclass
class FusedBlock:
    """One block's output pixels (C, h, w) and how many of its output pixels are invalid (nodata)."""

    block: Block
    pixels: np.ndarray
    invalid: int


def _validity(data: BlockData, block: Block, ratio: int) -> Optional[np.ndarray]:
    """(h, w) bool of the block's output pixels: valid in the PAN and in the MS cell they lie in."""
    crop = (slice(block.halo, block.halo + block.h), slice(block.halo, block.halo + block.w))
    valid = None if data.pan_valid is None else data.pan_valid[crop]
    if data.ms_valid is not None:
        ms_up = data.ms_valid.repeat(ratio, axis=0).repeat(ratio, axis=1)[crop]
        valid = ms_up if valid is None else valid & ms_up
    return valid


def fuse_data(data: BlockData, block: Block, method: Method, ctx: FusionContext, device: torch.device,
              fill: Optional[FillValues], spec: OutputSpec) -> FusedBlock:
    """Output pixels (C, h, w) of one block (halo cropped) from its extended inputs."""
    fill_invalid(data, fill)
    pan = torch.from_numpy(data.pan).to(device)[None, None]
    ms = torch.from_numpy(data.ms).to(device)[None]
    ctx = replace(ctx, origin=(block.y - block.halo, block.x - block.halo))  # global noise (generative)
    with torch.inference_mode():
        fused = method.fuse(pan, ms, ctx)[0]
        h0, w0 = block.halo, block.halo
        out = fused[:, h0:h0 + block.h, w0:w0 + block.w].float().cpu().numpy()
    valid = _validity(data, block, ctx.ratio)
    invalid = 0 if valid is None else int(valid.size - np.count_nonzero(valid))
    pixels = to_output(out, spec.dtype, spec.nodata, valid, spec.max_value)
    return FusedBlock(block, pixels, invalid)


def fuse_block(pair: AlignedPair, block: Block, method: Method, ctx: FusionContext, device: torch.device,
               fill: Optional[FillValues], spec: OutputSpec) -> FusedBlock:
    """Read and fuse one block."""
    return fuse_data(read_block(pair, block), block, method, ctx, device, fill, spec)


#: memory for blocks in flight; a classical method needs about BYTES_PER_PIXEL per extended block pixel
WORKER_MEMORY = 512 * 1024 * 1024
BYTES_PER_PIXEL = 64


def block_workers(method: Method, device: torch.device, block_pixels: int) -> int:
    """Blocks fused at once: torch's thread count for block-parallel methods on the CPU (else 1), capped
    so that the blocks in flight stay within WORKER_MEMORY on machines with many cores."""
    if device.type != "cpu" or not method.block_parallel:
        return 1
    cap = WORKER_MEMORY // max(1, block_pixels * BYTES_PER_PIXEL)
    return max(1, min(torch.get_num_threads(), cap))


@contextlib.contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    before = torch.get_num_threads()
    if n != before:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def _result(future: Future, cancel: CancelToken) -> FusedBlock:
    fused = future.result()
    if fused is None:  # the job saw the cancel before it started
        cancel.check()
        raise RuntimeError("a block job stopped without a cancel")
    return fused


def fused_blocks(pair: AlignedPair, blocks: List[Block], method: Method, ctx: FusionContext,
                 device: torch.device, fill: Optional[FillValues], spec: OutputSpec,
                 cancel: CancelToken) -> Iterator[FusedBlock]:
    """Every block fused, in plan order; at most workers + 1 blocks in flight."""
    workers = block_workers(method, device, max((b.ext_w * b.ext_h for b in blocks), default=0))
    if workers == 1:
        for block in blocks:
            cancel.check()
            yield fuse_block(pair, block, method, ctx, device, fill, spec)
        return
    lock = threading.Lock()

    def job(block: Block) -> Optional[FusedBlock]:
        if cancel.cancelled:
            return None
        with lock:
            data = read_block(pair, block)
        return fuse_data(data, block, method, ctx, device, fill, spec)

    pending: Deque[Tuple[Block, Future]] = deque()
    with _torch_threads(1), ThreadPoolExecutor(workers, thread_name_prefix="fuse") as pool:
        try:
            for block in blocks:
                cancel.check()
                pending.append((block, pool.submit(job, block)))
                if len(pending) > workers:
                    yield _result(pending.popleft()[1], cancel)
            while pending:
                cancel.check()
                yield _result(pending.popleft()[1], cancel)
        finally:
            for _, future in pending:
                future.cancel()
