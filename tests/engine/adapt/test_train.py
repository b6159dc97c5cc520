"""Patch sampling and tailor training on a real crop: reproducible, cancellable, backbone untouched."""
from __future__ import annotations

from typing import List

import numpy as np
import pytest
import torch
from osgeo import gdal

from engine.adapt.train import TrainSettings, cache_features, finetune_full, make_tailored, train_tailor
from engine.backbones import build_backbone
from engine.errors import Cancelled, EngineError
from engine.physics.resample import upsample
from engine.physics.sensors import get_preset
from engine.progress import CancelToken
from engine.training.adam import Adam
from engine.training.losses import weights_for
from engine.training.patches import choose, grid_origins, image_patches, patch_count
from tests.conftest import pair_paths

QB = get_preset("quickbird")
GAINS = QB.gains_for(4)


@pytest.fixture(scope="module")
def qb_tensors() -> tuple:
    pan_path, ms_path = pair_paths("quickbird")
    pan = gdal.Open(pan_path).ReadAsArray().astype(np.float32) / 2047
    ms = gdal.Open(ms_path).ReadAsArray().astype(np.float32) / 2047
    return torch.from_numpy(pan)[None, None], torch.from_numpy(ms)[None]


def _net() -> torch.nn.Module:
    torch.manual_seed(0)
    return build_backbone("fusionnet", 4).eval()


def _patches(qb: tuple, seed: int = 0, sampler: str = "diverse"):  # type: ignore[no-untyped-def]
    return image_patches(qb[0], qb[1], 4, 64, 12 + 4, 0.25, 3, sampler, np.random.default_rng(seed))


def _train(qb: tuple, steps: int = 5, seed: int = 0, **kw: object):  # type: ignore[no-untyped-def]
    net = _net()
    return net, train_tailor(net, _patches(qb), 4, GAINS, QB.pan_gain, weights_for("quickbird"),
                             TrainSettings(steps=steps, seed=seed), **kw)  # type: ignore[arg-type]


def test_patch_features_match_whole_image_features(qb_tensors: tuple) -> None:
    net = _net()
    assert _patches(qb_tensors).lms.shape == (3, 4, 96, 96)
    rng = np.random.default_rng(0)
    patches = image_patches(qb_tensors[0], qb_tensors[1], 4, 64, 16, 1.0, 16, "random", rng)
    assert patches.lms.shape == (16, 4, 96, 96) and patches.ms.shape == (16, 4, 24, 24)
    checked = 0
    with torch.no_grad():
        whole = net(upsample(qb_tensors[1], 4), qb_tensors[0])
        part = patches.inner(net(patches.lms, patches.pan))
    for i, (y, x) in enumerate(patches.origins):
        if 16 <= y <= 256 - 80 and 16 <= x <= 256 - 80:  # interior: no border effects
            assert torch.allclose(part[i], whole[0, :, y:y + 64, x:x + 64], atol=1e-5)
            checked += 1
    assert checked == 4


def test_cropped_feature_cache_gives_the_same_inner_output(qb_tensors: tuple) -> None:
    net = _net()
    patches = _patches(qb_tensors)
    tailored = make_tailored(net, TrainSettings(seed=1))
    torch.nn.init.normal_(tailored.tailor.expand.weight, std=0.05)
    with torch.no_grad():
        cached = cache_features(net, patches, 4, QB.pan_gain).fused(tailored)
        direct = patches.inner(tailored(patches.lms, patches.pan))
    assert cached.shape == (3, 4, 64, 64)
    assert torch.allclose(cached, direct, atol=1e-5)


def test_samplers_and_counts() -> None:
    assert patch_count(100, 0.1, 64) == 10 and patch_count(100, 0.9, 8) == 8 and patch_count(3, 0.01, 8) == 1
    stats = np.array([[0.0, 0], [0.1, 0], [0.0, 0.1], [5, 5], [-5, 5]])
    picked = choose(stats, 3, "diverse", np.random.default_rng(0))
    assert {3, 4} <= set(picked)  # the outliers are always reached by farthest-point sampling
    rnd = choose(stats, 3, "random", np.random.default_rng(0))
    assert len(set(rnd)) == 3
    with pytest.raises(EngineError):
        grid_origins(32, 100, 64)
    with pytest.raises(EngineError, match="sampler"):
        choose(stats, 2, "kmeans", np.random.default_rng(0))


def test_training_lowers_the_loss_and_leaves_the_backbone_unchanged(qb_tensors: tuple) -> None:
    net = _net()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    messages: List[str] = []
    result = train_tailor(net, _patches(qb_tensors), 4, GAINS, QB.pan_gain, weights_for("quickbird"),
                          TrainSettings(steps=8), progress=lambda f, m: messages.append(m))
    assert result.history[-1]["total"] < result.history[0]["total"]
    assert result.history[0]["consistency"] == 0  # step 0: the pretrained output
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert messages[0] == "cache" and messages[-1] == "train step 8/8"


