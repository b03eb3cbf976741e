"""Exact solutions used as data (no numerical solver needed): Fisher-KPP travelling fronts and heat modes."""

from __future__ import annotations

import math

import torch

from physics_moe._checks import check_float, check_int, check_tensor


def fisher_kpp_exact(x: torch.Tensor, t: torch.Tensor, x0: torch.Tensor) -> torch.Tensor:
    """Ablowitz-Zeppetella front of ``u_t = u_xx + u (1 - u)``: ``u = [1 + exp((x - x0)/sqrt(6) - 5 t / 6)]^-2``.

    Args:
        x: space nodes ``(n_x,)``.
        t: time nodes ``(n_t,)``.
        x0: front shifts ``(B,)``.

    Returns:
        ``(B, n_t, n_x)``.
    """
    for name, v in (("x", x), ("t", t), ("x0", x0)):
        check_tensor(name, v)
        if v.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {tuple(v.shape)}")
    z = (x.reshape(1, 1, -1) - x0.reshape(-1, 1, 1)) / math.sqrt(6) - 5 * t.reshape(1, -1, 1) / 6
    return torch.sigmoid(-z) ** 2  # (1 + e^z)^-2 without overflow


def fisher_kpp_dataset(
    n: int,
    *,
    nx: int = 64,
    nt: int = 32,
    x_range: tuple[float, float] = (-10.0, 20.0),
    t_range: tuple[float, float] = (0.0, 4.0),
    x0_range: tuple[float, float] = (-5.0, 5.0),
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
) -> dict[str, torch.Tensor]:
    """Fisher-KPP fronts with random shifts ``x0 ~ U(x0_range)`` and their exact Dirichlet boundary values.

    Args:
        n: number of solutions.
        nx: space nodes.
        nt: time nodes.
        x_range: space interval.
        t_range: time interval.
        x0_range: range of the front's initial position.
        seed: seed of the shifts.
        dtype: dtype of the tensors.

    Returns:
        ``{"t": (nt,), "x": (nx,), "x0": (n,), "u0": (n, nx), "bc": (n, nt, 2), "u": (n, nt, nx)}``.
    """
    check_int("n", n)
    check_int("nx", nx, 3)
    check_int("nt", nt, 2)
    check_int("seed", seed, 0)
    for name, r in (("x_range", x_range), ("t_range", t_range), ("x0_range", x0_range)):
        if not isinstance(r, (tuple, list)) or len(r) != 2:
            raise ValueError(f"{name} must be a (low, high) pair, got {r!r}")
        lo, hi = check_float(name, r[0]), check_float(name, r[1])
        if not lo < hi:
            raise ValueError(f"{name} must be (low, high) with low < high, got {r!r}")
    if not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating-point dtype, got {dtype}")
    g = torch.Generator().manual_seed(seed)
    x = torch.linspace(*x_range, nx, dtype=dtype)
    t = torch.linspace(*t_range, nt, dtype=dtype)
    x0 = x0_range[0] + (x0_range[1] - x0_range[0]) * torch.rand(n, generator=g, dtype=dtype)
    u = fisher_kpp_exact(x, t, x0)
    return {"t": t, "x": x, "x0": x0, "u0": u[:, 0], "bc": torch.stack([u[:, :, 0], u[:, :, -1]], -1), "u": u}


def heat_exact(x: torch.Tensor, t: torch.Tensor, a: torch.Tensor, *, nu: float = 0.01) -> torch.Tensor:
    """``u = sum_k a_k exp(-nu k^2 pi^2 t) sin(k pi x)`` on ``[0, 1]`` with zero Dirichlet conditions.

    Args:
        x: space nodes ``(n_x,)``.
        t: time nodes ``(n_t,)``.
        a: mode amplitudes ``(B, n_modes)`` (mode ``k = 1 .. n_modes``).
        nu: diffusivity.

    Returns:
        ``(B, n_t, n_x)``.
    """
    check_tensor("a", a)
    if a.ndim != 2:
        raise ValueError(f"a must have shape (B, n_modes), got {tuple(a.shape)}")
    modes = heat_modes(x, t, a.shape[-1], nu=nu)  # (n_t, n_x, K)
    return torch.einsum("txk,bk->btx", modes, a.to(x.dtype))


def heat_modes(x: torch.Tensor, t: torch.Tensor, n_modes: int, *, nu: float = 0.01) -> torch.Tensor:
    """The separable heat solutions ``exp(-nu k^2 pi^2 t) sin(k pi x)``, ``k = 1 .. n_modes``.

    Args:
        x: space nodes ``(n_x,)``.
        t: time nodes ``(n_t,)``.
        n_modes: number of modes.
        nu: diffusivity.

    Returns:
        ``(n_t, n_x, n_modes)``.
    """
    check_tensor("x", x)
    check_tensor("t", t)
    check_int("n_modes", n_modes)
    check_float("nu", nu, lo=0.0, lo_open=True)
    k = torch.arange(1, n_modes + 1, dtype=x.dtype)
    return torch.exp(-nu * (k * math.pi) ** 2 * t.reshape(-1, 1, 1)) * torch.sin(
        k * math.pi * x.reshape(1, -1, 1)
    )
