import io
import math

import pytest
import torch

import snnk
from snnk.features import arccos_kernel, exact_kernel, gelu_coefficients, kernel_estimate, tanh_coefficients

D = 6


def _pairs(seed=0, n=4, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, D, generator=g, dtype=torch.float64) / math.sqrt(D) * scale
    w = torch.randn(n, D, generator=g, dtype=torch.float64) / math.sqrt(D) * scale
    b = torch.rand(n, generator=g, dtype=torch.float64) * 2 - 1
    return x, w, b


def _per_sample(fmap, x, w, b):
    """Per-random-sample contributions m·Re(φ_j ψ_j), [n, m] (real features come as [Re, Im] halves)."""
    phi = fmap(x)
    psi = fmap.forward_params(w, b) if fmap.has_bias else fmap.forward_params(w)
    prod = phi * psi
    m = fmap.num_features
    if prod.shape[-1] == 2 * m:
        prod = prod[:, :m] + prod[:, m:]
    return prod[:, :m] * m


@pytest.mark.parametrize("a", [0.7, 1j, 0.5 + 0.5j])
def test_gaussian_exponential_trick(a):
    # E[exp(a gᵀx − a²‖x‖²/2) exp(b gᵀw − b²‖w‖²/2)] = exp(ab xᵀw)  (spec §2), b = 1
    g = torch.Generator().manual_seed(1)
    x, w, _ = _pairs(2, n=1)
    G = torch.randn(200_000, D, generator=g, dtype=torch.float64)
    a = complex(a)
    u, v = (G @ x[0]).to(torch.complex128), (G @ w[0]).to(torch.complex128)
    sx, sw, xw = float(x[0] @ x[0]), float(w[0] @ w[0]), float(x[0] @ w[0])
    vals = torch.exp(a * u - a * a * sx / 2 + v - sw / 2)
    mean, se = vals.mean(), vals.real.std() / math.sqrt(len(vals))
    exact = complex(torch.exp(torch.tensor(a * xw)))
    assert abs(mean.real.item() - exact.real) < 4 * se.item() + 1e-12
    assert abs(mean.imag.item() - exact.imag) < 4 * vals.imag.std().item() / math.sqrt(len(vals)) + 1e-12


@pytest.mark.parametrize("activation", ["cos", "sin", "exp"])
@pytest.mark.parametrize("variance_M", [0.0, 0.1])
def test_urf_unbiased_monte_carlo(activation, variance_M):
    x, w, b = _pairs(3)
    f = snnk.URFFeatures(
        D, 2**16, activation=activation, orthogonal=False, antithetic=False, variance_M=variance_M, seed=5
    )
    f = f.to(torch.float64)
    contrib = _per_sample(f, x, w, b)
    est, se = contrib.mean(1), contrib.std(1) / math.sqrt(contrib.shape[1])
    exact = exact_kernel(activation, x, w, b).diagonal()
    assert torch.all((est - exact).abs() < 3.5 * se + 1e-9), (est, exact, se)


@pytest.mark.parametrize("activation", ["cos", "sin", "exp", "relu", "gelu"])
def test_mean_over_seeds_within_standard_error(activation):
    # default maps (orthogonal, antithetic): the mean over many independent seeds is unbiased
    torch.set_default_dtype(torch.float64)
    try:
        x, w, b = _pairs(4, n=3)
        bb = None if activation == "relu" else b
        ests = torch.stack(
            [
                kernel_estimate(snnk.make_feature_map(activation, D, 16, seed=s), x, w, bb).diagonal()
                for s in range(200)
            ]
        )
    finally:
        torch.set_default_dtype(torch.float32)
    mean, se = ests.mean(0), ests.std(0) / math.sqrt(len(ests))
    exact = exact_kernel(activation, x, w, bb).diagonal()
    assert torch.all((mean - exact).abs() < 3.5 * se), (mean, exact, se)


def test_arccos_kernel_special_angles():
    x = torch.tensor([[2.0, 0.0, 0.0]], dtype=torch.float64)
    w = torch.tensor([[3.0, 0.0, 0.0], [0.0, 3.0, 0.0], [-3.0, 0.0, 0.0]], dtype=torch.float64)
    k = arccos_kernel(x, w)[0]
    torch.testing.assert_close(k, torch.tensor([6.0 / 2, 6.0 / (2 * math.pi), 0.0], dtype=torch.float64))


def test_relu_features_estimate_arccos_kernel():
    x, w, _ = _pairs(5)
    f = snnk.ReLUFeatures(D, 2**16, orthogonal=False, seed=0).to(torch.float64)
    contrib = _per_sample(f, x, w, None)
    est, se = contrib.mean(1), contrib.std(1) / math.sqrt(contrib.shape[1])
    exact = f.exact(x, w).diagonal()
    assert torch.all((est - exact).abs() < 3.5 * se)


def test_mse_decays_like_one_over_m():
    x, w, b = _pairs(6, n=200)
    mses = {}
    for m in (32, 2048):
        errs = []
        for s in range(4):
            f = snnk.URFFeatures(D, m, activation="cos", seed=s).to(torch.float64)
            est = (f(x) * f.forward_params(w, b)).sum(-1)
            errs.append(((est - torch.cos((x * w).sum(-1) + b)) ** 2).mean())
        mses[m] = torch.stack(errs).mean()
    slope = math.log(mses[2048] / mses[32]) / math.log(64)
    assert -1.4 < slope < -0.6


