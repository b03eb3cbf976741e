"""Batched Levenberg-Marquardt for small non-linear least-squares problems ``min_w 1/2 ||r(w)||^2``.

Damping follows Nielsen's gain-ratio rule: a step solves ``(J^T J + mu D) delta = -J^T r`` (``D = I`` or Marquardt's
``diag(J^T J)``); with ``rho = (actual decrease) / (predicted decrease)`` an accepted step (``rho > 0``) sets
``mu <- mu max(1/3, 1 - (2 rho - 1)^3)``, ``nu <- 2`` and a rejected one ``mu <- mu nu``, ``nu <- 2 nu``. A problem
stops when an accepted step has ``||delta|| <= rtol ||w|| + atol`` (a step whose
predicted decrease is below the round-off of the cost is taken) or after ``max_iter`` iterations; converged problems are frozen while
the others go on. The Jacobian comes from ``torch.func.jacfwd`` vmapped over the batch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import torch
from torch.func import jacfwd, vmap

from physics_moe._checks import check_float, check_int, check_tensor


@dataclasses.dataclass
class LMInfo:
    """What the solver did, per problem: ``n_iter`` (long), ``converged`` (bool), ``final_cost`` (1/2 ||r||^2)."""

    n_iter: torch.Tensor
    converged: torch.Tensor
    final_cost: torch.Tensor


SCALINGS = ("identity", "marquardt")


def levenberg_marquardt(
    residual_fn: Callable[..., torch.Tensor],
    w0: torch.Tensor,
    args: tuple[Any, ...] = (),
    *,
    max_iter: int = 50,
    rtol: float = 1e-4,
    atol: float = 1e-4,
    tau: float = 1e-3,
    scaling: str = "identity",
    jacobian_fn: Callable[..., torch.Tensor] | None = None,
) -> tuple[torch.Tensor, LMInfo]:
    """Solve a batch of independent least-squares problems.

    Gradients flow through the iterations when autograd is on and the inputs need them (the ``unroll`` backward);
    the hard-constraint layer calls this under ``torch.no_grad`` and differentiates implicitly instead.

    Args:
        residual_fn: ``residual_fn(w, *args_i) -> r`` for ONE problem (``w`` of shape ``(N,)``, ``r`` of ``(M,)``);
            it is vmapped over the leading axis of ``w0`` and of every tensor in ``args``. With ``jacobian_fn``
            it is called on the whole batch instead (``(S, N) -> (S, M)``).
        w0: initial coefficients ``(S, N)``.
        args: per-problem tensors with leading axis ``S``.
        max_iter: maximum number of iterations (the paper uses 50).
        rtol: relative step tolerance.
        atol: absolute step tolerance.
        tau: initial damping relative to the largest diagonal entry of ``J^T J`` (Nielsen's tau); 0 makes the
            first step a Gauss-Newton step (exact for a linear residual).
        scaling: ``identity`` (``D = I``) or ``marquardt`` (``D = diag(J^T J)``).
        jacobian_fn: batched closed-form Jacobian ``(S, N) -> (S, M, N)``; None: ``vmap(jacfwd(residual_fn))``.

    Returns:
        ``(w, info)``: the solution ``(S, N)`` and an :class:`LMInfo`.
    """
    if scaling not in SCALINGS:
        raise ValueError(f"scaling must be one of {SCALINGS}, got {scaling!r}")
    check_int("max_iter", max_iter)
    for name, v in (("rtol", rtol), ("atol", atol), ("tau", tau)):
        check_float(name, v, lo=0.0)
    if not callable(residual_fn):
        raise TypeError(f"residual_fn must be callable, got {type(residual_fn).__name__}")
    check_tensor("w0", w0)
    if w0.ndim != 2:
        raise ValueError(f"w0 must have shape (S, N), got {tuple(w0.shape)}")
    if not bool(torch.isfinite(w0).all()):
        raise ValueError("w0 has NaN or infinite values")
    if jacobian_fn is None:
        fun, jac = vmap(residual_fn), vmap(jacfwd(residual_fn))
    else:
        fun, jac = residual_fn, jacobian_fn
    w = w0
    r = fun(w, *args)
    cost = 0.5 * (r * r).sum(-1)
    J = jac(w, *args)
    S, N = w.shape
    eye = torch.eye(N, dtype=w.dtype, device=w.device)
    jtj = J.transpose(-1, -2) @ J
    diag = torch.diagonal(jtj, dim1=-2, dim2=-1)
    mu = (tau * diag.amax(-1)).detach().clamp_min(torch.finfo(w.dtype).tiny if tau == 0 else 1e-12)
    nu = torch.full_like(mu, 2.0)
    n_iter = torch.zeros(S, dtype=torch.long, device=w.device)
    converged = torch.zeros(S, dtype=torch.bool, device=w.device)
    for _ in range(max_iter):
        active = ~converged
        g = (J.transpose(-1, -2) @ r.unsqueeze(-1)).squeeze(-1)
        jtj = J.transpose(-1, -2) @ J
        dmat = (
            eye
            if scaling == "identity"
            else torch.diag_embed(torch.diagonal(jtj, dim1=-2, dim2=-1).clamp_min(1e-12))
        )
        a = jtj + mu[:, None, None] * dmat
        delta = torch.linalg.solve(a, -g.unsqueeze(-1)).squeeze(-1)
        w_try = w + delta
        r_try = fun(w_try, *args)
        cost_try = 0.5 * (r_try * r_try).sum(-1)
        pred = 0.5 * (delta * ((mu[:, None] * (dmat @ delta.unsqueeze(-1)).squeeze(-1)) - g)).sum(-1)
        actual = cost - cost_try
        ratio = torch.where(pred > 0, actual / pred.clamp_min(1e-300), torch.full_like(pred, -1.0)).detach()
        # a step whose predicted decrease is below the round-off of the cost cannot be judged by the gain ratio:
        # near the optimum it is the Gauss-Newton step, so take it (without it LM stalls at |grad| ~ sqrt(eps))
        floor = pred.detach().abs() <= 16 * torch.finfo(w.dtype).eps * cost.detach().abs()
        accept = ((ratio > 0) | floor) & active & torch.isfinite(cost_try)
        ratio = torch.where(floor, torch.ones_like(ratio), ratio)
        a3 = accept[:, None]
        w = torch.where(a3, w_try, w)
        r = torch.where(a3, r_try, r)
        cost = torch.where(accept, cost_try, cost)
        J = torch.where(accept[:, None, None], jac(w, *args), J)
        shrink = torch.clamp(1 - (2 * ratio - 1) ** 3, min=1 / 3)
        mu = torch.where(accept, mu * shrink, torch.where(active, mu * nu, mu))
        nu = torch.where(accept, torch.full_like(nu, 2.0), torch.where(active, nu * 2, nu))
        step = delta.detach().norm(dim=-1)
        small = step <= rtol * w.detach().norm(dim=-1) + atol
        n_iter = n_iter + active.long()
        converged = converged | (active & accept & small)
        if bool(converged.all()):
            break
    return w, LMInfo(n_iter=n_iter, converged=converged, final_cost=cost.detach())
