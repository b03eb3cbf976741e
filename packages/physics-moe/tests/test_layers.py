"""The hard-constraint layers: the constraint holds, determinism, expert independence, wiring, resuming."""

import torch

from physics_moe import (
    DiffusionSorption1D,
    FisherKPP1D,
    HardConstraint,
    Heat1D,
    MoEHardConstraint,
    fd_residual,
)
from physics_moe.data import fisher_kpp_dataset
from physics_moe.reproduce.common import ArmConfig, train

T_, X_ = torch.linspace(0, 1, 8, dtype=torch.float64), torch.linspace(0, 1, 16, dtype=torch.float64)


def test_constraint_holds_when_the_basis_spans_the_discrete_solution():
    # u = x solves the heat equation exactly on the grid (FD of a linear function is exact)
    B, N = 2, 6
    b = 0.5 * torch.randn(B, 8, 16, N, dtype=torch.float64)
    b[..., 0] = X_.reshape(1, 1, -1)
    bc = torch.stack([torch.zeros(B, 8), torch.ones(B, 8)], -1).double()
    layer = MoEHardConstraint(Heat1D(nu=0.1), n_samples=32, ridge=1e-8, rtol=1e-12, atol=1e-12)
    out = layer(b, T_, X_, X_.expand(B, -1), bc)
    assert fd_residual(Heat1D(nu=0.1), out.u, T_, X_).abs().max() < 1e-6
    assert (out.u[:, 0] - X_).abs().max() < 1e-6
    assert (out.u[:, 1:, 0]).abs().max() < 1e-6 and (out.u[:, 1:, -1] - 1).abs().max() < 1e-6


def test_nonlinear_constraint_holds_for_the_constant_state():
    b = 0.3 * torch.randn(2, 8, 16, 5, dtype=torch.float64)
    b[..., 0] = 1.0
    out = HardConstraint(FisherKPP1D(), n_samples=64, ridge=1e-8, rtol=1e-12, atol=1e-12, max_iter=100)(
        b, T_, X_, torch.ones(2, 16, dtype=torch.float64), torch.ones(2, 8, 2, dtype=torch.float64)
    )
    assert (out.u - 1).abs().max() < 1e-6 and bool(out.info.converged.all())


def test_fixed_generator_and_eval_mode_are_deterministic():
    b = torch.rand(2, 8, 16, 4, dtype=torch.float64)
    u0, bc = torch.rand(2, 16, dtype=torch.float64), torch.rand(2, 8, 2, dtype=torch.float64)
    layer = MoEHardConstraint(FisherKPP1D(), n_samples=10)
    a = layer(b, T_, X_, u0, bc, generator=torch.Generator().manual_seed(1)).u
    c = layer(b, T_, X_, u0, bc, generator=torch.Generator().manual_seed(1)).u
    torch.testing.assert_close(a, c, atol=0, rtol=0)
    layer.eval()
    torch.testing.assert_close(layer(b, T_, X_, u0, bc).u, layer(b, T_, X_, u0, bc).u, atol=0, rtol=0)


def test_perturbing_inside_block_k_changes_only_expert_k():
    torch.manual_seed(0)
    x = torch.linspace(0, 1, 32, dtype=torch.float64)
    b = torch.rand(1, 8, 32, 4, dtype=torch.float64)
    u0, bc = torch.rand(1, 32, dtype=torch.float64), torch.rand(1, 8, 2, dtype=torch.float64)
    layer = MoEHardConstraint(Heat1D(), n_samples=64, experts=(1, 4))  # all 8 x 8 points of each block
    base = layer(b, T_, x, u0, bc)
    b2 = b.clone()
    # interior of block 1 (x = 8..15), away from t = 0 and two nodes (the u_xx stencil) from its edges
    b2[0, 3:6, 11, :] += 0.5
    pert = layer(b2, T_, x, u0, bc)
    changed = (pert.w - base.w).abs().amax(-1)[0]
    assert changed[1] > 1e-6
    assert changed[[0, 2, 3]].max() == 0
    outside = torch.ones(32, dtype=torch.bool)
    outside[8:16] = False
    torch.testing.assert_close(pert.u[..., outside], base.u[..., outside], atol=0, rtol=0)


def test_gradients_reach_the_basis_only_through_the_implicit_solve():
    b = torch.rand(2, 8, 16, 4, requires_grad=True)  # float32 backbone output
    out = HardConstraint(FisherKPP1D(), n_samples=20)(b, T_, X_, torch.rand(2, 16), torch.rand(2, 8, 2))
    assert out.u.dtype == torch.float32 and out.w.dtype == torch.float64
    assert "ImplicitLSQ" in type(out.w.grad_fn).__name__ or any(
        "ImplicitLSQ" in type(f[0]).__name__ for f in out.w.grad_fn.next_functions if f[0] is not None
    )
    (g,) = torch.autograd.grad(out.u.square().sum(), b)
    assert torch.isfinite(g).all() and g.abs().sum() > 0


def test_diffusion_sorption_retardation_safe_branch_and_formula():
    pde = DiffusionSorption1D()
    u = torch.tensor([-1.0, 0.0, 0.5, 1.0], dtype=torch.float64)
    r = pde.retardation(u)
    assert torch.isfinite(r).all()
    expected = 1 + (1 - 0.29) / 0.29 * 2880 * 3.5e-4 * 0.874 * (0.5 + 1e-6) ** (0.874 - 1)
    assert float(r[2]) == float(torch.tensor(expected, dtype=torch.float64))
    assert r[0] == r[1]


def test_training_resumes_exactly_from_a_checkpoint(tmp_path):
    data = fisher_kpp_dataset(8, nx=16, nt=8, seed=0)
    cfg = ArmConfig(
        arm="PI-HC-MoE", n_basis=4, modes=(2, 2), width=4, n_layers=1, fc=8, n_samples=8, steps=4, max_iter=5
    )
    whole, _ = train(FisherKPP1D(), cfg, data, seed=0)
    ck = tmp_path / "ck.pt"
    train(FisherKPP1D(), cfg, data, seed=0, checkpoint=ck, checkpoint_every=1, stop_after=2)
    resumed, _ = train(FisherKPP1D(), cfg, data, seed=0, checkpoint=ck, checkpoint_every=1)
    for (k, v), v2 in zip(whole.state_dict().items(), resumed.state_dict().values(), strict=True):
        torch.testing.assert_close(v, v2, atol=0, rtol=0, msg=k)


def test_experts_spread_over_devices_match_the_batched_solve():
    b = torch.rand(2, 8, 16, 4, dtype=torch.float64, requires_grad=True)
    u0, bc = torch.rand(2, 16, dtype=torch.float64), torch.rand(2, 8, 2, dtype=torch.float64)
    one = MoEHardConstraint(FisherKPP1D(), n_samples=16).eval()(b, T_, X_, u0, bc)
    many = MoEHardConstraint(FisherKPP1D(), n_samples=16, expert_devices=["cpu", "cpu"]).eval()(
        b, T_, X_, u0, bc
    )
    torch.testing.assert_close(one.u, many.u, atol=1e-12, rtol=0)
    torch.testing.assert_close(one.info.n_iter, many.info.n_iter)
    g1 = torch.autograd.grad(one.u.sum(), b)[0]
    g2 = torch.autograd.grad(many.u.sum(), b)[0]
    torch.testing.assert_close(g1, g2, atol=1e-10, rtol=0)
