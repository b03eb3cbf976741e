"""Study ``heat`` (Task B of the spec): the layer's numeric correctness on a linear PDE.

``u_t = 0.01 u_xx`` on ``[0, 1]``, zero Dirichlet, ``u0 = sum_k a_k sin(k pi x)``. A FIXED basis holds the five
exact modes plus smooth random bumps (N = 16). PI-HC (all 2048 points, ridge 1e-4) must equal the closed-form
ridge least-squares solution of the same stacked system (``torch.linalg.lstsq``) to 1e-8 and LM must stop within
2 iterations. The error against the exact solution is reported (it is the finite-difference error, not the
layer's).
"""

from __future__ import annotations

import dataclasses
import time

import torch

from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context
from physics_moe.data import heat_exact, heat_modes
from physics_moe.implicit import batched_jacobian
from physics_moe.layers import HardConstraint, MoEHardConstraint
from physics_moe.losses import relative_l2
from physics_moe.pdes import Heat1D


@dataclasses.dataclass(frozen=True)
class Config:
    nx: int = 64
    nt: int = 32
    n_modes: int = 5
    n_basis: int = 16
    batch: int = 4
    tol: float = 1e-8  # max |u_LM - u_lstsq| / max |u_lstsq|
    max_iters: int = 2

    def __post_init__(self) -> None:
        if self.n_basis <= self.n_modes:
            raise ValueError(f"heat.n_basis must exceed n_modes, got {self.n_basis} <= {self.n_modes}")


def fixed_basis(cfg: Config, t: torch.Tensor, x: torch.Tensor, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    extra = cfg.n_basis - cfg.n_modes
    ct, cx = torch.rand(extra, generator=g, dtype=t.dtype), torch.rand(extra, generator=g, dtype=t.dtype)
    s = 0.1 + 0.2 * torch.rand(extra, generator=g, dtype=t.dtype)
    tn, xn = (t / t[-1]).reshape(-1, 1, 1), x.reshape(1, -1, 1)
    bumps = torch.exp(-((tn - ct) ** 2 + (xn - cx) ** 2) / (2 * s**2))
    return torch.cat([heat_modes(x, t, cfg.n_modes), bumps], dim=-1)


def closed_form(layer: HardConstraint, basis, t, x, u0) -> torch.Tensor:
    """Ridge least squares on the stacked linear system, all points, by QR (``torch.linalg.lstsq``)."""
    pde, B = layer.pde, basis.shape[0]
    terms = pde.residual_terms(basis, t, x)
    T = torch.stack([terms[k] for k in pde.terms], 1).flatten(2, 3)  # (B, q, P, N)
    a_bc, y_bc = pde.bc_rows(terms, None)  # type: ignore[misc]
    A = torch.cat([basis[:, 0], a_bc], 1)
    y = torch.cat([u0, y_bc], 1)
    w = torch.zeros(B, basis.shape[-1], dtype=basis.dtype)
    J = batched_jacobian(layer.spec, w, T, A, y)  # the system matrix (linear PDE)
    rhs = torch.cat([torch.zeros(B, T.shape[2], dtype=basis.dtype), y, torch.zeros_like(w)], 1)
    wc = torch.linalg.lstsq(J, rhs.unsqueeze(-1)).solution.squeeze(-1)
    return torch.einsum("btxn,bn->btx", basis, wc)


def run(cfg: Config, ctx: Context) -> None:
    pde = Heat1D(nu=0.01)
    x = torch.linspace(0, 1, cfg.nx, dtype=torch.float64)
    t = torch.linspace(0, 1, cfg.nt, dtype=torch.float64)
    errs, iters, exact_errs, moe_errs, times = [], [], [], [], []
    for seed in ctx.progress(ctx.seeds):
        g = torch.Generator().manual_seed(seed)
        a = 2 * torch.rand(cfg.batch, cfg.n_modes, generator=g, dtype=torch.float64) - 1
        u_true = heat_exact(x, t, a)
        basis = fixed_basis(cfg, t, x, seed).expand(cfg.batch, -1, -1, -1)
        layer = HardConstraint(pde, n_samples=cfg.nt * cfg.nx, ridge=1e-4, rtol=1e-10, atol=1e-12).eval()
        t0 = time.perf_counter()
        out = layer(basis, t, x, u_true[:, 0])
        times.append(time.perf_counter() - t0)
        uc = closed_form(layer, basis, t, x, u_true[:, 0])
        err = float((out.u - uc).abs().max() / uc.abs().max())
        moe = MoEHardConstraint(pde, n_samples=cfg.nt * cfg.nx // 4, rtol=1e-10, atol=1e-12).eval()
        uo = moe(basis, t, x, u_true[:, 0]).u
        errs.append(err)
        iters.append(int(out.info.n_iter.max()))
        exact_errs.append(float(relative_l2(out.u, u_true).mean()))
        moe_errs.append(float(relative_l2(uo, u_true).mean()))
        ctx.add_seed(
            seed,
            {
                "max_rel_diff_lstsq": err,
                "lm_iters": iters[-1],
                "rel_l2_exact": exact_errs[-1],
                "moe_rel_l2_exact": moe_errs[-1],
            },
        )
    ctx.set_summary("max_rel_diff_lstsq", max(errs))
    ctx.set_summary("lm_iters_max", max(iters))
    ctx.set_summary("rel_l2_exact", mean_std(exact_errs))
    ctx.set_summary("moe_rel_l2_exact", mean_std(moe_errs))
    ctx.set_summary("solve_time_s", mean_std(times))
    ctx.add_row("heat, fixed exact-mode basis (CPU)", "max |u_LM - u_lstsq| / max |u|", max(errs))
    ctx.add_row(
        "heat, fixed exact-mode basis (CPU)", "PI-HC rel. L2 vs exact (FD error)", mean_std(exact_errs)
    )
    ctx.add_row(
        "heat, fixed exact-mode basis (CPU)", "PI-HC-MoE (4 experts) rel. L2 vs exact", mean_std(moe_errs)
    )
    ctx.add_criterion(
        f"linear task: LM equals closed-form ridge least squares to {cfg.tol:g}",
        max(errs) <= cfg.tol,
        f"max relative difference {max(errs):.2e}",
    )
    ctx.add_criterion(
        f"linear task: LM stops within {cfg.max_iters} iterations",
        max(iters) <= cfg.max_iters,
        f"max iterations {max(iters)}",
    )
