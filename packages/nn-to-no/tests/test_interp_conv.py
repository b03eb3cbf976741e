"""Kernel interpolation: exact at the base resolution, consistent on smooth inputs at twice it."""

import pytest
import torch
from test_resample_grid_losses import trig
from torch import nn

from nn_to_no import InterpolatedConv2d, interpolate_kernel, resize_fourier


@pytest.mark.parametrize("padding_mode", ["circular", "zeros"])
def test_scale_one_is_the_conv_exactly(padding_mode):
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 4, 3, padding=1, padding_mode=padding_mode)
    layer = InterpolatedConv2d.from_conv(conv, base_resolution=16)
    x = torch.randn(2, 3, 16, 16)
    assert torch.equal(layer(x), conv(x))
    assert layer.weight is conv.weight  # shared, not copied


@pytest.mark.parametrize("interp", ["fourier", "bilinear"])
def test_double_resolution_approximates_the_same_map_on_smooth_inputs(interp):
    torch.manual_seed(0)
    conv = nn.Conv2d(1, 2, 3, padding=1, padding_mode="circular").double()
    with torch.no_grad():  # a smooth (sampled Gaussian) kernel: the regime where interpolating it makes sense
        g = torch.exp(-(torch.arange(-1.0, 2.0, dtype=torch.float64) ** 2))
        conv.weight.copy_(torch.stack([g[:, None] * g[None, :], -0.5 * g[:, None] * g[None, :]])[:, None])
    layer = InterpolatedConv2d.from_conv(conv, base_resolution=32, interp=interp)
    errs = []
    for modes in (((1, 0, 1.0), (0, 1, 0.5)), ((1, 2, 0.7), (3, -1, -0.4), (0, 5, 0.25))):
        ref = resize_fourier(conv(trig(32, modes)), 64)
        errs.append(float((layer(trig(64, modes)) - ref).norm() / ref.norm()))
    if interp == "fourier":
        # trigonometric interpolation keeps the kernel's sum after the k'^2 / k^2 division: on a smooth input the
        # interpolated kernel approximates the base map, and less well on a rougher one (a heuristic, not a guarantee)
        assert errs[0] < 0.05
        assert errs[0] < errs[1]
    else:
        # bilinear interpolation with the official k'^2 / k^2 division changes the kernel's sum (here by ~15 % in 2-D):
        # the converted map is biased even on smooth inputs
        assert 0.05 < errs[0] < 0.2
    assert layer.kernel_size_at((64, 64)) == (5, 5)
    assert layer.kernel_size_at((128, 128)) == (9, 9)


def test_kernel_renormalisation_is_the_official_area_ratio():
    w = torch.ones(1, 1, 3, 3)
    new = interpolate_kernel(w, (5, 5), interp="bilinear")
    torch.testing.assert_close(new, torch.full((1, 1, 5, 5), 9 / 25))


def test_bilinear_needs_an_integer_stencil():
    layer = InterpolatedConv2d(1, 1, 3, base_resolution=32, interp="bilinear")
    with pytest.raises(ValueError, match="interp='fourier'"):
        layer(torch.randn(1, 1, 40, 40))
    fourier = InterpolatedConv2d(1, 1, 3, base_resolution=32)
    assert fourier(torch.randn(1, 1, 40, 40)).shape == (1, 1, 40, 40)
    assert fourier(torch.randn(1, 1, 16, 16)).shape == (1, 1, 16, 16)
