"""Levenberg-Marquardt and the implicit backward."""

import pytest
import torch

from physics_moe import FisherKPP1D, Heat1D, SolveSpec, levenberg_marquardt, solve_lsq
from physics_moe.implicit import batched_jacobian, batched_residual


def problem(S=1, q=3, m=12, N=3, n_lin=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    T = 0.3 * torch.randn(S, q, m, N, generator=g, dtype=torch.float64)
    A = torch.randn(S, n_lin, N, generator=g, dtype=torch.float64)
    y = torch.randn(S, n_lin, generator=g, dtype=torch.float64)
    return T, A, y


def test_linear_problem_equals_closed_form_ridge_least_squares_in_two_iterations():
    T, A, y = problem(S=3, m=30, N=5)
    spec = SolveSpec(Heat1D(nu=0.3), ridge=1e-4, rtol=1e-12, atol=1e-12, tau=0.0)
    w, info = solve_lsq(T, A, y, spec)
    J = batched_jacobian(spec, torch.zeros_like(w), T, A, y)
    rhs = -batched_residual(spec, torch.zeros_like(w), T, A, y)
    wc = torch.linalg.lstsq(J, rhs.unsqueeze(-1)).solution.squeeze(-1)
    torch.testing.assert_close(w, wc, atol=1e-10, rtol=0)
    assert int(info.n_iter.max()) <= 2 and bool(info.converged.all())


def test_nonlinear_solve_reaches_a_stationary_point():
    T, A, y = problem(S=4, m=40, N=4)
    spec = SolveSpec(FisherKPP1D(), rtol=1e-12, atol=1e-12, max_iter=100)
    w, info = solve_lsq(T, A, y, spec)
    assert bool(info.converged.all())
    J = batched_jacobian(spec, w, T, A, y)
    r = batched_residual(spec, w, T, A, y)
    assert (J.transpose(1, 2) @ r.unsqueeze(-1)).abs().max() < 1e-8


def test_implicit_gradient_gradcheck_float64():
    T, A, y = problem()
    spec = SolveSpec(FisherKPP1D(), rtol=1e-13, atol=1e-13, max_iter=200)

    def f(T, A, y):
        return solve_lsq(T, A, y, spec)[0]

    args = tuple(v.clone().requires_grad_() for v in (T, A, y))
    assert torch.autograd.gradcheck(f, args, fast_mode=True, atol=1e-6)


def test_implicit_equals_unrolled_differentiation():
    T, A, y = problem(S=2)
    spec = SolveSpec(FisherKPP1D(), rtol=1e-13, atol=1e-13, max_iter=200)
    Ti = T.clone().requires_grad_()
    Tu = T.clone().requires_grad_()
    wi, _ = solve_lsq(Ti, A, y, spec)
    wu, _ = solve_lsq(Tu, A, y, spec, backward="unroll")
    torch.testing.assert_close(wi, wu.detach(), atol=1e-12, rtol=0)
    gv = torch.randn_like(wi)
    gi = torch.autograd.grad(wi, Ti, gv)[0]
    gu = torch.autograd.grad(wu, Tu, gv)[0]
    torch.testing.assert_close(gi, gu, atol=1e-6, rtol=0)


def test_gauss_newton_hessian_matches_full_at_zero_residual():
    # consistent linear rows and a linear PDE with ridge 0: r(w*) = 0, so both Hessians agree
    T, A, _ = problem(S=2, m=6, N=3, n_lin=8)
    w_true = torch.randn(2, 3, dtype=torch.float64)
    spec_full = SolveSpec(Heat1D(nu=1.0), ridge=0.0, rtol=1e-13, atol=1e-13, tau=0.0)
    T = T.clone()
    T[:, 1] = T[:, 2]  # u_t = u_xx term by term: F = (1 - nu) T w = 0 for every w
    y = torch.einsum("sln,sn->sl", A, w_true)
    Tg = T.clone().requires_grad_()
    grads = []
    for h in ("full", "gauss_newton"):
        spec = SolveSpec(spec_full.pde, ridge=0.0, rtol=1e-13, atol=1e-13, tau=0.0, hessian=h)
        w, _ = solve_lsq(Tg, A.requires_grad_(), y, spec)
        grads.append(torch.autograd.grad(w.sum(), A)[0])
    torch.testing.assert_close(grads[0], grads[1], atol=1e-9, rtol=0)


def test_lm_generic_vmapped_residual():
    def rosen(w):
        return torch.stack([10 * (w[1] - w[0] ** 2), 1 - w[0]])

    w, info = levenberg_marquardt(
        rosen, torch.tensor([[-1.2, 1.0]], dtype=torch.float64), max_iter=200, rtol=1e-12, atol=1e-12
    )
    torch.testing.assert_close(w, torch.ones(1, 2, dtype=torch.float64), atol=1e-8, rtol=0)
    assert bool(info.converged.all())


def test_bad_solver_options():
    with pytest.raises(ValueError, match="hessian"):
        SolveSpec(Heat1D(), hessian="newton")
    T, A, y = problem()
    with pytest.raises(ValueError, match="backward"):
        solve_lsq(T, A, y, SolveSpec(Heat1D()), backward="truncated")
    with pytest.raises(ValueError, match="scaling"):
        levenberg_marquardt(lambda w: w, torch.ones(1, 2), scaling="diag")
