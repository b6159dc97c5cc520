"""The patch samplers: the manifold sampler avoids outliers plain FPS picks, sizes, seeded reproducibility."""
from __future__ import annotations

import numpy as np
import pytest

from engine.errors import EngineError
from engine.swift.options import parse_swift_options, sample_count
from engine.swift.sampling import select


def blob_with_outlier(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(200, 6))
    x[57] = 25.0  # one isolated candidate (a cloud, a saturated roof)
    return x


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_manifold_sampler_avoids_the_outlier_plain_fps_picks(seed: int) -> None:
    x = blob_with_outlier(seed)
    assert 57 in select(x, 8, "fps", np.random.default_rng(seed))
    assert 57 not in select(x, 8, "manifold", np.random.default_rng(seed))


def test_manifold_sampler_covers_every_cluster() -> None:
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(0, 1, (60, 4)), rng.normal(12, 1, (60, 4)), rng.normal(-12, 1, (60, 4))])
    chosen = np.array(select(x, 6, "manifold", np.random.default_rng(0)))
    assert {0, 1, 2} <= set((chosen // 60).tolist())


@pytest.mark.parametrize("sampler", ["manifold", "fps", "random"])
def test_sizes_and_seeded_reproducibility(sampler: str) -> None:
    x = blob_with_outlier()
    a = select(x, 12, sampler, np.random.default_rng(5))
    assert a == select(x, 12, sampler, np.random.default_rng(5))
    assert len(a) == len(set(a)) == 12 and a == sorted(a) and 0 <= min(a) and max(a) < 200
    assert select(x, 500, sampler, np.random.default_rng(0)) == list(range(200))


def test_different_seeds_give_different_random_subsets() -> None:
    x = blob_with_outlier()
    a, b = (select(x, 12, "random", np.random.default_rng(s)) for s in (0, 1))
    assert a != b


def test_sample_count_fraction_minimum_and_maximum() -> None:
    opts = parse_swift_options({})
    assert sample_count(720, opts) == 22  # 3 % of 20 scenes x 36 patches
    assert sample_count(100, opts) == opts.min_patches
    assert sample_count(10, opts) == 10
    assert sample_count(100000, opts) == opts.max_patches
    assert sample_count(1000, parse_swift_options({"fraction": "0.1", "max_patches": "500"})) == 100


def test_options_refuse_bad_values_in_one_line() -> None:
    for bad in ({"sampler": "kmeans"}, {"top": "0"}, {"nope": "1"}, {"min_patches": "9", "max_patches": "3"},
                {"loss_weights": "1,2"}):
        with pytest.raises(EngineError) as err:
            parse_swift_options(bad)
        assert "\n" not in str(err.value)
