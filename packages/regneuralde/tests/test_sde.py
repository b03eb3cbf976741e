"""The experimental SDE extension: Brownian path, the embedded EM / Milstein pair, its error estimate, gradients."""

import math

import pytest
import torch

from regneuralde import BrownianPath, NeuralSDE, error_regularizer, solve_sde
from regneuralde.sde import sde_step

D = torch.float64


def gbm(mu, sigma):
    return (lambda t, z: mu * z), (lambda t, z: sigma * z)


def test_brownian_path_is_consistent_and_has_brownian_statistics():
    g = torch.Generator().manual_seed(0)
    bm = BrownianPath(0.0, (40_000,), generator=g)
    w1 = bm(1.0)
    w_half = bm(0.5)  # drawn from the bridge between 0 and 1
    assert torch.equal(bm(1.0), w1) and torch.equal(bm(0.5), w_half)
    assert torch.equal(bm(0.0), torch.zeros(40_000, dtype=D))
    inc1, inc2 = w_half, w1 - w_half
    assert abs(float(w1.var()) - 1.0) < 0.03
    assert abs(float(inc1.var()) - 0.5) < 0.02 and abs(float(inc2.var()) - 0.5) < 0.02
    assert abs(float((inc1 * inc2).mean())) < 0.015  # independent increments
    with pytest.raises(ValueError, match="t must be >="):
        bm(-1.0)


def test_one_step_matches_the_formulas_by_hand():
    mu, sigma, z, h, dw = 0.7, 0.4, torch.tensor([1.5], dtype=D), 0.1, torch.tensor([0.2], dtype=D)
    f, g = gbm(mu, sigma)
    z_hi, z_lo, _ = sde_step(f, g, 0.0, z, h, dw)
    lo = 1.5 + h * mu * 1.5 + sigma * 1.5 * 0.2
    u = 1.5 + h * mu * 1.5 + sigma * 1.5 * math.sqrt(h)
    hi = 1.5 + 0.5 * h * (mu * 1.5 + mu * lo) + sigma * 1.5 * 0.2
    hi += (sigma * u - sigma * 1.5) / (2 * math.sqrt(h)) * (0.2**2 - h)
    assert float(z_lo) == pytest.approx(lo, rel=1e-14) and float(z_hi) == pytest.approx(hi, rel=1e-14)
    # additive noise: the Milstein correction vanishes, the estimate is the drift's trapezoidal correction
    z_hi, z_lo, _ = sde_step(lambda t, z: -z, lambda t, z: torch.full_like(z, 0.3), 0.0, z, h, dw)
    assert float(z_hi - z_lo) == pytest.approx(0.5 * h * (-(1.5 - h * 1.5 + 0.3 * 0.2) + 1.5), rel=1e-12)


def test_strong_order_one_on_geometric_brownian_motion():
    mu, sigma = 0.5, 0.8
    f, g = gbm(mu, sigma)
    bm = BrownianPath(0.0, (2000,), generator=torch.Generator().manual_seed(1))
    exact = torch.exp(torch.tensor(mu - sigma**2 / 2, dtype=D) + sigma * bm(1.0))
    errs = []
    for n in (8, 16, 32, 64):
        z, _ = solve_sde(f, g, torch.ones(2000, dtype=D), (0.0, 1.0), adaptive=False, dt=1 / n, bm=bm)
        errs.append(float((z[-1] - exact).abs().mean()))
    slope = -torch.tensor(errs).log().diff().mean() / math.log(2)
    assert 0.8 < float(slope) < 1.3, errs


def test_weak_mean_of_an_adaptive_solve():
    mu, sigma = 0.5, 0.5
    f, g = gbm(mu, sigma)
    z, stats = solve_sde(
        f,
        g,
        torch.ones(4000, dtype=D),
        (0.0, 1.0),
        rtol=1e-2,
        atol=1e-2,
        generator=torch.Generator().manual_seed(2),
    )
    m, se = float(z[-1].mean()), float(z[-1].std()) / math.sqrt(4000)
    assert abs(m - math.exp(mu)) < 4 * se
    assert stats.n_accepted == len(stats.h) and torch.isclose(stats.h.sum(), torch.tensor(1.0, dtype=D))


def test_error_estimate_scales_linearly_with_the_step():
    f, g = gbm(0.5, 0.8)
    bm = BrownianPath(0.0, (500,), generator=torch.Generator().manual_seed(3))
    means = []
    for n in (16, 32, 64):
        _, st = solve_sde(f, g, torch.ones(500, dtype=D), (0.0, 1.0), adaptive=False, dt=1 / n, bm=bm)
        means.append(float(st.eest.mean()))
    for a, b in zip(means, means[1:]):
        assert 0.35 < b / a < 0.7, means


