"""The constrained solve as a differentiable function: LM forward, implicit-function-theorem backward.

For one problem the coefficients solve ``w* = argmin_w 1/2 ||r(w; T, A, y)||^2`` with the stacked residual

    r(w) = [ F(T_1 w, ..., T_q w) ;  A w - y ;  ridge * w ]

(``T_j`` the ``(m, N)`` finite-difference terms of the basis at the sampled points, ``F`` the pointwise PDE
residual, ``A w - y`` the initial and boundary rows, the last block the ridge rows). The optimality condition
``g(w*, T, A, y) = J^T r = 0`` defines ``w*`` implicitly, so for an upstream gradient ``gw`` the inputs get
``-(dg/d(T, A, y))^T lambda`` with ``H lambda = gw`` and ``H = dg/dw = J^T J + sum_i r_i Hess(r_i)`` (``full``) or
``J^T J`` (``gauss_newton``; exact when ``r(w*) = 0``, the paper's IFT on ``F(b w) = 0``). The cost is one ``N x N``
solve and one vector-Jacobian product per problem, whatever the number of LM iterations; no graph is unrolled.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch
from torch.func import grad, jacfwd, vjp, vmap

from physics_moe._checks import check_float, check_int, check_tensor
from physics_moe.lm import SCALINGS, LMInfo, levenberg_marquardt
from physics_moe.pdes import PDE1D

HESSIANS = ("full", "gauss_newton")
BACKWARDS = ("implicit", "unroll")


@dataclasses.dataclass(frozen=True)
class SolveSpec:
    """Everything about the solve that is not a tensor (the PDE, ridge, LM options, backward mode).

    Args:
        pde: the PDE whose pointwise residual ``F`` the terms feed.
        ridge: weight of the ridge rows ``ridge * w`` (the official code uses 1e-4).
        max_iter: LM iterations at most.
        rtol: LM relative step tolerance.
        atol: LM absolute step tolerance.
        tau: LM initial damping relative to ``max diag(J^T J)``.
        scaling: LM damping matrix, ``identity`` or ``marquardt``.
        hessian: ``full`` or ``gauss_newton`` (the implicit backward's ``H``).
    """

    pde: PDE1D
    ridge: float = 1e-4
    max_iter: int = 50
    rtol: float = 1e-4
    atol: float = 1e-4
    tau: float = 1e-3
    scaling: str = "identity"
    hessian: str = "full"

    def __post_init__(self) -> None:
        if not isinstance(self.pde, PDE1D):
            raise TypeError(f"pde must be a physics_moe.pdes.PDE1D, got {type(self.pde).__name__}")
        if self.hessian not in HESSIANS:
            raise ValueError(f"hessian must be one of {HESSIANS}, got {self.hessian!r}")
        if self.scaling not in SCALINGS:
            raise ValueError(f"scaling must be one of {SCALINGS}, got {self.scaling!r}")
        object.__setattr__(self, "ridge", check_float("ridge", self.ridge, lo=0.0))
        object.__setattr__(self, "max_iter", check_int("max_iter", self.max_iter))
        for name in ("rtol", "atol", "tau"):
            object.__setattr__(self, name, check_float(name, getattr(self, name), lo=0.0))


def stacked_residual(
    spec: SolveSpec, w: torch.Tensor, T: torch.Tensor, A: torch.Tensor, y: torch.Tensor
) -> torch.Tensor:
    """The residual vector of ONE problem (see the module docstring).

    Args:
        spec: the solve's settings.
        w: coefficients ``(N,)``.
        T: finite-difference terms at the sampled points ``(q, m, N)``, in the order of ``spec.pde.terms``.
        A: linear (initial/boundary) rows ``(n_lin, N)``.
        y: their targets ``(n_lin,)``.

    Returns:
        ``r`` of shape ``(m + n_lin + N,)``.
    """
    v = T @ w
    r_pde = spec.pde.residual(dict(zip(spec.pde.terms, v.unbind(0), strict=True)))
    return torch.cat([r_pde, A @ w - y, spec.ridge * w])


def batched_residual(
    spec: SolveSpec, w: torch.Tensor, T: torch.Tensor, A: torch.Tensor, y: torch.Tensor
) -> torch.Tensor:
    """:func:`stacked_residual` for a batch of problems.

    Args:
        spec: the solve's settings.
        w: coefficients ``(S, N)``.
        T: terms ``(S, q, m, N)``.
        A: linear rows ``(S, n_lin, N)``.
        y: their targets ``(S, n_lin)``.

    Returns:
        ``(S, m + n_lin + N)``.
    """
    v = torch.einsum("sqmn,sn->sqm", T, w)
    r_pde = spec.pde.residual(dict(zip(spec.pde.terms, v.unbind(1), strict=True)))
    lin = torch.einsum("sln,sn->sl", A, w) - y
    return torch.cat([r_pde, lin, spec.ridge * w], dim=1)


def batched_jacobian(
    spec: SolveSpec, w: torch.Tensor, T: torch.Tensor, A: torch.Tensor, y: torch.Tensor
) -> torch.Tensor:
    """The Jacobian of :func:`batched_residual` in closed form: ``[sum_j dF/dv_j T_j ; A ; ridge I]``.

    Args:
        spec: the solve's settings.
        w: coefficients ``(S, N)``.
        T: terms ``(S, q, m, N)``.
        A: linear rows ``(S, n_lin, N)``.
        y: their targets ``(S, n_lin)`` (unused: the Jacobian does not depend on them).

    Returns:
        ``(S, m + n_lin + N, N)``.
    """
    v = torch.einsum("sqmn,sn->sqm", T, w)
    parts = spec.pde.partials(dict(zip(spec.pde.terms, v.unbind(1), strict=True)))
    d = torch.stack([parts[k] for k in spec.pde.terms], dim=1)  # (S, q, m)
    j_pde = torch.einsum("sqm,sqmn->smn", d, T)
    eye = spec.ridge * torch.eye(w.shape[1], dtype=w.dtype, device=w.device).expand(w.shape[0], -1, -1)
    return torch.cat([j_pde, A, eye], dim=1)


def _cost(spec: SolveSpec, w, T, A, y):
    r = stacked_residual(spec, w, T, A, y)
    return 0.5 * (r * r).sum()


def _lm(spec: SolveSpec, w0, T, A, y) -> tuple[torch.Tensor, LMInfo]:
    return levenberg_marquardt(
        lambda w, T, A, y: batched_residual(spec, w, T, A, y),
        w0,
        (T, A, y),
        jacobian_fn=lambda w, T, A, y: batched_jacobian(spec, w, T, A, y),
        max_iter=spec.max_iter,
        rtol=spec.rtol,
        atol=spec.atol,
        tau=spec.tau,
        scaling=spec.scaling,
    )


class ImplicitLSQ(torch.autograd.Function):
    """``w* = argmin 1/2 ||r(w; T, A, y)||^2``, batched over the leading axis; backward by the IFT.

    ``apply(T, A, y, w0, spec)`` returns ``(w*, n_iter, converged, final_cost)``; only ``w*`` is differentiable.
    """

    @staticmethod
    def forward(ctx: Any, T, A, y, w0, spec: SolveSpec):  # type: ignore[override]
        with torch.no_grad():
            w, info = _lm(spec, w0, T, A, y)
        ctx.spec = spec
        ctx.save_for_backward(T, A, y, w)
        ctx.mark_non_differentiable(info.n_iter, info.converged, info.final_cost)
        return w, info.n_iter, info.converged, info.final_cost

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, gw, *_):  # type: ignore[override]
        T, A, y, w = ctx.saved_tensors
        spec: SolveSpec = ctx.spec

        def g_one(w, T, A, y):
            return grad(lambda w_: _cost(spec, w_, T, A, y))(w)

        if spec.hessian == "full":
            H = vmap(jacfwd(g_one))(w, T, A, y)
        else:
            J = vmap(jacfwd(lambda w_, T, A, y: stacked_residual(spec, w_, T, A, y)))(w, T, A, y)
            H = J.transpose(-1, -2) @ J
        lam = torch.linalg.solve(H, gw.unsqueeze(-1)).squeeze(-1)
        _, pullback = vjp(lambda T_, A_, y_: vmap(g_one)(w, T_, A_, y_), T, A, y)  # type: ignore[misc]
        gT, gA, gy = pullback(-lam)  # type: ignore[misc]
        return gT, gA, gy, None, None


def solve_lsq(
    T: torch.Tensor,
    A: torch.Tensor,
    y: torch.Tensor,
    spec: SolveSpec,
    *,
    w0: torch.Tensor | None = None,
    backward: str = "implicit",
) -> tuple[torch.Tensor, LMInfo]:
    """Solve a batch of stacked least-squares problems with a differentiable result.

    Args:
        T: terms ``(S, q, m, N)``.
        A: linear rows ``(S, n_lin, N)``.
        y: their targets ``(S, n_lin)``.
        spec: the solve's settings.
        w0: initial coefficients ``(S, N)`` (default: ones, as the official diffusion-sorption code).
        backward: ``implicit`` (IFT, default) or ``unroll`` (autograd through every LM iteration; a reference).

    Returns:
        ``(w*, info)`` with ``w*`` of shape ``(S, N)``.
    """
    if backward not in BACKWARDS:
        raise ValueError(f"backward must be one of {BACKWARDS}, got {backward!r}")
    if not isinstance(spec, SolveSpec):
        raise TypeError(f"spec must be a SolveSpec, got {type(spec).__name__}")
    for name, v, nd in (("T", T, 4), ("A", A, 3), ("y", y, 2)):
        check_tensor(name, v)
        if v.ndim != nd:
            raise ValueError(f"{name} must have {nd} dimensions, got shape {tuple(v.shape)}")
    S, N = T.shape[0], T.shape[-1]
    if A.shape[0] != S or A.shape[-1] != N or y.shape != A.shape[:2]:
        raise ValueError(
            f"T (S, q, m, N), A (S, n_lin, N) and y (S, n_lin) must agree, got shapes {tuple(T.shape)}, "
            f"{tuple(A.shape)} and {tuple(y.shape)}"
        )
    if w0 is not None and (not isinstance(w0, torch.Tensor) or w0.shape != (S, N)):
        shape = tuple(w0.shape) if isinstance(w0, torch.Tensor) else type(w0).__name__
        raise ValueError(f"w0 must have shape ({S}, {N}), got {shape}")
    if w0 is None:
        w0 = torch.ones(T.shape[0], T.shape[-1], dtype=T.dtype, device=T.device)
    w0 = w0.detach()
    if backward == "unroll":
        return _lm(spec, w0, T, A, y)
    w, n_iter, conv, cost = ImplicitLSQ.apply(T, A, y, w0, spec)
    return w, LMInfo(n_iter=n_iter, converged=conv, final_cost=cost)
