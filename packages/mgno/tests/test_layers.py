"""MgConv: shapes at odd and even sizes, reduction to one conv, linearity, boundary handling (periodic
equivariance and tiling, mirror symmetry of zeros/reflect/replicate), classical multigrid with hand-set kernels."""

import pytest
import torch
from helpers import periodic_laplacian, set_classical
from torch import nn

import mgno

LEVELS4 = ((1, 0), (1, 0), (1, 0), (2, 0))


@pytest.mark.parametrize("hw", [(32, 32), (33, 33), (64, 64), (65, 65), (211, 211), (100, 60), (17, 40)])
def test_output_size_equals_input_size(hw):
    layer = mgno.MgConv(1, 2, levels=LEVELS4 if min(hw) < 60 else ((1, 0),) * 5 + ((2, 0),))
    assert layer(torch.randn(1, 1, *hw)).shape == (1, 2, *hw)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_every_padding_mode_and_post_smoothing_keep_sizes(mode):
    layer = mgno.MgConv(
        2, 3, levels=((1, 1), (0, 1), (2, 2)), padding_mode=mode, residual_restriction=True, norm="layer"
    )
    for hw in [(9, 9), (10, 13), (31, 32)]:
        assert layer(torch.randn(2, 2, *hw)).shape == (2, 3, *hw)


def test_one_level_one_step_is_a_single_convolution():
    torch.manual_seed(0)
    layer = mgno.MgConv(3, 4, levels=((1, 0),))
    conv = nn.Conv2d(3, 4, 3, padding=1, bias=False)
    conv.weight.data.copy_(layer.pre[0][0].S.weight)
    x = torch.randn(2, 3, 11, 8)
    torch.testing.assert_close(layer(x), conv(x))


def test_mgconv_is_linear():
    torch.manual_seed(0)
    layer = mgno.MgConv(2, 3, levels=((2, 1), (1, 1), (2, 0))).double()
    f, g = torch.randn(2, 2, 2, 21, 18, dtype=torch.float64)
    torch.testing.assert_close(
        layer(2.5 * f - 0.7 * g), 2.5 * layer(f) - 0.7 * layer(g), atol=1e-10, rtol=1e-10
    )


def test_circular_padding_is_translation_equivariant():
    torch.manual_seed(0)
    layer = mgno.MgConv(1, 2, levels=LEVELS4, padding_mode="circular").double()
    x = torch.randn(1, 1, 32, 32, dtype=torch.float64)
    s = 2 ** (len(LEVELS4) - 1)
    shifted = layer(torch.roll(x, shifts=(s, -2 * s), dims=(-2, -1)))
    torch.testing.assert_close(shifted, torch.roll(layer(x), shifts=(s, -2 * s), dims=(-2, -1)))


def test_circular_padding_sees_a_periodic_tiling_as_periodic():
    torch.manual_seed(0)
    layer = mgno.MgConv(1, 1, levels=LEVELS4, padding_mode="circular").double()
    x = torch.randn(1, 1, 16, 16, dtype=torch.float64)
    tiled = layer(x.repeat(1, 1, 2, 2))
    torch.testing.assert_close(tiled, layer(x).repeat(1, 1, 2, 2))


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate"])
def test_mirror_symmetry_at_odd_sizes(mode):
    """With mirror-symmetric kernels, flipping the input flips the output: the boundary is handled alike on both
    sides at every level (sizes 2^k + 1 keep both edges on every coarse grid)."""
    torch.manual_seed(0)
    layer = mgno.MgConv(1, 2, levels=((1, 1), (1, 1), (2, 0)), padding_mode=mode).double()
    with torch.no_grad():
        for m in layer.modules():
            if isinstance(m, nn.ConvTranspose2d):
                w = m.weight
                w[..., 3] = 0
                w[..., 3, :] = 0
                w.copy_((w + w.flip(-1).roll(-1, -1)) / 2)  # taps 0..2 mirrored about tap 1
            elif isinstance(m, nn.Conv2d):
                m.weight.copy_((m.weight + m.weight.flip(-1)) / 2)
    x = torch.randn(1, 1, 17, 17, dtype=torch.float64)
    torch.testing.assert_close(layer(x.flip(-1)), layer(x).flip(-1))