def test_rejections_reuse_the_brownian_path():
    mu, sigma = 0.5, 1.0
    f, g = gbm(mu, sigma)
    bm = BrownianPath(0.0, (50,), generator=torch.Generator().manual_seed(4))
    z, st = solve_sde(f, g, torch.ones(50, dtype=D), (0.0, 1.0), rtol=1e-3, atol=1e-3, dt=0.5, bm=bm)
    assert st.n_rejected > 0
    exact = torch.exp(torch.tensor(mu - sigma**2 / 2, dtype=D) + sigma * bm(1.0))
    # a path-wise (strong) error this small is only possible if retries saw the same Brownian path (an
    # independent path gives errors of order 1)
    assert float((z[-1] - exact).abs().max()) < 0.03


def test_gradients_against_finite_differences():
    bm = BrownianPath(0.0, (3,), generator=torch.Generator().manual_seed(5))
    z0 = torch.tensor([1.0, 0.5, 2.0], dtype=D)

    def fn(mu, sigma):
        z, st = solve_sde(
            lambda t, z: mu * z - z**3 / 4,
            lambda t, z: sigma * torch.sin(z),
            z0,
            (0.0, 1.0),
            adaptive=False,
            dt=0.125,
            bm=bm,
        )
        return z[-1], error_regularizer(st, "sum")

    mu = torch.tensor(0.3, dtype=D, requires_grad=True)
    sigma = torch.tensor(0.6, dtype=D, requires_grad=True)
    assert torch.autograd.gradcheck(fn, (mu, sigma))


def test_ernode_sde_shrinks_the_diffusion_and_the_nfe():
    sigma = torch.nn.Parameter(torch.tensor(1.0, dtype=D))

    class Diff(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.sigma = sigma

        def forward(self, t, z):
            return self.sigma * z

    class Drift(torch.nn.Module):
        def forward(self, t, z):
            return 0.5 * z

    sde = NeuralSDE(Drift(), Diff(), rtol=1e-2, atol=1e-2, regularize="error", reduction="sum")
    z0 = torch.ones(16, dtype=D)

    def nfe() -> int:
        with torch.no_grad():
            return sde(z0, generator=torch.Generator().manual_seed(0))[2].nfe

    nfe0 = nfe()
    opt = torch.optim.Adam([sigma], lr=0.06)
    for i in range(10):
        _, reg, _ = sde(z0, generator=torch.Generator().manual_seed(100 + i))
        opt.zero_grad()
        reg.backward()
        opt.step()
    assert abs(float(sigma.detach())) < 0.6 and nfe() < nfe0


def test_neural_sde_module():
    torch.manual_seed(0)
    sde = NeuralSDE(
        torch.nn.Sequential(torch.nn.Linear(2, 2)).double().requires_grad_(True).train(), torch.nn.Identity()
    )
    drift = lambda t, z: -z
    diff = lambda t, z: 0.1 * z
    z, st = solve_sde(drift, diff, torch.ones(4, 2, dtype=D), torch.linspace(0, 1, 5, dtype=D), dt=0.3)
    assert z.shape == (5, 4, 2) and st.nfe_diffusion == 2 * (st.n_accepted + st.n_rejected)
    assert "rtol=0.14" in repr(sde)


def test_neural_sde_state_dict_roundtrip():
    torch.manual_seed(0)
    mk = lambda: NeuralSDE(torch.nn.Linear(3, 3), torch.nn.Linear(3, 3), regularize="error")

    class TZ(torch.nn.Module):  # adapt Linear to the (t, z) signature
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, t, z):
            return self.m(z)

    a = NeuralSDE(TZ(torch.nn.Linear(3, 3)), TZ(torch.nn.Linear(3, 3)), regularize="error").double()
    b = NeuralSDE(TZ(torch.nn.Linear(3, 3)), TZ(torch.nn.Linear(3, 3)), regularize="error").double()
    b.load_state_dict(a.state_dict())
    x = torch.randn(4, 3, dtype=D)
    za, ra, _ = a(x, generator=torch.Generator().manual_seed(0))
    zb, rb, _ = b(x, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(za, zb) and torch.testing.assert_close(ra, rb)
    ra.backward()
    assert all(p.grad is not None for p in a.drift.parameters())
    assert mk().reduction == "mean"


@pytest.mark.gpu
def test_cuda_sde_solve_matches_cpu():
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    f, g = gbm(0.5, 0.8)
    out = []
    for dev in ("cpu", "cuda"):
        bm = BrownianPath(0.0, (256,), device=dev, generator=torch.Generator().manual_seed(7))
        z, st = solve_sde(f, g, torch.ones(256, dtype=D, device=dev), (0.0, 1.0), rtol=1e-3, atol=1e-3, bm=bm)
        assert z.device.type == dev and st.eest.device.type == dev
        out.append((z.cpu(), st.n_accepted, st.n_rejected))
    torch.testing.assert_close(out[0][0], out[1][0], rtol=1e-9, atol=1e-9)
    assert out[0][1:] == out[1][1:]
