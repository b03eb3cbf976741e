"""HiPPO transition matrices (paper Section 2 and Appendix B.2) and their tridiagonal-inverse parameterisation.

Convention everywhere in this package: the continuous-time system is ``x' = A x + B u`` with ``A`` Hurwitz
(eigenvalues in the left half plane). Appendix B.2 of the paper prints the matrices of ``x' = -A x + B u``
(positive entries); the signs here are flipped accordingly.
"""

from __future__ import annotations

import math

import torch

MEASURES = ("legs", "legt", "lagt")


def _check_n(N: int) -> None:
    if isinstance(N, bool) or not isinstance(N, int):
        raise TypeError(f"N must be an int, got {type(N).__name__}")
    if N < 1:
        raise ValueError(f"N (the state size) must be >= 1, got {N}")


def hippo(
    measure: str,
    N: int,
    *,
    halve_legt: bool = True,
    beta: float = 1.0,
    dtype: torch.dtype = torch.float64,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The HiPPO matrices ``(A (N, N), B (N,))`` of a measure, for ``x' = A x + B u``.

    * ``legs`` (scaled Legendre, the paper's default): ``A_nk = -sqrt((2n+1)(2k+1))`` for ``n > k``,
      ``-(n+1)`` on the diagonal, 0 above; ``B_n = sqrt(2n+1)``. Eigenvalues are exactly ``-1, ..., -N``.
    * ``legt`` (translated Legendre, the LMU): ``A_nk = -sqrt((2n+1)(2k+1)) * (1 if n >= k else (-1)^(n-k))``,
      ``B_n = sqrt(2n+1)``; with ``halve_legt`` (default, as in the official ``hippo.transition``) both are
      multiplied by 1/2.
    * ``lagt`` (translated Laguerre): ``A = I/2 - tril(ones)``, ``B = beta * ones``.
    """
    _check_n(N)
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not (math.isfinite(beta) and beta > 0):
        raise ValueError(f"beta must be a finite number > 0, got {beta!r}")
    n = torch.arange(N, dtype=torch.float64)
    r = torch.sqrt(2 * n + 1)
    if measure == "legs":
        A = -torch.tril(r[:, None] * r[None, :], diagonal=-1) - torch.diag(n + 1)
        B = r.clone()
    elif measure == "legt":
        diff = n[:, None] - n[None, :]
        sign = torch.where(diff >= 0, torch.ones_like(diff), (-1.0) ** diff)
        A = -(r[:, None] * r[None, :]) * sign
        B = r.clone()
        if halve_legt:
            A, B = A / 2, B / 2
    else:
        A = 0.5 * torch.eye(N, dtype=torch.float64) - torch.tril(torch.ones(N, N, dtype=torch.float64))
        B = float(beta) * torch.ones(N, dtype=torch.float64)
    return A.to(dtype), B.to(dtype)


def random_transition(
    N: int, *, generator: torch.Generator | None = None, dtype: torch.dtype = torch.float64
) -> tuple[torch.Tensor, torch.Tensor]:
    """The paper's random-A control as in the official layer's ``measure="random"``: ``A ~ N(0, 1) / N``
    (entries, so ``E[A A^T] = I / N``) and ``B = 1`` (all ones, "based on HiPPO matrices" upstream)."""
    _check_n(N)
    A = torch.randn(N, N, generator=generator, dtype=torch.float64) / N
    B = torch.ones(N, dtype=torch.float64)
    return A.to(dtype), B.to(dtype)


def tridiag_inverse_init(
    measure: str, N: int, *, halve_legt: bool = True, dtype: torch.dtype = torch.float64
) -> dict[str, torch.Tensor]:
    """Initial values of the learnable structured transition of the full LSSL (Section 4 / Appendix B.3).

    The parameterisation (official ``TriDInverse`` transition) is ``A = -P_l (T^{-1} + diag(c)) P_r`` and
    ``B = P_l b`` with ``T`` tridiagonal (sub-diagonal ``dl``, diagonal ``d``, super-diagonal ``du``) and
    ``P_l = diag(pl)``, ``P_r = diag(pr)``: a low-recurrence-width (quasiseparable) family that contains every
    HiPPO matrix. These inits reproduce :func:`hippo` exactly (LegT halved with ``halve_legt``, which the
    official code does not do: here learned and fixed LegT share one convention).
    Returns seven length-N vectors ``dl, d, du, pl, pr, c, b`` (``dl[0]`` and ``du[-1]`` are unused).
    """
    _check_n(N)
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)} for a learned A, got {measure!r}")
    n = torch.arange(N, dtype=torch.float64)
    ones = torch.ones(N, dtype=torch.float64)
    zeros = torch.zeros(N, dtype=torch.float64)
    if measure == "legs":
        p = torch.sqrt(2 * n + 1)
        dl, d, du, c, b = -ones, ones.clone(), zeros.clone(), -n / (2 * n + 1), ones.clone()
    elif measure == "lagt":
        p = ones.clone()
        dl, d, du, c, b = -ones, ones.clone(), zeros.clone(), -0.5 * ones, ones.clone()
    else:
        p = torch.sqrt(2 * n + 1)
        dl, du, d = -0.5 * ones, 0.5 * ones, zeros.clone()
        d[0] += 0.5
        d[-1] += 0.5
        c, b = zeros.clone(), ones.clone()
        if halve_legt:
            p = p / math.sqrt(2)
            b = b / math.sqrt(2)
    out = {"dl": dl, "d": d, "du": du, "pl": p.clone(), "pr": p.clone(), "c": c, "b": b}
    return {k: v.to(dtype) for k, v in out.items()}


def tridiag_inverse_transition(
    dl: torch.Tensor,
    d: torch.Tensor,
    du: torch.Tensor,
    pl: torch.Tensor,
    pr: torch.Tensor,
    c: torch.Tensor,
    b: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(A, B)`` from the tridiagonal-inverse parameters (any leading batch dims, last dim N).

    ``A = -diag(pl) (T^{-1} + diag(c)) diag(pr)``, ``B = pl * b``. ``T^{-1}`` is built densely by one
    ``N x N`` linear solve (the official code uses a CUDA-only tridiagonal extension; dense is exact and runs
    on any device for the N <= 256 the paper uses).
    """
    N = d.shape[-1]
    T = (
        torch.diag_embed(d)
        + torch.diag_embed(dl[..., 1:], offset=-1)
        + torch.diag_embed(du[..., :-1], offset=1)
    )
    eye = torch.eye(N, dtype=d.dtype, device=d.device).expand_as(T)
    Tinv = torch.linalg.solve(T, eye)
    M = Tinv + torch.diag_embed(c)
    A = -(pl[..., :, None] * M * pr[..., None, :])
    return A, pl * b
