"""A small random SB net (width 8, non-zero output layer) in a temporary weights folder, so the tests check
the machinery (tiling, noise, options, rasters) fast and independently of the shipped file."""
from __future__ import annotations

import pytest
import torch

from engine.generative.unet import build_unet
from engine.generative.weights import clear_cache, save_unet


@pytest.fixture(scope="session")
def sb_folder(tmp_path_factory) -> str:
    folder = str(tmp_path_factory.mktemp("sb_weights"))
    torch.manual_seed(0)
    net = build_unet(4, width=8)
    with torch.no_grad():
        net.tail.weight.normal_(0, 0.05)
    save_unet(net, "sb", folder)
    clear_cache()
    return folder


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread: these nets are small, and on a busy machine two spinning threads cost far more."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
