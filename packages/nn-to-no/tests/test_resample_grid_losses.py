"""Resampling, grids and quadrature, function-space losses: closed forms."""

import math

import pytest
import torch

import nn_to_no
from nn_to_no import Grid, function_l2, rel_l2, resize_fourier, resize_linear


def trig(n: int, modes=((1, 2, 0.7), (3, -1, -0.4), (0, 5, 0.25)), dtype=torch.float64) -> torch.Tensor:
    x = torch.arange(n, dtype=dtype) / n
    x1, x2 = torch.meshgrid(x, x, indexing="ij")
    out = torch.full_like(x1, 0.3)
    for k1, k2, a in modes:
        out = out + a * torch.cos(2 * math.pi * (k1 * x1 + k2 * x2) + 0.1 * k1)
    return out[None, None]


@pytest.mark.parametrize("n,m", [(16, 32), (16, 48), (32, 16), (33, 64), (64, 17)])
def test_resize_fourier_is_exact_on_band_limited_functions(n, m):
    torch.testing.assert_close(resize_fourier(trig(n), m), trig(m), atol=1e-12, rtol=0)


def test_resize_fourier_round_trip_and_mean():
    x = trig(16) + 0.01 * torch.randn(1, 1, 16, 16, dtype=torch.float64)
    x = resize_fourier(resize_fourier(x, 15), 16)  # remove the Nyquist mode: the round trip is then exact
    torch.testing.assert_close(resize_fourier(resize_fourier(x, 32), 16), x, atol=1e-12, rtol=0)
    y = torch.randn(2, 3, 24, 24, dtype=torch.float64)
    torch.testing.assert_close(resize_fourier(y, 10).mean((-2, -1)), y.mean((-2, -1)), atol=1e-12, rtol=0)


def test_resize_fourier_low_precision_runs_in_fp32():
    x = trig(16, dtype=torch.float32).bfloat16()
    y = resize_fourier(x, 32)
    assert y.dtype == torch.bfloat16
    torch.testing.assert_close(y.float(), trig(32, dtype=torch.float32), atol=0.05, rtol=0)


def test_resize_linear_keeps_the_samples_and_interpolates_linearly():
    x = torch.randn(2, 1, 8, 8, dtype=torch.float64)
    y = resize_linear(x, 16)
    torch.testing.assert_close(y[..., ::2, ::2], x)
    torch.testing.assert_close(y[..., 1::2, ::2], (x + x.roll(-1, -2)) / 2)


def test_fourier_resample_module():
    x = trig(32)
    torch.testing.assert_close(nn_to_no.FourierResample(scale=0.5)(x), trig(16), atol=1e-12, rtol=0)
    assert nn_to_no.FourierResample(size=8)(x).shape == (1, 1, 8, 8)


def test_grid_quadrature_integrates_polynomials_exactly():
    # node grid (trapezoid): exact for polynomials of degree <= 1 per axis, at any N
    for n in (2, 5, 17):
        g = Grid((n, n), length=2.0, periodic=False)
        x1, x2 = g.coords(dtype=torch.float64)
        w = g.quadrature_weights(dtype=torch.float64)
        assert float((w * (3 + 2 * x1 - x2 + 0.5 * x1 * x2)).sum()) == pytest.approx(
            4 * (3 + 2 - 1 + 0.5), abs=1e-12
        )
    # periodic grid: exact for trigonometric polynomials of degree < N (here cos^2 integrates to L/2)
    g = Grid((7,), length=1.0)
    (x,) = g.coords(dtype=torch.float64)
    w = g.quadrature_weights(dtype=torch.float64)
    assert float((w * torch.cos(2 * math.pi * 3 * x) ** 2).sum()) == pytest.approx(0.5, abs=1e-14)
    assert g.h == (1 / 7,)


def test_function_l2_of_one_is_the_domain_volume_at_every_resolution():
    for n in (8, 16, 33):
        one = torch.ones(1, 1, n, n, dtype=torch.float64)
        assert float(function_l2(one, 0 * one)) == pytest.approx(1.0)
        assert float(function_l2(one, 0 * one, domain_length=2.0, squared=False)) == pytest.approx(2.0)
    # the same function at two resolutions has the same norm
    a = function_l2(trig(16), 0 * trig(16))
    b = function_l2(trig(64), 0 * trig(64))
    torch.testing.assert_close(a, b)


def test_rel_l2_closed_form():
    t = trig(16)
    assert float(rel_l2(1.1 * t, t)) == pytest.approx(0.1)
    assert rel_l2(torch.zeros(3, 1, 4, 4), torch.ones(3, 1, 4, 4), reduction="none").shape == (3,)