def test_series_coefficients_reference_values():
    t = tanh_coefficients(9)
    ref = [0, 1, 0, -1 / 3, 0, 2 / 15, 0, -17 / 315, 0, 62 / 2835]
    assert t == pytest.approx(ref, rel=1e-12, abs=1e-15)
    gl = gelu_coefficients(6)
    c = 1 / math.sqrt(2 * math.pi)
    assert gl == pytest.approx([0, 0.5, c, 0, -c / 6, 0, c / 40], rel=1e-12, abs=1e-15)
    z = torch.linspace(-0.5, 0.5, 11, dtype=torch.float64)
    f = snnk.MaclaurinFeatures(2, 4, activation="gelu", max_degree=14)
    torch.testing.assert_close(f.series(z), torch.nn.functional.gelu(z), atol=1e-9, rtol=0)


def test_maclaurin_degree_one_and_sign_blocks():
    x, w, b = _pairs(7, n=3)
    # max_degree=1: φψ estimates a_1 (wᵀx + b) in expectation
    ests = torch.stack(
        [
            kernel_estimate(
                snnk.MaclaurinFeatures(D, 8, max_degree=1, seed=s).to(torch.float64), x, w, b
            ).diagonal()
            for s in range(300)
        ]
    )
    mean, se = ests.mean(0), ests.std(0) / math.sqrt(len(ests))
    assert torch.all((mean - ((x * w).sum(-1) + b)).abs() < 3.5 * se)
    f = snnk.MaclaurinFeatures(D, 256, activation="tanh", seed=0)
    sign = f.sign
    # positive block first, then the negative one; tanh's negative terms are degrees 3, 7
    assert torch.all(sign[: int((sign > 0).sum())] > 0) and torch.all(sign[int((sign > 0).sum()) :] < 0)
    degrees = f.degree_mask.sum(-1)
    assert set(degrees[sign < 0].long().tolist()) <= {3, 7}
    assert set(degrees[sign > 0].long().tolist()) <= {1, 5}


def test_buffers_state_dict_and_rng():
    state = torch.random.get_rng_state()
    f = snnk.URFFeatures(D, 8, seed=3)
    y1 = f(torch.ones(2, D))
    assert torch.equal(torch.random.get_rng_state(), state), "the global RNG must not be touched"
    assert list(f.parameters()) == [] and "proj" in f.state_dict()
    buf = io.BytesIO()
    torch.save(f.state_dict(), buf)
    g = snnk.URFFeatures(D, 8, seed=99)
    g.load_state_dict(torch.load(io.BytesIO(buf.getvalue())))
    assert torch.equal(g(torch.ones(2, D)), y1)
    assert torch.equal(snnk.URFFeatures(D, 8, seed=3).proj, f.proj)  # deterministic given the seed
    f64 = f.to(torch.float64)
    assert (
        f64.proj.dtype == torch.float64 and f64(torch.ones(1, D, dtype=torch.float64)).dtype == torch.float64
    )
    old = f.proj.clone()
    f.resample_(torch.Generator().manual_seed(7))
    assert not torch.equal(old, f.proj)
    r = repr(snnk.ReLUFeatures(D, 4, seed=1))
    assert "num_features=4" in r and "floor=0.0" in r


def test_orthogonal_blocks():
    g = snnk.gaussian_random_matrix(12, 6, orthogonal=True, generator=torch.Generator().manual_seed(0))
    block = g[:6] / g[:6].norm(dim=1, keepdim=True)
    torch.testing.assert_close(block @ block.T, torch.eye(6, dtype=torch.float64), atol=1e-10, rtol=0)


def test_complex_and_real_paths_agree():
    x, w, b = _pairs(8)
    real = snnk.URFFeatures(D, 64, activation="sin", seed=2).to(torch.float64)
    cplx = snnk.URFFeatures(D, 64, activation="sin", seed=2, real_features=False).to(torch.float64)
    assert cplx(x).is_complex()
    torch.testing.assert_close(kernel_estimate(real, x, w, b), kernel_estimate(cplx, x, w, b))


def test_relu_features_with_the_official_uptraining_settings():
    """The official uptraining features (arijitthegame/neural-network-kernels, ``run_glue.py`` with ``NNK_Relu``:
    ``normalize=True``, ``normalization_constant = d**0.25``, ``constant = -5``): x and the weight rows are
    L2-normalised along the feature axis and scaled by d^{1/4}, then ``max(Gx, -5)/√m``; the replacement study's
    deciding arm uses them (issue #22 review)."""
    d, m, c = 64, 32, 64**0.25
    fmap = snnk.ReLUFeatures(d, m, floor=-5.0, normalize=True, normalize_constant=c, seed=0).double()
    g = torch.Generator().manual_seed(1)
    x = torch.randn(9, d, generator=g, dtype=torch.float64) * 3
    w = torch.randn(7, d, generator=g, dtype=torch.float64) * 0.1

    def official(v):
        return torch.clamp_min((c * v / v.norm(dim=1, keepdim=True)) @ fmap.proj.T, -5.0) / math.sqrt(m)

    torch.testing.assert_close(fmap(x), official(x))
    torch.testing.assert_close(fmap.forward_params(w), official(w))
    torch.testing.assert_close(fmap(5 * x), fmap(x))  # depends on the direction of x only
    phi = fmap(x)
    assert (phi < 0).any()  # negative features pass (the floor is not 0) ...
    assert (phi == -5.0 / math.sqrt(m)).any() and phi.min() == -5.0 / math.sqrt(m)  # ... down to the floor
    lin = torch.nn.Linear(d, 5).double()
    layer = snnk.SNNKLinear.from_linear(
        lin, "relu", m, floor=-5.0, normalize=True, normalize_constant=c, seed=0
    ).double()
    torch.testing.assert_close(layer.weight, official(lin.weight.detach()))  # Ψ = φ(W), W normalised alike
