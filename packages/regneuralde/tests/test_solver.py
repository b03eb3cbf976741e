import math

import numpy as np
import pytest
import torch

from regneuralde import DOPRI5, TSIT5, NeuralODE, error_regularizer, solve_ivp, stiffness_regularizer
from regneuralde.regularizers import ExponentialLambda, _reduce
from regneuralde.solver import _rms

D = torch.float64


@pytest.mark.parametrize("tab", [TSIT5, DOPRI5])
def test_tableau_consistency_and_order_conditions(tab):
    c = np.array(tab.c)
    A = np.zeros((7, 7))
    for i, row in enumerate(tab.a, start=1):
        A[i, : len(row)] = row
    b, be = np.array(tab.b), np.array(tab.b_err)
    np.testing.assert_allclose(A.sum(1), c, atol=1e-12)  # row sums = nodes
    assert abs(b.sum() - 1) < 1e-12 and abs(be.sum()) < 1e-12
    # order conditions up to 5 for the quadrature part: sum b_i c_i^(k-1) = 1/k
    for k in range(1, 6):
        assert abs((b * c ** (k - 1)).sum() - 1 / k) < 1e-10
    # the embedded (4th-order) solution b_hat = b - b_err
    bh = b - be
    for k in range(1, 5):
        assert abs((bh * c ** (k - 1)).sum() - 1 / k) < 1e-10
    # two stages at c = 1 (stiffness estimate) and FSAL: the last row of A equals b
    assert tab.c[5] == tab.c[6] == 1.0
    np.testing.assert_allclose(A[6, :6], b[:6], atol=1e-14)


@pytest.mark.parametrize("method", ["tsit5", "dopri5"])
def test_fifth_order_convergence_with_fixed_steps(method):
    """Global error of z' = -z on [0, 1] with n fixed steps (huge tolerance: every step accepted) ~ n^-5."""
    errs = []
    for n in (8, 16, 32):
        z, st = solve_ivp(
            lambda t, z: -z,
            torch.ones(1, dtype=D),
            torch.linspace(0, 1, n + 1, dtype=D),
            method=method,
            rtol=1e3,
            atol=1e3,
            first_step=1.0 / n,
            dense="exact",
        )
        assert st.n_accepted == n
        errs.append(abs(float(z[-1, 0]) - math.exp(-1)))
    slopes = [math.log2(errs[i] / errs[i + 1]) for i in range(2)]
    assert all(4.5 < s < 6.5 for s in slopes), slopes


def test_error_estimate_by_hand():
    """EEst = RMS(h sum b_err_i k_i / (atol + rtol max(|z0|, |z1|))) for a 2-element linear system, one step."""
    M = torch.tensor([[-1.0, 2.0], [-0.5, -0.3]], dtype=D)
    f = lambda t, z: z @ M.T
    z0, h, rtol, atol = torch.tensor([1.0, -2.0], dtype=D), 0.1, 1e-3, 1e-4
    _, st = solve_ivp(f, z0, (0.0, h), rtol=rtol, atol=atol, first_step=h, dense="exact")
    ks = [f(0, z0)]
    A = TSIT5.a
    for i in range(1, 7):
        g = z0 + h * sum(a * k for a, k in zip(A[i - 1], ks, strict=False))
        ks.append(f(0, g))
    z1 = z0 + h * sum(b * k for b, k in zip(TSIT5.b, ks, strict=True))
    err = h * sum(b * k for b, k in zip(TSIT5.b_err, ks, strict=True))
    eest = _rms(err / (atol + rtol * torch.maximum(z0.abs(), z1.abs())))
    torch.testing.assert_close(st.eest[0], eest)


