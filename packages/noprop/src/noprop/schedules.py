"""Noise schedules of NoProp (Li, Teh & Pascanu, 2025, arXiv:2503.24322).

Time convention used throughout the package (the paper's): ``t = 0`` is pure noise and ``t = T`` (or
``t = 1`` in continuous time) is (almost) the clean label embedding. The marginal of the fixed noising
process is ``q(z_t | y) = N(sqrt(abar_t) u_y, (1 - abar_t) I)`` (paper Eq. 3/4), so ``abar`` increases with
``t`` and ``SNR(t) = abar_t / (1 - abar_t)``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["DiscreteSchedule", "LearnableSchedule", "cosine_alpha_bar", "posterior_coefficients"]


def cosine_alpha_bar(T: int, *, s: float = 0.008, abar_max: float = 0.999) -> torch.Tensor:
    """The cosine schedule ``abar_0..abar_T`` (float64, shape ``(T + 1,)``) with the paper's time direction.

    ``g(tau) = cos^2(pi/2 (1 - tau + s)/(1 + s)) / cos^2(pi/2 s/(1 + s))`` (the improved-DDPM cosine
    schedule, time reversed so that ``g(0) = 0`` is pure noise and ``g(1) = 1`` the label), and
    ``abar_t = min(g(t/T), abar_max)``. The clip keeps ``SNR(T) = abar_T/(1 - abar_T)`` finite (the raw
    schedule has ``SNR(T) = inf``); ``abar_max`` is our choice, the paper only says "cosine schedule".
    """
    if isinstance(T, bool) or not isinstance(T, int):
        raise TypeError(f"T must be an int, got {type(T).__name__}")
    if T < 1:
        raise ValueError(f"T must be >= 1, got {T}")
    if not 0.0 < abar_max < 1.0:
        raise ValueError(f"abar_max must be in (0, 1), got {abar_max}")
    if s < 0:
        raise ValueError(f"s must be >= 0, got {s}")
    tau = torch.arange(T + 1, dtype=torch.float64) / T
    g = torch.cos(math.pi / 2 * (1 - tau + s) / (1 + s)) ** 2 / math.cos(math.pi / 2 * s / (1 + s)) ** 2
    g[0] = 0.0  # exact zero (cos(pi/2) is 6e-17 in floating point)
    return g.clamp(0.0, abar_max)


def posterior_coefficients(abar: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(a, b, c)``, each shape ``(T + 1,)`` (entry 0 is 0), of ``q(z_t | z_{t-1}, y) = N(a_t u_y + b_t z_{t-1},
    c_t I)`` for an increasing schedule ``abar`` (paper Eq. 6; the DDPM posterior with time reversed).

    Vectorised, in the dtype and on the device of ``abar`` (pass float64 for exact identities).
    """
    prev, cur = abar[:-1], abar[1:]
    alpha_prev = prev / cur  # alpha_{t-1} = abar_{t-1} / abar_t
    zero = abar.new_zeros(1)
    a = torch.cat([zero, cur.sqrt() * (1 - alpha_prev) / (1 - prev)])
    b = torch.cat([zero, alpha_prev.sqrt() * (1 - cur) / (1 - prev)])
    c = torch.cat([zero, (1 - cur) * (1 - alpha_prev) / (1 - prev)])
    return a, b, c


