"""Discretisation of ``x' = A x + B u`` with step ``dt`` (the generalised bilinear transform of the paper's technical background, Section 2)."""

from __future__ import annotations

import math

import torch

METHODS = ("bilinear", "gbt", "zoh", "euler", "backward_euler")
_ALPHA = {"bilinear": 0.5, "euler": 0.0, "backward_euler": 1.0}


def discretize(
    A: torch.Tensor,
    B: torch.Tensor,
    dt: torch.Tensor | float,
    method: str = "bilinear",
    alpha: float = 0.5,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Discrete ``(Abar (..., N, N), Bbar (..., N))`` of ``x' = A x + B u`` for steps ``dt``.

    ``A`` is ``(..., N, N)``, ``B`` is ``(..., N)`` and ``dt`` a scalar or a tensor of shape ``(...)``; the
    leading dims broadcast (e.g. one shared ``A`` with one ``dt`` per feature gives ``(H, N, N)``).

    * generalised bilinear transform (GBT): ``Abar = (I - a dt A)^{-1} (I + (1-a) dt A)``,
      ``Bbar = (I - a dt A)^{-1} dt B``; ``method="gbt"`` uses ``alpha``; ``"euler"`` is a=0,
      ``"backward_euler"`` a=1 and ``"bilinear"`` (the paper's default) a=1/2, which maps a Hurwitz ``A`` to
      an ``Abar`` with spectral radius < 1.
    * ``"zoh"`` (zero-order hold, for comparison): ``Abar = exp(dt A)``, ``Bbar = A^{-1} (Abar - I) B``;
      needs an invertible ``A``.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if A.shape[-1] != A.shape[-2]:
        raise ValueError(f"A must be square (..., N, N), got shape {tuple(A.shape)}")
    if B.shape[-1] != A.shape[-1]:
        raise ValueError(f"B must be (..., N) with N={A.shape[-1]}, got shape {tuple(B.shape)}")
    if isinstance(dt, (int, float)) and not (math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be a finite step > 0, got {dt!r}")
    if method == "gbt" and not (isinstance(alpha, (int, float)) and 0.0 <= alpha <= 1.0):
        raise ValueError(f"alpha (the GBT parameter) must be in [0, 1], got {alpha!r}")
    dt_t = torch.as_tensor(dt, dtype=A.dtype, device=A.device)
    N = A.shape[-1]
    eye = torch.eye(N, dtype=A.dtype, device=A.device)
    dtA = dt_t[..., None, None] * A
    dtB = dt_t[..., None] * B
    if method == "zoh":
        Abar = torch.linalg.matrix_exp(dtA)
        try:
            sol = torch.linalg.solve_ex(
                A.expand(*Abar.shape[:-2], N, N),
                ((Abar - eye) @ B[..., None].expand(*Abar.shape[:-1], 1)),
                check_errors=True,
            )
        except RuntimeError as err:
            raise ValueError("zoh discretisation needs an invertible A (A^{-1} appears in Bbar)") from err
        return Abar, sol[0][..., 0]
    a = float(alpha) if method == "gbt" else _ALPHA[method]
    if not 0.0 <= a <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    fwd = eye + (1 - a) * dtA
    if a == 0.0:
        return fwd, dtB.expand(*fwd.shape[:-1]).clone()
    bwd = eye - a * dtA
    rhs = torch.cat([fwd, dtB[..., None].expand(*fwd.shape[:-1], 1)], dim=-1)
    sol = torch.linalg.solve(bwd, rhs)
    return sol[..., :N], sol[..., N]
