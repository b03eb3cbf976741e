"""Bad input gets a clear error naming the argument."""

import numpy as np
import pytest
import torch

import dta_camouflage as dc
from dta_camouflage.reproduce import camouflage


def test_tile_shape_and_range():
    r = dc.ToyCarRenderer(size=8)
    p = dc.SceneParams()
    with pytest.raises(ValueError, match=r"tile must have shape \(3, h, w\)"):
        r.render(p, np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        r.render(p, np.full((3, 2, 2), 1.5))
    with pytest.raises(ValueError, match="NaN"):
        r.render(p, np.full((3, 2, 2), np.nan))
    with pytest.raises(ValueError, match="tile must have shape"):
        dc.project_texture(torch.rand(4, 4, 3), torch.rand(1, 4, 4, 2), torch.ones(1, 4, 4))
    with pytest.raises(ValueError, match="tile contains NaN"):
        dc.project_texture(torch.full((3, 2, 2), float("nan")), torch.rand(1, 4, 4, 2), torch.ones(1, 4, 4))


def test_renderer_refuses_torch_tiles():
    with pytest.raises(TypeError, match="intentionally non-differentiable"):
        dc.ToyCarRenderer(size=8).render(dc.SceneParams(), torch.rand(3, 2, 2, requires_grad=True))


def test_renderer_arguments():
    with pytest.raises(ValueError, match="size"):
        dc.ToyCarRenderer(size=2)
    with pytest.raises(ValueError, match="object"):
        dc.ToyCarRenderer(size=8).render(dc.SceneParams(), object="truck")
    with pytest.raises(ValueError, match=r"ranges.cam_elevation: low must be <= high"):
        dc.SceneRanges(cam_elevation=(40.0, 8.0))


def test_dtn_size_must_divide():
    with pytest.raises(ValueError, match="image_size must be a multiple of 4"):
        dc.DTN(widths=(8, 16, 32), image_size=30)
    with pytest.raises(ValueError, match="multiple of 4"):
        dc.DTN(widths=(8, 16, 32))(torch.rand(1, 3, 6, 6), torch.rand(1, 3, 6, 6), torch.ones(1, 1, 6, 6))


def test_detector_output_is_checked():
    pool = dc.EOTPool(4, dc.ToyCarRenderer(size=8), np.random.default_rng(0))
    bad_shape = dc.CamouflageAttack(
        dc.RatioRenderer(), lambda x: torch.zeros(len(x), 1), pool, tile_shape=(2, 2), steps=1, batch_size=2
    )
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        bad_shape.run()
    logits = dc.CamouflageAttack(
        dc.RatioRenderer(),
        lambda x: 5 * x.mean((1, 2, 3)) + 3,
        pool,
        tile_shape=(2, 2),
        steps=1,
        batch_size=2,
    )
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        logits.run()


def test_pool_and_batch():
    with pytest.raises(ValueError, match="pool size"):
        dc.EOTPool(0, dc.ToyCarRenderer(size=8), np.random.default_rng(0))
    pool = dc.EOTPool(3, dc.ToyCarRenderer(size=8), np.random.default_rng(0))
    with pytest.raises(ValueError, match="batch_size"):
        dc.CamouflageAttack(dc.RatioRenderer(), lambda x: x.mean((1, 2, 3)), pool, batch_size=4)
    with pytest.raises(ValueError, match="loss"):
        dc.CamouflageAttack(dc.RatioRenderer(), lambda x: x.mean((1, 2, 3)), pool, batch_size=2, loss="hinge")


def test_study_config_is_validated():
    with pytest.raises(ValueError, match="camouflage.size"):
        camouflage.Config(size=30)
    with pytest.raises(ValueError, match="camouflage.pool"):
        camouflage.Config(pool=0)