class DiscreteSchedule(nn.Module):
    """A fixed discrete schedule ``abar_0 < ... < abar_T`` and the posterior coefficients of NoProp-DT.

    Buffers (all shape ``(T + 1,)``, float32 by default, follow ``.to()``): ``abar``, ``snr`` (``abar/(1-abar)``),
    ``alpha`` (``alpha_t = abar_t / abar_{t+1}`` for ``t < T``, ``alpha_T = 1``), ``snr_diff``
    (``SNR(t) - SNR(t-1)``, entry 0 is 0), and ``a``, ``b``, ``c``: the coefficients of the Gaussian
    ``q(z_t | z_{t-1}, y) = N(a_t u_y + b_t z_{t-1}, c_t I)`` (the DDPM posterior with time reversed, paper
    Eq. 6), entry 0 unused::

        a_t = sqrt(abar_t) (1 - alpha_{t-1}) / (1 - abar_{t-1})
        b_t = sqrt(alpha_{t-1}) (1 - abar_t) / (1 - abar_{t-1})
        c_t = (1 - abar_t)(1 - alpha_{t-1}) / (1 - abar_{t-1})

    Everything is computed in float64 and stored as float32, so the identities
    ``a_t + b_t sqrt(abar_{t-1}) = sqrt(abar_t)`` and ``b_t^2 (1 - abar_{t-1}) + c_t = 1 - abar_t`` hold to
    float32 rounding.
    """

    abar: torch.Tensor
    snr: torch.Tensor
    snr_diff: torch.Tensor
    alpha: torch.Tensor
    a: torch.Tensor
    b: torch.Tensor
    c: torch.Tensor

    def __init__(self, abar: torch.Tensor) -> None:
        super().__init__()
        if not isinstance(abar, torch.Tensor):
            raise TypeError(f"abar must be a torch.Tensor, got {type(abar).__name__}")
        if abar.ndim != 1 or abar.numel() < 2:
            raise ValueError(f"abar must be a 1-d tensor of length T + 1 >= 2, got shape {tuple(abar.shape)}")
        ab = abar.detach().to(torch.float64).cpu()
        if not torch.all(torch.isfinite(ab)) or ab.min() < 0 or ab.max() >= 1:
            raise ValueError(f"abar must lie in [0, 1), got min {ab.min().item()} and max {ab.max().item()}")
        if not torch.all(ab[1:] > ab[:-1]):
            raise ValueError("abar must be strictly increasing (t = 0 is noise, t = T is the label)")
        T = ab.numel() - 1
        snr = ab / (1 - ab)
        alpha = torch.ones_like(ab)
        alpha[:-1] = ab[:-1] / ab[1:]
        a, b, c = posterior_coefficients(ab)
        snr_diff = torch.zeros_like(ab)
        snr_diff[1:] = snr[1:] - snr[:-1]
        self.T = T
        for name, value in dict(abar=ab, snr=snr, snr_diff=snr_diff, alpha=alpha, a=a, b=b, c=c).items():
            self.register_buffer(name, value.to(torch.float32))

    @classmethod
    def cosine(cls, T: int, *, s: float = 0.008, abar_max: float = 0.999) -> DiscreteSchedule:
        """The schedule of :func:`cosine_alpha_bar`."""
        return cls(cosine_alpha_bar(T, s=s, abar_max=abar_max))

    def posterior(self, t: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(a_t, b_t, c_t)`` for ``t`` in ``1..T`` (0-d tensors on the schedule's device)."""
        if not 1 <= int(t) <= self.T:
            raise ValueError(f"t must be in 1..{self.T}, got {t}")
        return self.a[t], self.b[t], self.c[t]

    def extra_repr(self) -> str:
        return f"T={self.T}, abar_T={self.abar[-1].item():.4g}"


class LearnableSchedule(nn.Module):
    """The learnable continuous-time schedule of NoProp-CT (paper Sec. 2.3 / App. B, VDM-style).

    ``gamma(t) = gamma0 + (gamma1 - gamma0) (1 - gbar(t))``, ``SNR(t) = exp(-gamma(t))``,
    ``abar(t) = sigmoid(-gamma(t))``, with ``gbar`` a monotone increasing network normalised so that
    ``gbar(0) = 0`` and ``gbar(1) = 1``: ``h(t) = w t + sum_k v_k sigmoid(u_k t + c_k)`` with positive
    ``w, v, u`` (softplus of free parameters) and ``gbar(t) = (h(t) - h(0)) / (h(1) - h(0))``. The end points
    ``gamma0`` (at ``t = 1``, nearly clean) and ``gamma1`` (at ``t = 0``, nearly pure noise) are fixed; our
    defaults ``-5``/``+5`` are not from the paper. ``snr_prime`` is the closed-form ``dSNR/dt > 0``.
    """

    def __init__(self, *, gamma0: float = -5.0, gamma1: float = 5.0, hidden: int = 16) -> None:
        super().__init__()
        if not gamma0 < gamma1:
            raise ValueError(
                f"gamma0 must be < gamma1 (SNR increases with t), got gamma0={gamma0}, gamma1={gamma1}"
            )
        if hidden < 1:
            raise ValueError(f"hidden must be >= 1, got {hidden}")
        self.gamma0 = float(gamma0)
        self.gamma1 = float(gamma1)
        self.hidden = int(hidden)
        self.w_raw = nn.Parameter(torch.tensor(1.0))
        self.v_raw = nn.Parameter(torch.full((hidden,), -2.0))
        self.u_raw = nn.Parameter(torch.linspace(-1.0, 2.0, hidden))
        self.c = nn.Parameter(torch.linspace(-3.0, 3.0, hidden))

    def _h(self, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        w, v, u = F.softplus(self.w_raw), F.softplus(self.v_raw), F.softplus(self.u_raw)
        s = torch.sigmoid(t.unsqueeze(-1) * u + self.c)
        h = w * t + (v * s).sum(-1)
        dh = w + (v * u * s * (1 - s)).sum(-1)
        return h, dh

    def gbar(self, t: torch.Tensor) -> torch.Tensor:
        """The normalised monotone network, ``gbar(0) = 0``, ``gbar(1) = 1``."""
        h, _ = self._h(t)
        ends, _ = self._h(torch.tensor([0.0, 1.0], dtype=t.dtype, device=t.device))
        return (h - ends[0]) / (ends[1] - ends[0])

    def gamma(self, t: torch.Tensor) -> torch.Tensor:
        """``gamma(t) = gamma0 + (gamma1 - gamma0)(1 - gbar(t))`` (decreasing in t)."""
        return self.gamma0 + (self.gamma1 - self.gamma0) * (1 - self.gbar(t))

    def abar(self, t: torch.Tensor) -> torch.Tensor:
        """``abar(t) = sigmoid(-gamma(t))``."""
        return torch.sigmoid(-self.gamma(t))

    def snr(self, t: torch.Tensor) -> torch.Tensor:
        """``SNR(t) = exp(-gamma(t))``."""
        return torch.exp(-self.gamma(t))

    def snr_prime(self, t: torch.Tensor) -> torch.Tensor:
        """``dSNR/dt = (gamma1 - gamma0) gbar'(t) exp(-gamma(t))`` in closed form (positive)."""
        h, dh = self._h(t)
        ends, _ = self._h(torch.tensor([0.0, 1.0], dtype=t.dtype, device=t.device))
        gbar = (h - ends[0]) / (ends[1] - ends[0])
        dgbar = dh / (ends[1] - ends[0])
        gamma = self.gamma0 + (self.gamma1 - self.gamma0) * (1 - gbar)
        return (self.gamma1 - self.gamma0) * dgbar * torch.exp(-gamma)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.abar(t)

    def extra_repr(self) -> str:
        return f"gamma0={self.gamma0}, gamma1={self.gamma1}, hidden={self.hidden}"