def test_stiffness_estimate_linear():
    lam = -7.5
    _, st = solve_ivp(lambda t, z: lam * z, torch.ones(3, dtype=D), (0.0, 1.0), rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(st.stiffness, torch.full_like(st.stiffness, 7.5))
    M = torch.tensor([[-3.0, 1.0], [1.0, -8.0]], dtype=D)
    eig = torch.linalg.eigvalsh(M).abs()
    _, st = solve_ivp(
        lambda t, z: z @ M.T, torch.tensor([1.0, 0.5], dtype=D), (0.0, 1.0), rtol=1e-6, atol=1e-6
    )
    assert (st.stiffness >= eig.min() - 1e-9).all() and (st.stiffness <= eig.max() + 1e-9).all()


def test_agrees_with_scipy_on_a_nonlinear_system():
    from scipy.integrate import solve_ivp as scipy_solve

    def rhs(t, z):
        return np.array([z[1], -np.sin(z[0]) - 0.1 * z[1]])

    t = np.linspace(0, 5, 11)
    ref = scipy_solve(rhs, (0, 5), [1.0, 0.0], method="DOP853", t_eval=t, rtol=1e-12, atol=1e-12).y.T
    f = lambda tt, z: torch.stack([z[1], -torch.sin(z[0]) - 0.1 * z[1]])
    for dense in ("hermite", "exact"):
        z, _ = solve_ivp(
            f, torch.tensor([1.0, 0.0], dtype=D), torch.tensor(t), rtol=1e-9, atol=1e-9, dense=dense
        )
        np.testing.assert_allclose(z.numpy(), ref, atol=1e-6)


def test_nfe_bookkeeping_with_counting_wrapper():
    calls = [0]

    def f(t, z):
        calls[0] += 1
        return -z

    _, st = solve_ivp(f, torch.ones(2, dtype=D), (0.0, 3.0), rtol=1e-6, atol=1e-6)
    assert st.nfe == calls[0] == 2 + 6 * (st.n_accepted + st.n_rejected)
    calls[0] = 0
    _, st = solve_ivp(f, torch.ones(2, dtype=D), (0.0, 3.0), rtol=1e-6, atol=1e-6, first_step=0.1)
    assert st.nfe == calls[0] == 1 + 6 * (st.n_accepted + st.n_rejected)


def test_gradients_against_finite_differences():
    """d R_E / d lam for z' = lam z, with the step sequence frozen (first_step given, loose tolerance)."""

    def reg(lam_value):
        lam = torch.tensor(lam_value, dtype=D, requires_grad=True)
        z, st = solve_ivp(
            lambda t, z: lam * z,
            torch.ones(2, dtype=D),
            (0.0, 1.0),
            rtol=1e3,
            atol=1e3,
            first_step=0.25,
            dense="exact",
        )
        r = error_regularizer(st) + z[-1].sum()
        return r, lam

    r, lam = reg(-2.0)
    (g,) = torch.autograd.grad(r, lam)
    eps = 1e-6
    fd = (reg(-2.0 + eps)[0].item() - reg(-2.0 - eps)[0].item()) / (2 * eps)
    assert abs(float(g) - fd) < 1e-6 * max(1.0, abs(fd))


def test_regularizer_values_and_reductions():
    _, st = solve_ivp(lambda t, z: torch.zeros_like(z), torch.ones(3, dtype=D), (0.0, 1.0))
    assert (
        float(error_regularizer(st)) == 0.0 and float(stiffness_regularizer(st)) == 0.0
    )  # zero field: guarded
    x = torch.tensor([1.0, 2.0, 6.0])
    assert (
        float(_reduce(x, "mean")) == 3.0
        and float(_reduce(x, "sum")) == 9.0
        and float(_reduce(x, "max")) == 6.0
    )
    lam = ExponentialLambda(100, 10, 10)
    assert lam(0) == 100 and abs(lam(10) - 10) < 1e-9 and abs(lam(5) - math.sqrt(1000)) < 1e-9


def test_batch_duplication_leaves_eest_unchanged():
    f = lambda t, z: torch.tanh(z) * -2
    z0 = torch.tensor([[0.5, -1.0]], dtype=D)
    _, a = solve_ivp(f, z0, (0.0, 1.0))
    _, b = solve_ivp(f, z0.repeat(4, 1), (0.0, 1.0))
    torch.testing.assert_close(a.eest, b.eest)


def test_neural_ode_module_and_state_dict():
    from regneuralde import TimeConcatMLP

    torch.manual_seed(0)
    node = NeuralODE(TimeConcatMLP(4, 8), regularize="error").double()
    z, reg, st = node(torch.randn(5, 4, dtype=D))
    assert z.shape == (5, 4) and reg.ndim == 0 and reg > 0 and st.nfe > 0
    reg.backward()
    assert all(p.grad is not None for p in node.parameters())
    node2 = NeuralODE(TimeConcatMLP(4, 8), regularize="error").double()
    node2.load_state_dict(node.state_dict())
    x = torch.randn(2, 4, dtype=D)
    torch.testing.assert_close(node(x)[0], node2(x)[0])


def test_torchdiffeq_parity():
    torchdiffeq = pytest.importorskip("torchdiffeq")
    f = lambda t, z: torch.stack([z[1], -torch.sin(z[0])])
    t = torch.tensor([0.0, 3.0], dtype=D)
    z0 = torch.tensor([1.0, 0.0], dtype=D)
    ref = torchdiffeq.odeint(f, z0, t, rtol=1e-7, atol=1e-7, method="dopri5")
    ours, _ = solve_ivp(f, z0, t, method="dopri5", rtol=1e-7, atol=1e-7, controller="i")
    torch.testing.assert_close(ours[-1], ref[-1], atol=1e-6, rtol=0)


@pytest.mark.gpu
def test_cuda_solve_matches_cpu_and_autocast_keeps_fp32():
    f = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3)).double()
    fc = lambda t, z: f(z)
    z0 = torch.randn(8, 3, dtype=D)
    t = torch.linspace(0.0, 1.0, 5, dtype=D)  # interior output times: the interpolant runs on the device too
    ref, _ = solve_ivp(fc, z0, t)
    f.cuda()
    out, st = solve_ivp(fc, z0.cuda(), t)
    torch.testing.assert_close(out.cpu(), ref, atol=1e-8, rtol=0)
    assert st.eest.device.type == "cuda"
