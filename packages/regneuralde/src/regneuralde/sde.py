"""Experimental: the ERNODE regulariser for neural SDEs (paper Sec. 3 / the released ``mnist_nsde`` and toy-SDE code).

The paper regularises the local error estimate of StochasticDiffEq's adaptive SOSRI (a strong-order-1.5 stochastic
Runge-Kutta method with an embedded estimate). That solver is large; following the design note of this package's
spec, this module uses a smaller adaptive *embedded pair* for Ito SDEs with diagonal noise,

    dz = f(t, z) dt + g(t, z) * dW        (``g`` returns one diffusion value per state element),

with the same scaled-error machinery as the ODE solver:

* low order: Euler-Maruyama ``z~ = z + h f(z) + g(z) dW`` (strong order 0.5);
* high order: trapezoidal drift + derivative-free Milstein (Kloeden & Platen 1992, Sec. 11.1), strong order 1
  for diagonal noise: ``z+ = z + h/2 (f(z) + f(z~)) + g(z) dW + (g(u) - g(z)) / (2 sqrt(h)) (dW^2 - h)`` with
  ``u = z + h f(z) + g(z) sqrt(h)``; the step continues from ``z+`` (local extrapolation);
* error estimate ``eps = z+ - z~`` and ``EEst = RMS(eps / (atol + rtol max(|z|, |z+|)))``; accept iff
  ``EEst <= 1``; new step ``h * clamp(0.9 EEst^(-1/2), 0.2, 10)`` (an I-controller for a first-order error).

Rejected steps re-use the Brownian path: :class:`BrownianPath` stores every value it has drawn and samples new
times from the Brownian bridge between its neighbours, so a shorter retry sees exactly the same path (the idea of
Rackauckas & Nie's RSwM, without rejection sampling). The regulariser is the ODE one,
:func:`regneuralde.error_regularizer` on the returned :class:`SDEStats` (``agg_j EEst_j h_j``); the released
toy-SDE code used ``0.2 * sum``, the MNIST-NSDE code ``10 * mean``.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
from collections.abc import Callable

import torch
from torch import nn

from regneuralde.solver import check_options

SDEFunc = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class BrownianPath:
    """A Brownian motion ``W(t)`` (shape ``shape``, ``W(t0) = 0``) sampled lazily and consistently.

    A query at a time between two stored times draws from the Brownian bridge between them; a query after the last
    stored time adds an independent Gaussian increment. Values are stored, so repeated queries (e.g. after a
    rejected step) return the same path.
    """

    def __init__(
        self,
        t0: float,
        shape: torch.Size | tuple[int, ...],
        *,
        dtype: torch.dtype = torch.float64,
        device: torch.device | str | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TypeError(f"dtype must be a floating-point torch.dtype, got {dtype!r}")
        self.shape, self.dtype, self.generator = tuple(shape), dtype, generator
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self._t: list[float] = [float(t0)]
        self._w: list[torch.Tensor] = [torch.zeros(self.shape, dtype=dtype, device=self.device)]

    def _normal(self) -> torch.Tensor:
        # draw on the generator's device (CPU by default), then move: results do not depend on the state's device
        gen_dev = self.generator.device if self.generator is not None else torch.device("cpu")
        x = torch.randn(self.shape, dtype=self.dtype, device=gen_dev, generator=self.generator)
        return x.to(self.device)

    def __call__(self, t: float) -> torch.Tensor:
        t = float(t)
        if t < self._t[0]:
            raise ValueError(f"t must be >= t0={self._t[0]}, got {t}")
        i = bisect.bisect_left(self._t, t)
        if i < len(self._t) and self._t[i] == t:
            return self._w[i]
        if i == len(self._t):  # beyond the last stored time: an independent increment
            w = self._w[-1] + math.sqrt(t - self._t[-1]) * self._normal()
        else:  # Brownian bridge between the neighbours (t_a, W_a) and (t_b, W_b)
            ta, tb, wa, wb = self._t[i - 1], self._t[i], self._w[i - 1], self._w[i]
            frac = (t - ta) / (tb - ta)
            w = wa + frac * (wb - wa) + math.sqrt((t - ta) * (tb - t) / (tb - ta)) * self._normal()
        self._t.insert(i, t)
        self._w.insert(i, w)
        return w


@dataclasses.dataclass
class SDEStats:
    """What the SDE solver did; ``eest`` stays attached to the autograd graph (``h`` is a constant)."""

    nfe: int  # drift evaluations
    nfe_diffusion: int  # diffusion evaluations
    n_accepted: int
    n_rejected: int
    t: torch.Tensor  # (steps,)
    h: torch.Tensor  # (steps,)
    eest: torch.Tensor  # (steps,)


def _rms(x: torch.Tensor) -> torch.Tensor:
    return x.pow(2).mean().sqrt()


def _call(fn: SDEFunc, name: str, t: float, z: torch.Tensor) -> torch.Tensor:
    out = fn(torch.as_tensor(t, dtype=z.dtype, device=z.device), z)
    if not isinstance(out, torch.Tensor) or out.shape != z.shape or out.dtype != z.dtype:
        got = (tuple(out.shape), out.dtype) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(
            f"the {name} must return a tensor like the state {(tuple(z.shape), z.dtype)} (diagonal noise), got {got}"
        )
    return out


def sde_step(
    f: SDEFunc,
    g: SDEFunc,
    t: float,
    z: torch.Tensor,
    h: float,
    dw: torch.Tensor,
    f0: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One step of the embedded pair: returns ``(z_high, z_low, f(t, z))`` (the error is ``z_high - z_low``)."""
    f0 = _call(f, "drift", t, z) if f0 is None else f0
    g0 = _call(g, "diffusion", t, z)
    z_low = z + h * f0 + g0 * dw  # Euler-Maruyama
    f1 = _call(f, "drift", t + h, z_low)
    sq = math.sqrt(h)
    g_sup = _call(g, "diffusion", t, z + h * f0 + g0 * sq)
    z_high = z + 0.5 * h * (f0 + f1) + g0 * dw + (g_sup - g0) * ((dw * dw - h) / (2 * sq))
    return z_high, z_low, f0


