"""Shared fixtures: paths of the bundled real crops."""
from __future__ import annotations

import os

import pytest

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
PAIRS = ("quickbird", "pleiades", "landsat8", "landsat7")


def pair_paths(name: str) -> tuple:
    """(pan, ms) paths of a bundled pair."""
    return os.path.join(DATA, f"{name}_pan.tif"), os.path.join(DATA, f"{name}_ms.tif")


@pytest.fixture
def qb_pair() -> tuple:
    return pair_paths("quickbird")