def test_zero_padding_differs_from_periodic_near_the_boundary_only_through_the_mode():
    torch.manual_seed(0)
    zeros = mgno.MgConv(1, 1, levels=LEVELS4, padding_mode="zeros").double()
    circ = mgno.MgConv(1, 1, levels=LEVELS4, padding_mode="circular").double()
    circ.load_state_dict(zeros.state_dict())
    x = torch.zeros(1, 1, 33, 33, dtype=torch.float64)
    x[..., 12:20, 12:20] = torch.randn(8, 8, dtype=torch.float64)  # zero ring around the data
    a, b = zeros(x), circ(x)
    assert not torch.allclose(a, b)  # the modes really differ (coarse grids see the padding)
    centre = (slice(None), slice(None), slice(14, 18), slice(14, 18))
    torch.testing.assert_close(a[centre], b[centre], atol=0.2 * a.abs().max().item(), rtol=0)


@pytest.mark.parametrize("n,levels", [(32, 4), (64, 5)])
def test_hand_set_vcycle_solves_poisson_like_classical_multigrid(n, levels):
    """Laplacian A, damped Jacobi S, full weighting R, bilinear P, Pi = 0, two pre- and post-smoothing steps, the
    residual restricted: iterating ``u <- u + MgConv(f - A u)`` reduces the residual of the periodic Poisson
    problem by a grid-independent factor (about 0.17 here; < 0.3 asked)."""
    torch.manual_seed(0)
    mg = mgno.MgConv(
        1, 1, levels=((2, 2),) * (levels - 1) + ((30, 0),), padding_mode="circular", residual_restriction=True
    ).double()
    set_classical(mg, n)
    f = torch.randn(1, 1, n, n, dtype=torch.float64)
    f = f - f.mean()
    u = torch.zeros_like(f)
    norms = []
    with torch.no_grad():
        for _ in range(6):
            r = f - periodic_laplacian(u, n)
            norms.append(r.norm().item())
            u = u + mg(r)
    factors = [b / a for a, b in zip(norms, norms[1:])]
    assert max(factors) < 0.3, factors
    assert norms[-1] / norms[0] < 1e-3


def test_gradcheck_float64():
    torch.manual_seed(0)
    model = mgno.MgNO(width=2, n_layers=2, levels=((1, 1), (1, 0))).double()
    x = torch.randn(1, 1, 5, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(model, (x,))


def mgno_param_formula(c_in, c, levels, out, n_layers, pointwise=True):
    J = len(levels)
    steps = sum(p + q for p, q in levels)
    total = 0
    for i in range(n_layers):
        ci = c_in if i == 0 else c
        total += 9 * c * ci * (2 * steps - 1)  # A and S per step; the first step has S only
        total += (J - 1) * (9 * c * c + 9 * ci * ci + 16 * c * c)  # Pi, R, P
        total += (ci * c + c) if pointwise else 0
    return total + c * out


@pytest.mark.parametrize(
    "c,levels,layers", [(16, LEVELS4, 4), (24, ((1, 0),) * 5 + ((2, 0),), 5), (3, ((2, 1), (0, 2)), 2)]
)
def test_parameter_count_formula(c, levels, layers):
    model = mgno.MgNO(width=c, n_layers=layers, levels=levels)
    assert mgno.count_parameters(model) == mgno_param_formula(1, c, levels, 1, layers)


def test_the_cpu_study_model_has_161931_parameters():
    assert mgno.count_parameters(mgno.MgNO(width=16, n_layers=4, levels=LEVELS4)) == 161_931


def test_presets_run_at_two_resolutions():
    ns = mgno.MgNO.navier_stokes(width=4, n_layers=1)
    for n in (32, 48):  # resolution-free layer norm: no fixed 64x64 shape
        x = torch.randn(2, 1, n, n)
        assert ns(x).shape == x.shape
    for build in (mgno.MgNO.darcy, mgno.MgNO.darcy_smooth, mgno.MgNO.helmholtz):
        assert build(width=2, n_layers=1)(torch.randn(1, 1, 40, 33)).shape == (1, 1, 40, 33)


def test_global_residual_adds_the_input():
    model = mgno.MgNO(width=4, n_layers=1, levels=((1, 0), (1, 0)), global_residual=True)
    nn.init.zeros_(model.head.weight)
    x = torch.randn(2, 1, 9, 9)
    torch.testing.assert_close(model(x), x)
