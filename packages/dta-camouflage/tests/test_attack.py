import numpy as np
import torch

from dta_camouflage import (
    CamouflageAttack,
    EOTPool,
    RatioRenderer,
    ToyCarRenderer,
    detection_rate,
    evaluate_texture,
)


def _pool(n=16, size=16):
    return EOTPool(n, ToyCarRenderer(size=size), np.random.default_rng(0))


def redness(images):
    """A 'detector' whose car score is the mean red level of the image (analytic sanity case)."""
    return images[:, 0].mean((1, 2)).clamp(0, 1)


def test_redness_attack_removes_red_and_stays_in_range():
    pool = _pool()
    res = CamouflageAttack(
        RatioRenderer(), redness, pool, tile_shape=(4, 4), steps=60, lr=0.1, batch_size=8
    ).run(0)
    assert res.tile.shape == (3, 4, 4)
    assert res.tile.min() >= 0 and res.tile.max() <= 1
    assert res.tile[0].mean() < 0.2 < res.tile[1:].mean()  # red driven down, the others barely pushed
    assert np.mean(res.losses[-20:]) < np.mean(res.losses[:20])


def test_attack_is_reproducible():
    pool = _pool()
    a = CamouflageAttack(RatioRenderer(), redness, pool, tile_shape=(4, 4), steps=5, batch_size=4).run(3)
    b = CamouflageAttack(RatioRenderer(), redness, pool, tile_shape=(4, 4), steps=5, batch_size=4).run(3)
    assert torch.equal(a.tile, b.tile) and a.losses == b.losses


def test_detection_rate_of_constant_detectors():
    pool = _pool(8)
    r = ToyCarRenderer(size=16)
    tile = np.full((3, 2, 2), 0.5)
    high = evaluate_texture(tile, pool, r, lambda x: torch.full((len(x),), 0.9))
    low = evaluate_texture(tile, pool, r, lambda x: torch.full((len(x),), 0.1))
    assert high["detection_rate"] == 1.0 and low["detection_rate"] == 0.0
    assert detection_rate(torch.tensor([0.2, 0.7, 0.51, 0.5])) == 0.5
