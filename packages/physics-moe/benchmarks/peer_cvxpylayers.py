"""Side by side with cvxpylayers (convex optimisation layers; the spec's peer for the linear case).

On the linear heat task the expert problem is ridge least squares, so cvxpylayers can solve it:
``min_w ||M w - v||^2`` with ``M = [PDE rows; IC/BC rows A; ridge I]`` and ``v = [0; y; 0]`` as parameters. We
compare the solution ``w*``, the gradient of a random linear function of ``w*`` with respect to the IC/BC rows
``A`` and targets ``y``, and the time of forward + backward, against ``physics_moe.solve_lsq`` (LM forward, implicit
backward) on the same batch. Written to results/peers.json.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

import physics_moe
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench
from physics_moe import Heat1D, SolveSpec, solve_lsq
from physics_moe.implicit import batched_jacobian
from physics_moe.reproduce.heat import Config as HeatConfig
from physics_moe.reproduce.heat import fixed_basis


def problem(m: int, B: int = 4):
    cfg = HeatConfig()
    x = torch.linspace(0, 1, cfg.nx, dtype=torch.float64)
    t = torch.linspace(0, 1, cfg.nt, dtype=torch.float64)
    pde = Heat1D(nu=0.01)
    basis = fixed_basis(cfg, t, x, 0).expand(B, -1, -1, -1)
    g = torch.Generator().manual_seed(0)
    a = 2 * torch.rand(B, cfg.n_modes, generator=g, dtype=torch.float64) - 1
    u0 = physics_moe.heat_exact(x, t, a)[:, 0]
    terms = pde.residual_terms(basis, t, x)
    idx = torch.randperm(cfg.nx * cfg.nt, generator=g)[:m]
    T = torch.stack([terms[k] for k in pde.terms], 1).flatten(2, 3)[:, :, idx].contiguous()
    a_bc, y_bc = pde.bc_rows(terms, None)  # type: ignore[misc]
    A = torch.cat([basis[:, 0], a_bc], 1).contiguous()
    y = torch.cat([u0, y_bc], 1).contiguous()
    return pde, T, A, y


def main() -> None:
    import cvxpy as cp
    from cvxpylayers.torch import CvxpyLayer

    parser = argparse.ArgumentParser()
    parser.add_argument("--m", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "peers.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    pde, T, A, y = problem(args.m)
    spec = SolveSpec(pde, ridge=1e-4, rtol=1e-12, atol=1e-12, tau=0.0)
    B, n = T.shape[0], T.shape[-1]
    R = args.m + A.shape[1] + n
    Mp, vp, wv = cp.Parameter((R, n)), cp.Parameter(R), cp.Variable(n)
    layer = CvxpyLayer(
        cp.Problem(cp.Minimize(cp.sum_squares(Mp @ wv - vp))), parameters=[Mp, vp], variables=[wv]
    )
    gw = torch.randn(B, n, dtype=torch.float64, generator=torch.Generator().manual_seed(1))

    def ours():
        Ar, yr = A.clone().requires_grad_(), y.clone().requires_grad_()
        w, _ = solve_lsq(T, Ar, yr, spec)
        ga, gy = torch.autograd.grad(w, (Ar, yr), gw)
        return w.detach(), ga, gy

    def theirs():
        Ar, yr = A.clone().requires_grad_(), y.clone().requires_grad_()
        M = batched_jacobian(spec, torch.zeros(B, n, dtype=torch.float64), T, Ar, yr)
        v = torch.cat(
            [torch.zeros(B, args.m, dtype=torch.float64), yr, torch.zeros(B, n, dtype=torch.float64)], 1
        )
        (w,) = layer(M, v, solver_args={"eps_abs": 1e-10, "eps_rel": 1e-10, "max_iters": 100_000})
        ga, gy = torch.autograd.grad(w, (Ar, yr), gw)
        return w.detach(), ga, gy

    w1, ga1, gy1 = ours()
    w2, ga2, gy2 = theirs()
    dw = float((w1 - w2).abs().max())
    dga = float((ga1 - ga2).abs().max() / ga1.abs().max())
    dgy = float((gy1 - gy2).abs().max() / gy1.abs().max())
    comp = Comparison(
        task=f"heat ridge least squares, B={B}, N={n}, m={args.m}, forward + backward",
        reference="cvxpylayers 1.2.0 (diffcp / SCS)",
    )
    comp.add("cvxpylayers 1.2.0 (diffcp / SCS)", time_fn(theirs, warmup=1, repeat=args.repeat))
    comp.add(
        "physics_moe.solve_lsq (LM + IFT)",
        time_fn(ours, warmup=1, repeat=args.repeat),
        max_abs_w_diff=f"{dw:.1e}",
        rel_grad_diff_A=f"{dga:.1e}",
        rel_grad_diff_y=f"{dgy:.1e}",
    )
    print(ratio_table([comp]))
    write_bench(
        args.out, [comp], name="peers", device="cpu", package="physics-moe", version=physics_moe.__version__
    )


if __name__ == "__main__":
    main()
