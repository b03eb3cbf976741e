"""The renderer: deterministic, correct geometry, shadows, and non-linear in the texture (so the problem is real)."""

import dataclasses

import numpy as np
import torch

from dta_camouflage import SceneParams, ToyCarRenderer, project_texture, sample_scene
from dta_camouflage.render import sample_tile

QUIET = dict(noise_sigma=0.0, blur=False)


def test_deterministic_and_uint8():
    r = ToyCarRenderer(size=24)
    p = sample_scene(np.random.default_rng(0))
    tile = np.random.default_rng(1).uniform(size=(3, 4, 4))
    a, b = r.render(p, tile), r.render(p, tile)
    assert a.image.dtype == np.uint8 and a.image.shape == (24, 24, 3)
    np.testing.assert_array_equal(a.image, b.image)
    np.testing.assert_array_equal(a.uv, b.uv)
    other = r.render(dataclasses.replace(p, seed=p.seed + 1), tile)
    assert not np.array_equal(a.image, other.image) or p.noise_sigma == 0


def test_top_down_mask_is_the_body_rectangle():
    # camera straight above the car: the silhouette is the body's top face (z = 1), |x| <= 2, |y| <= 0.9
    size = 48
    r = ToyCarRenderer(size=size)
    p = SceneParams(cam_elevation=90.0, cam_distance=9.0, look_at=(0.0, 0.0, 0.0), **QUIET)
    res = r.render(p)
    eye, dirs = r.camera(p)
    t = (1.0 - eye[2]) / dirs[:, 2]
    hit = eye + t[:, None] * dirs
    expected = (np.abs(hit[:, 0]) <= 2.0) & (np.abs(hit[:, 1]) <= 0.9)
    mismatch = (expected.reshape(size, size) != res.mask).sum()
    assert mismatch <= 2  # pixel centres exactly on an edge may go either way
    assert res.mask.sum() > 50


def test_cast_shadow_is_opposite_the_sun():
    r = ToyCarRenderer(size=64)
    p = SceneParams(
        cam_elevation=89.0, cam_distance=14.0, sun_azimuth=0.0, sun_elevation=30.0, ground=0, **QUIET
    )
    res = r.render(p)
    eye, dirs = r.camera(p)
    t = -eye[2] / dirs[:, 2]
    hit = eye + t[:, None] * dirs
    ground_x, ground_y = hit[:, 0].reshape(64, 64), hit[:, 1].reshape(64, 64)
    lum = res.image.astype(float).mean(-1)
    ground = ~res.mask & (np.abs(ground_y) < 0.7)
    behind = ground & (ground_x < -2.2) & (ground_x > -4.0)  # sun at +x: shadow falls towards -x
    front = ground & (ground_x > 2.2) & (ground_x < 4.0)
    assert lum[behind].mean() < 0.8 * lum[front].mean()


def test_texture_changes_only_object_pixels():
    r = ToyCarRenderer(size=32)
    p = dataclasses.replace(sample_scene(np.random.default_rng(3)), blur=False, noise_sigma=0.02)
    a = r.render(p, np.zeros((3, 2, 2)))
    b = r.render(p, np.ones((3, 2, 2)))
    np.testing.assert_array_equal(a.image[~a.mask], b.image[~b.mask])
    assert np.abs(a.image[a.mask].astype(int) - b.image[b.mask].astype(int)).mean() > 20


def test_lighting_is_nonlinear_in_the_texture():
    # tone mapping, specular and quantisation: the render of the mean texture is not the mean of the renders
    r = ToyCarRenderer(size=32)
    rng = np.random.default_rng(5)
    gaps = []
    for _ in range(5):
        p = dataclasses.replace(sample_scene(rng), **QUIET)
        lo, hi = np.full((3, 1, 1), 0.1), np.full((3, 1, 1), 0.9)
        a, b, mid = (r.render(p, t).image.astype(float) for t in (lo, hi, (lo + hi) / 2))
        m = r.render(p).mask
        gaps.append(np.abs(mid[m] - (a[m] + b[m]) / 2).mean())
    assert np.mean(gaps) > 5.0  # grey levels (of 255); a linear renderer gives < 1 (rounding)


def test_numpy_and_torch_sampling_agree():
    rng = np.random.default_rng(0)
    tile = rng.uniform(size=(3, 5, 7))
    uv = rng.uniform(-3, 3, size=(2, 6, 6, 2))
    ref = sample_tile(tile, uv)
    got = project_texture(
        torch.from_numpy(tile), torch.from_numpy(uv), torch.ones(2, 6, 6, dtype=torch.float64)
    )
    np.testing.assert_allclose(got.permute(0, 2, 3, 1).numpy(), ref, atol=1e-12)


def test_scene_sampling_respects_ranges():
    rng = np.random.default_rng(0)
    for _ in range(50):
        p = sample_scene(rng)
        assert 6 <= p.cam_distance <= 11 and 8 <= p.cam_elevation <= 40
        assert 0.5 <= p.sun_intensity <= 1.5
