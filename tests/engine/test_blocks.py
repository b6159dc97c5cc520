"""Block plan with halo: exact coverage, coarse-grid alignment, bounded block memory, edge reads."""
from __future__ import annotations

import numpy as np
import pytest

from engine.raster.align import align
from engine.raster.blocks import Block, plan_blocks, read_block, round_up, row_step
from engine.raster.inputs import open_raster
from tests.conftest import pair_paths
from tests.engine.rasters import read


@pytest.mark.parametrize("width, height, block_size, halo, ratio, align_rows", [
    (256, 256, 64, 12, 4, 1), (255, 253, 100, 7, 4, 256), (1000, 37, 1024, 30, 2, 256),
    (97, 301, 64, 9, 3, 256), (2000, 1300, 1024, 61, 5, 256), (10, 10, 4096, 3, 2, 256),
])
def test_plan_covers_every_pixel_once(width: int, height: int, block_size: int, halo: int, ratio: int,
                                      align_rows: int) -> None:
    count = np.zeros((height, width), np.int32)
    blocks = plan_blocks(width, height, block_size, halo, ratio, align_rows)
    for b in blocks:
        count[b.y:b.y + b.h, b.x:b.x + b.w] += 1
        assert b.x % ratio == 0 and b.y % ratio == 0  # blocks start on the coarse grid
        assert b.halo % ratio == 0 and b.halo >= halo
        assert b.ext_w % ratio == 0 and b.ext_h % ratio == 0
        assert b.ext_w >= b.w + 2 * b.halo and b.ext_h >= b.h + 2 * b.halo
    np.testing.assert_array_equal(count, 1)
    assert [(b.y, b.x) for b in blocks] == sorted((b.y, b.x) for b in blocks)  # row-major


def test_block_memory_does_not_grow_with_the_raster() -> None:
    """The largest extended window depends on the block size and halo only."""
    small = plan_blocks(3000, 3000, 1024, 60, 4, 256)
    huge = plan_blocks(100_000, 80_000, 1024, 60, 4, 256)
    assert max(b.ext_w * b.ext_h for b in huge) == max(b.ext_w * b.ext_h for b in small)
    assert max(b.ext_w * b.ext_h for b in huge) <= (1024 + 2 * 60 + 4) ** 2


@pytest.mark.parametrize("block_size, ratio, expected", [
    (1024, 4, 1024), (1024, 2, 1024), (1024, 3, 768), (1024, 5, 1280), (1024, 7, 1792),
    (64, 4, 64), (300, 4, 256), (4096, 3, 3840),
])
def test_row_step_completes_whole_tile_rows(block_size: int, ratio: int, expected: int) -> None:
    step = row_step(block_size, ratio, 256)
    assert step == expected and step % ratio == 0
    assert step < 256 or step % 256 == 0


def test_round_up() -> None:
    assert [round_up(v, 4) for v in (0, 1, 4, 5, 8)] == [0, 4, 4, 8, 8]


def test_read_block_replicates_edges_and_aligns_the_ms() -> None:
    pan_path, ms_path = pair_paths("quickbird")
    pair = align(open_raster(pan_path, "PAN"), open_raster(ms_path, "MS"))
    pan, ms = read(pan_path)[0].astype(np.float32), read(ms_path).astype(np.float32)
    halo = 8
    block = Block(128, 0, 128, 64, halo, 128 + 2 * halo, 64 + 2 * halo)  # top-right corner block
    data = read_block(pair, block)
    want_pan = np.pad(pan, halo, mode="edge")[0:64 + 2 * halo, 128:256 + 2 * halo]
    np.testing.assert_array_equal(data.pan, want_pan)
    want_ms = np.pad(ms, ((0, 0), (2, 2), (2, 2)), mode="edge")[:, 0:16 + 4, 32:64 + 4]
    np.testing.assert_array_equal(data.ms, want_ms)
    assert data.pan_valid is None and data.ms_valid is None
    assert data.pan.dtype == np.float32 and data.ms.dtype == np.float32
