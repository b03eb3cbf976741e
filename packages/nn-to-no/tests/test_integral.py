"""IntegralConv2d: convergence to the integral operator (closed form), FFT = direct path, gradients."""

import math

import pytest
import torch

from nn_to_no import IntegralConv2d
from nn_to_no.integral import basis_values


def hat_transform(omega: float, c: torch.Tensor, d: float) -> torch.Tensor:
    """int hat((t - c) / d) exp(i omega t) dt = d exp(i omega c) sinc^2(omega d / 2)."""
    s = math.sin(omega * d / 2) / (omega * d / 2) if omega else 1.0
    return d * torch.exp(1j * omega * c) * s**2


@pytest.mark.parametrize("basis_norm", ["none", "individual"])
def test_converges_to_the_closed_form_integral(basis_norm):
    torch.manual_seed(0)
    radius, nb = 3 / 32, 3
    layer = IntegralConv2d(1, 1, radius=radius, n_basis=nb, bias=False, basis_norm=basis_norm).double()
    d = layer.node_spacing
    nodes = (torch.arange(nb, dtype=torch.float64) - (nb - 1) / 2) * d
    theta = layer.theta.detach()[0, 0].reshape(nb, nb)
    # v(y) = cos(2 pi y_1): (K v)(x) = Re(exp(2 pi i x_1) sum_ab theta_ab H_a(2 pi) H_b(0)) / d^2
    w = 2 * math.pi
    h1 = hat_transform(w, nodes, d)
    h2 = hat_transform(0.0, nodes, d).real
    coef = (theta.to(torch.complex128) * h1[:, None] * h2[None, :]).sum() / d**2
    errs = []
    for n in (32, 64, 128, 256):
        x = torch.arange(n, dtype=torch.float64) / n
        v = torch.cos(w * x)[None, None, :, None].expand(1, 1, n, n)
        exact = (torch.exp(1j * w * x) * coef).real[:, None].expand(n, n)
        errs.append(float((layer(v)[0, 0] - exact).abs().max() / exact.abs().max()))
    assert errs[-1] < 2e-3
    for coarse, fine in zip(errs[1:], errs[2:], strict=False):
        assert coarse / fine > 3.0  # second order (trapezoid on a piecewise-linear kernel)


def test_stencil_integral_is_resolution_free_with_basis_normalisation():
    layer = IntegralConv2d(2, 3, radius=0.1, basis="radial", n_basis=2)
    sums = [layer.stencil(n).sum((-2, -1)) for n in (16, 32, 100)]
    torch.testing.assert_close(sums[0], sums[1])
    torch.testing.assert_close(sums[0], sums[2])


def test_fft_path_equals_direct_path():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 40, 40, dtype=torch.float64)
    a = IntegralConv2d(3, 4, radius=0.2, fft_threshold=1000).double()
    b = IntegralConv2d(3, 4, radius=0.2, fft_threshold=1).double()
    b.load_state_dict(a.state_dict())
    torch.testing.assert_close(a(x), b(x))


def test_zero_padding_and_basis_values():
    z = torch.tensor([[0.0, 0.0], [0.1, 0.0], [0.05, 0.05]])
    phi = basis_values(z, radius=0.1, n_basis=1)
    torch.testing.assert_close(phi[0], torch.tensor([1.0, 0.0, 0.25]))  # vanishes at the cut-off
    layer = IntegralConv2d(1, 1, radius=0.1, padding="zeros")
    assert layer(torch.randn(1, 1, 20, 20)).shape == (1, 1, 20, 20)


def test_gradcheck():
    torch.manual_seed(0)
    layer = IntegralConv2d(1, 1, radius=1.5 / 6).double()
    x = torch.randn(1, 1, 6, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(layer, (x,))


def test_small_radius_warns():
    layer = IntegralConv2d(1, 1, radius=0.01)
    with pytest.warns(UserWarning, match="pointwise map"):
        layer(torch.randn(1, 1, 16, 16))
