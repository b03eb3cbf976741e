"""Physics-only training loss (as the official ``gen_compute_loss``) and the evaluation metric."""

from __future__ import annotations

import torch

from physics_moe._checks import check_float, check_tensor
from physics_moe.pdes import PDE1D, _check_field, fd_residual


def relative_l2(pred: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """Per-sample relative L2 error ``||pred - true|| / ||true||`` over all but the first axis.

    Args:
        pred: predictions ``(B, ...)``.
        true: references ``(B, ...)``.

    Returns:
        ``(B,)``.
    """
    check_tensor("pred", pred)
    check_tensor("true", true)
    if pred.ndim < 2:
        raise ValueError(f"pred must have a batch axis and at least one more, got shape {tuple(pred.shape)}")
    if pred.shape != true.shape:
        raise ValueError(
            f"pred and true must have the same shape, got {tuple(pred.shape)} and {tuple(true.shape)}"
        )
    diff = (pred - true).flatten(1).norm(dim=1)
    return diff / true.flatten(1).norm(dim=1).clamp_min(1e-30)


def physics_loss(
    pde: PDE1D,
    u: torch.Tensor,
    t: torch.Tensor,
    x: torch.Tensor,
    u0: torch.Tensor,
    bc: torch.Tensor | None = None,
    *,
    w_pde: float = 1.0,
    w_ic: float = 1.0,
    w_bc: float = 1.0,
) -> dict[str, torch.Tensor]:
    """``w_pde mean_b ||F(u)||_2 + w_ic mean_b ||u(0) - u0||_2 + w_bc mean_b ||BC rows||_2`` (no interior data).

    The PDE residual is taken on the whole grid (finite differences of the assembled ``u``), so the jumps of the
    mixture-of-experts output at block interfaces are seen by the loss, as in the paper.

    Args:
        pde: the PDE.
        u: field ``(B, n_t, n_x)``.
        t: time nodes ``(n_t,)``.
        x: space nodes ``(n_x,)``.
        u0: initial condition ``(B, n_x)``.
        bc: boundary values ``(B, n_t, 2)`` or None (the PDE's default).
        w_pde: weight of the PDE term.
        w_ic: weight of the initial-condition term.
        w_bc: weight of the boundary term.

    Returns:
        ``{"loss", "pde", "ic", "bc"}`` (scalars).
    """
    for name, v in (("w_pde", w_pde), ("w_ic", w_ic), ("w_bc", w_bc)):
        check_float(name, v, lo=0.0)
    _check_field(pde, u, t, x)
    check_tensor("u0", u0)
    if u0.shape != (u.shape[0], u.shape[2]):
        raise ValueError(f"u0 must have shape ({u.shape[0]}, {u.shape[2]}) to match u, got {tuple(u0.shape)}")
    if bc is not None:
        check_tensor("bc", bc)
        if bc.shape != (u.shape[0], u.shape[1], 2):
            raise ValueError(
                f"bc must have shape ({u.shape[0]}, {u.shape[1]}, 2) (left, right), got {tuple(bc.shape)}"
            )
    res = fd_residual(pde, u, t, x)
    pde_term = res.flatten(1).norm(dim=1).mean()
    ic_term = (u[:, 0] - u0.to(u)).norm(dim=1).mean()
    terms = pde.residual_terms(u.unsqueeze(-1), t.to(u), x.to(u))
    rows = pde.bc_rows(terms, None if bc is None else bc.to(u))
    bc_term = torch.zeros((), dtype=u.dtype, device=u.device)
    if rows is not None:
        a, y = rows
        bc_term = (a.squeeze(-1) - y).norm(dim=1).mean()
    loss = w_pde * pde_term + w_ic * ic_term + w_bc * bc_term
    return {"loss": loss, "pde": pde_term, "ic": ic_term, "bc": bc_term}