def test_same_seed_same_tailor_other_seed_other_tailor(qb_tensors: tuple) -> None:
    _, a = _train(qb_tensors, seed=3)
    _, b = _train(qb_tensors, seed=3)
    _, c = _train(qb_tensors, seed=4)
    sa, sb, sc = (r.net.tailor.state_dict() for r in (a, b, c))
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)


def test_zero_steps_reproduce_the_frozen_net(qb_tensors: tuple) -> None:
    net, result = _train(qb_tensors, steps=0)
    lms, pan = torch.rand(1, 4, 32, 32), torch.rand(1, 1, 32, 32)
    with torch.no_grad():
        assert torch.equal(result.net(lms, pan), net(lms, pan))


def test_cancel_between_steps(qb_tensors: tuple) -> None:
    token = CancelToken()

    def progress(fraction: float, message: str) -> None:
        if message.startswith("train step 2/"):
            token.cancel()

    with pytest.raises(Cancelled):
        _train(qb_tensors, steps=50, progress=progress, cancel=token)


def test_full_finetune_changes_a_copy_only(qb_tensors: tuple) -> None:
    net = _net()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    result = finetune_full(net, _patches(qb_tensors), 4, GAINS, QB.pan_gain, weights_for("quickbird"),
                           steps=3, lr=1e-3)
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert any(not torch.equal(before[k], v) for k, v in result.net.state_dict().items())
    assert len(result.history) == 3


def test_adam_matches_torch_adam() -> None:
    torch.manual_seed(0)
    a = torch.randn(5, 3, requires_grad=True)
    b = a.detach().clone().requires_grad_(True)
    ours, ref = Adam([a], lr=0.01), torch.optim.Adam([b], lr=0.01)
    for i in range(5):
        for p, opt in ((a, ours), (b, ref)):
            opt.zero_grad()
            ((p - i) ** 2).sum().backward()
            opt.step()
    assert torch.allclose(a, b, atol=1e-6)


def test_raster_patches_match_in_memory_patches(qb_tensors: tuple) -> None:
    from engine.raster.align import align
    from engine.raster.inputs import open_raster
    from engine.training.raster_patches import raster_patches

    pan_path, ms_path = pair_paths("quickbird")
    pair = align(open_raster(pan_path, "PAN"), open_raster(ms_path, "MS"), "cubic")
    got = raster_patches(pair, 64, 16, 1.0, 16, "random", 2047.0, "bicubic", torch.device("cpu"),
                         np.random.default_rng(0))
    ref = image_patches(qb_tensors[0], qb_tensors[1], 4, 64, 16, 1.0, 16, "random", np.random.default_rng(0))
    assert got.origins == ref.origins and got.lms.shape == ref.lms.shape
    interior = [i for i, (y, x) in enumerate(got.origins) if 16 <= y <= 256 - 80 and 16 <= x <= 256 - 80]
    assert len(interior) == 4
    for i in interior:
        assert torch.allclose(got.pan[i], ref.pan[i]) and torch.allclose(got.ms[i], ref.ms[i])
        assert torch.allclose(got.lms[i], ref.lms[i], atol=1e-5)


def test_full_finetune_accumulates_over_chunks(qb_tensors: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    """One step over all patches in chunks of 1 equals one step over them in a single pass."""
    import engine.adapt.train as train_mod
    states = []
    for chunk in (1, 8):
        monkeypatch.setattr(train_mod, "FULL_CHUNK", chunk)
        result = finetune_full(_net(), _patches(qb_tensors), 4, GAINS, QB.pan_gain, weights_for("quickbird"),
                               steps=2, lr=1e-3)
        states.append(result)
    a, b = (r.net.state_dict() for r in states)
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    assert states[0].history[0]["total"] == pytest.approx(states[1].history[0]["total"], rel=1e-5)


def test_full_finetune_keeps_the_lowest_loss_weights(qb_tensors: tuple) -> None:
    """Z-PNN keeps the best weights: with a learning rate far too high the loss rises after the first
    steps, and the returned net is the one whose loss was lowest (recomputed here)."""
    from engine.adapt.train import _full_step
    patches = _patches(qb_tensors)
    net = _net()
    result = finetune_full(net, patches, 4, GAINS, QB.pan_gain, weights_for("quickbird"), steps=4, lr=0.05)
    totals = [h["total"] for h in result.history]
    assert min(totals) < totals[-1]
    cache = cache_features(net, patches, 4, QB.pan_gain)
    again = _full_step(result.net, patches, cache, 4, GAINS, weights_for("quickbird"))
    assert again["total"] == pytest.approx(min(totals), rel=1e-4)