def solve_sde(
    f: SDEFunc,
    g: SDEFunc,
    z0: torch.Tensor,
    t_eval: torch.Tensor | tuple[float, float] | list[float],
    *,
    rtol: float = 1e-3,
    atol: float = 1e-3,
    adaptive: bool = True,
    dt: float | None = None,
    bm: BrownianPath | None = None,
    generator: torch.Generator | None = None,
    max_steps: int = 100_000,
) -> tuple[torch.Tensor, SDEStats]:
    """Solve the Ito SDE ``dz = f dt + g dW`` (diagonal noise) and return ``z`` at every ``t_eval`` (experimental).

    Args:
        f: drift ``(t, z) -> tensor shaped like z``.
        g: diffusion ``(t, z) -> tensor shaped like z`` (diagonal noise).
        z0: initial state (a batch shares one step-size sequence; each element has its own Brownian motion).
        t_eval: strictly increasing output times (steps are shortened to land on them).
        rtol: relative tolerance of ``EEst`` (the released NSDE code used 0.14, the toy SDE 0.3).
        atol: absolute tolerance of ``EEst`` (likewise).
        adaptive: ``False`` takes fixed steps of size ``dt`` (no rejection; ``EEst`` is still recorded).
        dt: the first (adaptive) or every (fixed) step; default ``(t1 - t0) / 100``.
        bm: the Brownian path to use (to share noise between solves); default a new one from ``generator``.

    Returns:
        ``(z, stats)`` with ``z`` of shape ``(len(t_eval), *z0.shape)``.
    """
    if not isinstance(z0, torch.Tensor) or not z0.is_floating_point():
        raise TypeError(f"z0 must be a floating-point tensor, got {getattr(z0, 'dtype', type(z0).__name__)}")
    if z0.numel() == 0:
        raise ValueError(
            f"z0 must hold at least one value, got an empty tensor of shape {tuple(z0.shape)} (an empty batch?)"
        )
    if not (isinstance(rtol, (int, float)) and rtol > 0):
        raise ValueError(f"rtol must be > 0, got {rtol!r}")
    if not (isinstance(atol, (int, float)) and atol >= 0):
        raise ValueError(f"atol must be >= 0, got {atol!r}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ValueError(f"max_steps must be a positive int, got {max_steps!r}")
    times_t = torch.as_tensor(t_eval, dtype=torch.float64).detach().cpu()
    if times_t.dim() != 1 or len(times_t) < 2 or not torch.all(times_t[1:] > times_t[:-1]):
        raise ValueError(
            f"t_eval must be a strictly increasing 1-d list of >= 2 times, got {times_t.tolist()}"
        )
    times = times_t.tolist()
    h = (times[-1] - times[0]) / 100 if dt is None else float(dt)
    if not h > 0:
        raise ValueError(f"dt must be > 0, got {dt!r}")
    if bm is not None and generator is not None:
        raise ValueError(
            "give bm or generator, not both (the generator would be ignored: bm holds the noise)"
        )
    if bm is None:
        bm = BrownianPath(times[0], z0.shape, dtype=z0.dtype, device=z0.device, generator=generator)
    elif bm.shape != tuple(z0.shape):
        raise ValueError(f"bm has shape {bm.shape}, expected the state's {tuple(z0.shape)}")
    t, z, f0 = times[0], z0, None
    outputs, next_out = [z0], 1
    rec_t: list[float] = []
    rec_h: list[float] = []
    rec_e: list[torch.Tensor] = []
    nfe = nfe_g = n_acc = n_rej = 0
    while next_out < len(times):
        if n_acc + n_rej >= max_steps:
            raise RuntimeError(f"max_steps={max_steps} reached at t={t:.6g} before t={times[-1]:.6g}")
        target = times[next_out]
        hs = min(h, target - t)
        if t + hs == t:
            raise RuntimeError(f"step size underflow at t={t:.6g} (h={hs:.3g})")
        dw = bm(t + hs) - bm(t)
        had_f0 = f0 is not None
        z_hi, z_lo, f0 = sde_step(f, g, t, z, hs, dw, f0)
        nfe += 1 if had_f0 else 2
        nfe_g += 2
        scale = atol + rtol * torch.maximum(z.abs(), z_hi.abs())
        eest = _rms((z_hi - z_lo) / scale)
        e = float(eest.detach())
        if not math.isfinite(e):
            raise FloatingPointError(
                f"non-finite error estimate at step {n_acc + n_rej} (t={t:.6g}, h={hs:.3g}): the drift or diffusion returned NaN or inf"
            )
        if not adaptive or e <= 1.0:
            rec_t.append(t)
            rec_h.append(hs)
            rec_e.append(eest)
            reached = abs(t + hs - target) <= 1e-12 * max(1.0, abs(target))
            t, z, f0 = (target if reached else t + hs), z_hi, None
            if reached:
                outputs.append(z)
                next_out += 1
            n_acc += 1
            if adaptive:
                h = hs * (10.0 if e == 0 else min(10.0, max(0.2, 0.9 * e**-0.5)))
        else:
            n_rej += 1
            h = hs * min(1.0, max(0.2, 0.9 * e**-0.5))
    dev = z0.device
    stats = SDEStats(
        nfe=nfe,
        nfe_diffusion=nfe_g,
        n_accepted=n_acc,
        n_rejected=n_rej,
        t=torch.tensor(rec_t, dtype=z0.dtype, device=dev),
        h=torch.tensor(rec_h, dtype=z0.dtype, device=dev),
        eest=torch.stack(rec_e) if rec_e else z0.new_zeros(0),
    )
    return torch.stack(outputs), stats


class NeuralSDE(nn.Module):
    """Neural SDE ``dz = drift(t, z) dt + diffusion(t, z) dW`` with the ERNODE regulariser (experimental).

    Args:
        drift: module ``(t, z) -> tensor like z``.
        diffusion: module ``(t, z) -> tensor like z`` (diagonal noise).
        t_span: integration interval.
        rtol: relative solver tolerance (paper's NSDE code: 0.14).
        atol: absolute solver tolerance (paper's NSDE code: 0.14).
        regularize: ``None`` or ``"error"`` (``agg_j EEst_j h_j``).
        reduction: ``"mean"`` (MNIST-NSDE code) or ``"sum"`` (toy-SDE code).
    """

    def __init__(
        self,
        drift: nn.Module,
        diffusion: nn.Module,
        *,
        t_span: tuple[float, float] = (0.0, 1.0),
        rtol: float = 0.14,
        atol: float = 0.14,
        regularize: str | None = None,
        reduction: str = "mean",
        max_steps: int = 100_000,
    ) -> None:
        super().__init__()
        if regularize not in (None, "error"):
            raise ValueError(f"regularize must be None or 'error' for SDEs, got {regularize!r}")
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        check_options(t_span=t_span, rtol=rtol, atol=atol, max_steps=max_steps)
        self.drift, self.diffusion = drift, diffusion
        self.t_span = (float(t_span[0]), float(t_span[1]))
        self.rtol, self.atol, self.regularize, self.reduction = rtol, atol, regularize, reduction
        self.max_steps = max_steps

    def forward(
        self,
        z0: torch.Tensor,
        t_eval: torch.Tensor | None = None,
        *,
        bm: BrownianPath | None = None,
        generator: torch.Generator | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, SDEStats]:
        """Returns ``(z, reg, stats)``: ``z`` at ``t1`` (or every ``t_eval``) and the regulariser (0 if disabled)."""
        times = torch.tensor(self.t_span, dtype=torch.float64) if t_eval is None else t_eval
        z, stats = solve_sde(
            self.drift,
            self.diffusion,
            z0,
            times,
            rtol=self.rtol,
            atol=self.atol,
            bm=bm,
            generator=generator,
            max_steps=self.max_steps,
        )
        if self.regularize == "error" and stats.eest.numel():
            r = stats.eest * stats.h
            reg = r.mean() if self.reduction == "mean" else r.sum()
        else:
            reg = z0.new_zeros(())
        return (z[-1] if t_eval is None else z), reg, stats

    def extra_repr(self) -> str:
        return (
            f"t_span={self.t_span}, rtol={self.rtol}, atol={self.atol}, regularize={self.regularize!r}, "
            f"reduction={self.reduction!r}"
        )
