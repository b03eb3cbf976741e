import math

import torch

from dta_camouflage import NaiveRenderer, project_texture, repeat2d_projection


def test_gradient_only_on_masked_pixels():
    tile = torch.rand(3, 4, 4, dtype=torch.float64, requires_grad=True)
    uv = torch.rand(1, 8, 8, 2, dtype=torch.float64) * 3
    mask = torch.zeros(1, 1, 8, 8, dtype=torch.float64)
    mask[..., 2:5, 3:6] = 1
    out = project_texture(tile, uv, mask)
    for i in range(8):
        for j in range(8):
            g = torch.autograd.grad(out[0, 0, i, j], tile, retain_graph=True, allow_unused=True)[0]
            nonzero = g is not None and bool(g.abs().sum() > 0)
            assert nonzero == bool(mask[0, 0, i, j])


def test_constant_tile_gives_constant_object():
    tile = torch.full((3, 4, 4), 0.3)
    uv = torch.randn(2, 8, 8, 2) * 5
    mask = (torch.rand(2, 1, 8, 8) > 0.5).float()
    out = project_texture(tile, uv, mask)
    torch.testing.assert_close(out, 0.3 * mask.expand(-1, 3, -1, -1))


def test_wraps_around_at_uv_one():
    tile = torch.rand(3, 4, 6, dtype=torch.float64)
    mask = torch.ones(1, 1, 1, 3, dtype=torch.float64)
    uv = torch.tensor([[[[0.0, 0.25], [1.0, 0.25], [-2.0, 1.25]]]], dtype=torch.float64)
    out = project_texture(tile, uv, mask)[0, :, 0]
    torch.testing.assert_close(out[:, 0], out[:, 1])
    torch.testing.assert_close(out[:, 0], out[:, 2])
    eps = 1e-7  # continuity across the seam
    near = project_texture(
        tile, torch.tensor([[[[1 - eps, 0.3], [eps, 0.3]]]], dtype=torch.float64), mask[..., :2]
    )
    assert (near[..., 0] - near[..., 1]).abs().max() < 1e-5


def test_project_texture_gradcheck():
    tile = torch.rand(3, 3, 3, dtype=torch.float64, requires_grad=True)
    uv = torch.rand(2, 4, 4, 2, dtype=torch.float64) * 2
    mask = torch.ones(2, 1, 4, 4, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda t: project_texture(t, uv, mask), (tile,))


def test_repeat2d_scales_with_distance_and_is_differentiable():
    tile = torch.zeros(3, 2, 2)
    tile[:, :, 0] = 1.0  # vertical stripes, period = one tile
    mask = torch.ones(2, 1, 64, 64)
    yaw, pitch = torch.zeros(2), torch.zeros(2)
    out = repeat2d_projection(tile, yaw, pitch, torch.tensor([8.0, 16.0]), mask, tiles=8)

    def crossings(row):
        return int(((row[1:] > 0.5) != (row[:-1] > 0.5)).sum())

    near, far = crossings(out[0, 0, 32]), crossings(out[1, 0, 32])
    assert far > 1.6 * near  # twice as far: the pattern looks twice as small
    t = torch.rand(3, 4, 4, dtype=torch.float64, requires_grad=True)
    y = repeat2d_projection(
        t, torch.tensor([30.0]), torch.tensor([20.0]), torch.tensor([9.0]), torch.ones(1, 8, 8)
    )
    y.sum().backward()
    assert t.grad is not None and t.grad.abs().sum() > 0
    shifted = repeat2d_projection(
        tile, torch.tensor([180.0]), torch.zeros(1), torch.tensor([8.0]), mask[:1], tiles=8
    )
    assert math.isclose(
        float((shifted - out[:1]).abs().mean()), 0.0, abs_tol=1e-4
    )  # half a turn slides 4 whole tiles


def test_naive_renderer_gradcheck():
    x_ref = torch.rand(1, 3, 8, 8, dtype=torch.float64)
    mask = (torch.rand(1, 1, 8, 8) > 0.4).double()
    normals = torch.nn.functional.normalize(torch.randn(1, 3, 8, 8, dtype=torch.float64), dim=1)
    eta = (torch.rand(1, 3, 8, 8, dtype=torch.float64) * 0.6).requires_grad_(True)
    r = NaiveRenderer().double()
    assert torch.autograd.gradcheck(lambda e: r(x_ref, e, mask, normals), (eta,))
