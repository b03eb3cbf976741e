"""Finite-difference and spectral convolutions: closed forms and grid independence."""

import importlib.util
import math

import pytest
import torch
from test_resample_grid_losses import trig

from nn_to_no import FiniteDifferenceConv2d, SpectralConv2d, resize_fourier


def test_fd_conv_kills_constants_and_gives_h_free_slopes():
    torch.manual_seed(0)
    layer = FiniteDifferenceConv2d(2, 3, padding="replicate").double()
    assert float(layer(torch.full((1, 2, 9, 9), 4.0, dtype=torch.float64)).abs().max()) == 0.0
    outs = []
    for n in (16, 32):
        x = torch.arange(n, dtype=torch.float64) / n
        ramp = (2 * x[:, None] - x[None, :]).expand(1, 2, n, n)
        outs.append(layer(ramp)[..., 2:-2, 2:-2])
    # interior response to a linear function: constant, independent of h
    torch.testing.assert_close(outs[0].amax((-2, -1)), outs[1].amax((-2, -1)))
    torch.testing.assert_close(outs[0].amin((-2, -1)), outs[0].amax((-2, -1)))


def test_fd_conv_central_stencil_is_second_order():
    layer = FiniteDifferenceConv2d(1, 1).double()
    with torch.no_grad():
        layer.weight.zero_()
        layer.weight[0, 0, 1, 2] = 0.5
        layer.weight[0, 0, 1, 0] = -0.5  # d/dx_2
    errs = []
    for n in (16, 32, 64):
        x = torch.arange(n, dtype=torch.float64) / n
        v = torch.sin(2 * math.pi * x)[None, :].expand(1, 1, n, n)
        exact = 2 * math.pi * torch.cos(2 * math.pi * x)[None, :]
        errs.append(float((layer(v)[0, 0] - exact).abs().max()))
    assert errs[0] / errs[1] > 3.5 and errs[1] / errs[2] > 3.5


@pytest.mark.skipif(importlib.util.find_spec("neuralop") is None, reason="neuraloperator not installed")
def test_fd_conv_matches_neuraloperator():
    from neuralop.layers.differential_conv import FiniteDifferenceConvolution

    torch.manual_seed(0)
    ref = FiniteDifferenceConvolution(3, 4, n_dim=2, kernel_size=3).double()
    ours = FiniteDifferenceConv2d(3, 4).double()
    with torch.no_grad():
        ours.weight.copy_(ref.conv.weight)
    x = torch.randn(2, 3, 24, 24, dtype=torch.float64)
    torch.testing.assert_close(ours(x), ref(x, 1 / 24), atol=1e-10, rtol=1e-10)


def test_spectral_conv_is_grid_independent_on_band_limited_inputs():
    torch.manual_seed(0)
    layer = SpectralConv2d(1, 2, n_modes=6).double()
    torch.testing.assert_close(layer(trig(64)), resize_fourier(layer(trig(16)), 64), atol=1e-10, rtol=0)
    assert layer(trig(8)).shape == (1, 2, 8, 8)
