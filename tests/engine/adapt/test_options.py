"""Adaptation options: defaults per mode, the automatic patch side, one-line refusals."""
from __future__ import annotations

import pytest

from engine.adapt.options import parse_adapt_options, patch_size
from engine.errors import EngineError


@pytest.mark.parametrize("mode,ratio,side", [("tailor", 4, 64), ("tailor", 2, 64), ("tailor", 3, 96),
                                             ("tailor", 5, 160), ("full", 4, 128), ("full", 3, 192)])
def test_auto_patch_is_a_multiple_of_32_and_of_the_ratio(mode: str, ratio: int, side: int) -> None:
    got = patch_size(parse_adapt_options(mode, {}), ratio)
    assert got == side and got % 32 == 0 and got % ratio == 0


def test_given_patch_is_kept_or_refused() -> None:
    assert patch_size(parse_adapt_options("tailor", {"patch": "128"}), 4) == 128
    with pytest.raises(EngineError, match="multiple of the ratio 3"):
        patch_size(parse_adapt_options("tailor", {"patch": "64"}), 3)
    with pytest.raises(EngineError, match="patch must be 0 .auto. or a multiple of 32"):
        parse_adapt_options("tailor", {"patch": "48"})


def test_full_defaults_cover_the_image() -> None:
    full, tailor = parse_adapt_options("full", {}), parse_adapt_options("tailor", {})
    assert full.fraction == 1.0 and full.max_patches == 16 and full.steps == 100
    assert tailor.fraction < 1.0 and tailor.max_patches < full.max_patches
