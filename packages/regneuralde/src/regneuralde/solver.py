"""A batched adaptive Runge-Kutta solver that returns, with the solution, the solver's own heuristics.

Every accepted step records its start time ``t_j``, size ``h_j``, the scaled local error estimate ``EEst_j``
and a stiffness estimate ``S_j``; ``EEst_j`` and ``S_j`` stay attached to the autograd graph, so a loss that
uses them is differentiated through the solver's internal operations (the discrete adjoint the paper uses).
Step-size decisions are taken from detached values, so ``h_j`` enters the graph as a constant.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable

import torch

from regneuralde.tableaus import DENSE_WEIGHTS, TABLEAUS, ButcherTableau

ODEFunc = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
CONTROLLERS = ("pi", "i")
STIFFNESS_NORMS = ("ratio_of_norms", "max_ratio")
DENSE = ("interpolant", "hermite", "exact")


@dataclasses.dataclass
class SolverStats:
    """What the solver did: function evaluations, steps, and per accepted step its heuristics."""

    nfe: int
    n_accepted: int
    n_rejected: int
    t: torch.Tensor  # (steps,) start time of each accepted step
    h: torch.Tensor  # (steps,) size of each accepted step
    eest: torch.Tensor  # (steps,) scaled error estimate (differentiable)
    stiffness: torch.Tensor  # (steps,) stiffness estimate |lambda| (differentiable)
    tableau: ButcherTableau


def _rms(x: torch.Tensor) -> torch.Tensor:
    return x.pow(2).mean().sqrt()


def check_options(
    *,
    t_span: object,
    rtol: object,
    atol: object,
    max_steps: object,
    method: object = "tsit5",
    controller: object = "pi",
) -> None:
    """The solver options a module takes at construction, checked there (not at the first forward pass)."""
    if (
        not isinstance(t_span, (tuple, list))
        or len(t_span) != 2
        or not all(
            isinstance(t, (int, float)) and not isinstance(t, bool) and math.isfinite(t) for t in t_span
        )
    ):
        raise ValueError(f"t_span must be a pair of finite numbers (t0, t1), got {t_span!r}")
    if not t_span[1] > t_span[0]:
        raise ValueError(f"t_span must be increasing, got {t_span}")
    if method not in TABLEAUS:
        raise ValueError(f"method must be one of {sorted(TABLEAUS)}, got {method!r}")
    if controller not in CONTROLLERS:
        raise ValueError(f"controller must be one of {CONTROLLERS}, got {controller!r}")
    if isinstance(rtol, bool) or not (isinstance(rtol, (int, float)) and rtol > 0):
        raise ValueError(f"rtol must be > 0, got {rtol!r}")
    if isinstance(atol, bool) or not (isinstance(atol, (int, float)) and atol >= 0):
        raise ValueError(f"atol must be >= 0, got {atol!r}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ValueError(f"max_steps must be a positive int, got {max_steps!r}")


def _check_args(z0: torch.Tensor, t_eval: torch.Tensor, rtol: float, atol: float, max_steps: int) -> None:
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
    if t_eval.dim() != 1 or len(t_eval) < 2:
        raise ValueError(
            f"t_eval must be a 1-d tensor of at least 2 times (start and end), got shape {tuple(t_eval.shape)}"
        )
    if not torch.all(t_eval[1:] > t_eval[:-1]):
        raise ValueError(f"t_eval must be strictly increasing, got {t_eval.tolist()}")
    if z0.dtype == torch.float32 and rtol < 1e-6:
        warnings.warn(f"rtol={rtol} is below float32 resolution; use float64 states", stacklevel=3)


def _call(f: ODEFunc, t: float, z: torch.Tensor) -> torch.Tensor:
    out = f(torch.as_tensor(t, dtype=z.dtype, device=z.device), z)
    if (
        not isinstance(out, torch.Tensor)
        or out.shape != z.shape
        or out.dtype != z.dtype
        or out.device != z.device
    ):
        got = (
            (tuple(out.shape), out.dtype, out.device) if isinstance(out, torch.Tensor) else type(out).__name__
        )
        raise ValueError(
            f"the vector field must return a tensor like the state {(tuple(z.shape), z.dtype, z.device)}, got {got}"
        )
    return out


def initial_step(
    f: ODEFunc, t0: float, z0: torch.Tensor, f0: torch.Tensor, order: int, rtol: float, atol: float
) -> float:
    """Hairer, Norsett & Wanner's starting step (one extra evaluation of ``f``), on detached values."""
    with torch.no_grad():
        scale = atol + z0.abs() * rtol
        d0, d1 = float(_rms(z0 / scale)), float(_rms(f0 / scale))
        h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
        f1 = _call(f, t0 + h0, z0 + h0 * f0)
        d2 = float(_rms((f1 - f0) / scale)) / h0
        h1 = max(1e-6, h0 * 1e-3) if max(d1, d2) <= 1e-15 else (0.01 / max(d1, d2)) ** (1.0 / (order + 1))
    return min(100 * h0, h1)


def _stiffness(dk: torch.Tensor, dg: torch.Tensor, norm: str) -> torch.Tensor:
    """|lambda| estimate from two stages at the same time (Hairer & Wanner II, Sec. IV.2): ||dk|| / ||dg||."""
    if norm == "ratio_of_norms":
        num, den = _rms(dk), _rms(dg)
        ok = den > 0
        return torch.where(ok, num / torch.where(ok, den, torch.ones_like(den)), torch.zeros_like(den))
    ok = dg != 0
    ratio = torch.where(ok, dk.abs() / torch.where(ok, dg.abs(), torch.ones_like(dg)), torch.zeros_like(dg))
    return ratio.max()


def _hermite(
    theta: float, h: float, z0: torch.Tensor, z1: torch.Tensor, f0: torch.Tensor, f1: torch.Tensor
) -> torch.Tensor:
    """Cubic Hermite interpolation inside a step from both ends' values and derivatives."""
    t2, t3 = theta * theta, theta * theta * theta
    return (
        (2 * t3 - 3 * t2 + 1) * z0
        + (t3 - 2 * t2 + theta) * h * f0
        + (-2 * t3 + 3 * t2) * z1
        + (t3 - t2) * h * f1
    )


def solve_ivp(
    f: ODEFunc,
    z0: torch.Tensor,
    t_eval: torch.Tensor | tuple[float, float] | list[float],
    *,
    method: str = "tsit5",
    rtol: float = 1e-6,
    atol: float = 1e-6,
    first_step: float | None = None,
    max_steps: int = 10_000,
    controller: str = "pi",
    stiffness_norm: str = "ratio_of_norms",
    dense: str = "interpolant",
) -> tuple[torch.Tensor, SolverStats]:
    """Solve ``dz/dt = f(t, z)`` from ``t_eval[0]`` to ``t_eval[-1]`` and return ``z`` at every ``t_eval``.

    Args:
        f: vector field ``f(t, z)`` (torchdiffeq's signature) returning a tensor shaped like ``z``.
        z0: initial state of any shape (a batch shares one step-size sequence, as in the paper).
        t_eval: strictly increasing output times; ``(t0, t1)`` for the end state only.
        method: ``"tsit5"`` (the paper's solver) or ``"dopri5"``.
        rtol: relative tolerance of the scaled error ``EEst = RMS(err / (atol + rtol * max(|z_j|, |z_j+1|)))``.
        atol: absolute tolerance of that scaled error.
        first_step: initial step size; by default Hairer's heuristic (one extra evaluation).
        controller: ``"pi"`` (OrdinaryDiffEq's PI controller, beta1 = 7/(10 p), beta2 = 2/(5 p)) or ``"i"``
            (torchdiffeq's controller: ``0.9 * EEst^(-1/5)`` clamped to [0.2, 10], never shrinking on acceptance).
        stiffness_norm: ``"ratio_of_norms"`` (``||k7 - k6|| / ||g7 - g6||``, the paper's code) or ``"max_ratio"``.
        dense: how output times inside a step are served. ``"interpolant"`` (default): the pair's own free
            4th-order continuous extension (Tsitouras' ``b_i(theta)`` for Tsit5, Shampine's for Dopri5), so the
            error at output times is of the order of the tolerance, as at the step ends. ``"hermite"``: the cubic
            Hermite polynomial through both ends' values and derivatives (the earlier default; one to two orders
            less accurate at tight tolerances, kept because the committed spiral results were trained with it).
            Both leave the steps, the NFE and the heuristics as they are. ``"exact"``: shorten steps to land on
            every output time (more steps).

    Returns:
        ``(z, stats)``: ``z`` of shape ``(len(t_eval), *z0.shape)`` and :class:`SolverStats`.
    """
    if method not in TABLEAUS:
        raise ValueError(f"method must be one of {tuple(TABLEAUS)}, got {method!r}")
    if controller not in CONTROLLERS:
        raise ValueError(f"controller must be one of {CONTROLLERS}, got {controller!r}")
    if stiffness_norm not in STIFFNESS_NORMS:
        raise ValueError(f"stiffness_norm must be one of {STIFFNESS_NORMS}, got {stiffness_norm!r}")
    if dense not in DENSE:
        raise ValueError(f"dense must be one of {DENSE}, got {dense!r}")
    t_eval = torch.as_tensor(t_eval, dtype=torch.float64).detach().cpu()
    _check_args(z0, t_eval, rtol, atol, max_steps)
    tab = TABLEAUS[method]
    dense_weights = DENSE_WEIGHTS[method]
    times = t_eval.tolist()
    t, t_end = times[0], times[-1]
    p = tab.order
    beta1, beta2, safety, qmin, qmax = 7 / (10 * p), 2 / (5 * p), 0.9, 0.2, 10.0
    z = z0
    rows = [list(r) + [0.0] * (tab.stages - 1 - len(r)) for r in tab.a]
    A = torch.tensor(rows, dtype=z0.dtype, device=z0.device)  # (stages - 1, stages - 1)
    E = torch.tensor(tab.b_err, dtype=z0.dtype, device=z0.device)
    k1 = _call(f, t, z)
    nfe = 1
    if first_step is None:
        h = initial_step(f, t, z, k1, p, rtol, atol)
        nfe += 1
    else:
        if not first_step > 0:
            raise ValueError(f"first_step must be > 0, got {first_step!r}")
        h = float(first_step)
    outputs = [z0]
    next_out = 1
    rec_t: list[float] = []
    rec_h: list[float] = []
    rec_e: list[torch.Tensor] = []
    rec_s: list[torch.Tensor] = []
    n_acc = n_rej = 0
    eest_prev = 1e-4
    while next_out < len(times):
        if n_acc + n_rej >= max_steps:
            raise RuntimeError(f"max_steps={max_steps} reached at t={t:.6g} before t={t_end:.6g}")
        target = times[next_out] if dense == "exact" else t_end
        h = min(h, target - t)
        if t + h == t:
            raise RuntimeError(
                f"step size underflow at t={t:.6g} (h={h:.3g}): the problem may be stiff or singular"
            )
        hA, hE = A * h, E * h  # tableau rows and error weights scaled by this step's size
        ks = [k1]
        g, g6 = z, z
        for i in range(1, tab.stages):
            # g_i = z + h * sum_l a_il k_l, one fused contraction over the stacked stages
            g = z + torch.tensordot(hA[i - 1, :i], torch.stack(ks), dims=1)
            if i == tab.stages - 2:
                g6 = g  # the 6th stage's point: with the 7th (the new solution) it gives the stiffness estimate
            ks.append(_call(f, t + tab.c[i] * h, g))
        nfe += tab.stages - 1
        z_new = g
        K = torch.stack(ks)
        err = torch.tensordot(hE, K, dims=1)
        scale = atol + rtol * torch.maximum(z.abs(), z_new.abs())
        eest = _rms(err / scale)
        e = float(eest.detach())  # the one host synchronisation of a step: the accept decision
        if not math.isfinite(e):
            raise FloatingPointError(
                f"non-finite error estimate at step {n_acc + n_rej} (t={t:.6g}, h={h:.3g}): the vector field returned NaN or inf"
            )
        if e <= 1.0:
            rec_t.append(t)
            rec_h.append(h)
            rec_e.append(eest)
            rec_s.append(_stiffness(ks[6] - ks[5], z_new - g6, stiffness_norm))
            while next_out < len(times) and times[next_out] <= t + h * (1 + 1e-12):
                s = times[next_out]
                if dense == "exact" or abs(s - (t + h)) <= 1e-12 * max(1.0, abs(s)):
                    outputs.append(z_new)
                elif dense == "interpolant":
                    w = [h * wi for wi in dense_weights((s - t) / h)]
                    outputs.append(
                        z + torch.tensordot(torch.tensor(w, dtype=z.dtype, device=z.device), K, dims=1)
                    )
                else:
                    outputs.append(_hermite((s - t) / h, h, z, z_new, k1, ks[6]))
                next_out += 1
            t, z, k1 = t + h, z_new, ks[6]
            n_acc += 1
            if controller == "pi":
                q = max(e, 1e-10) ** beta1 / (eest_prev**beta2 * safety)
                factor = 1.0 / min(max(q, 1.0 / qmax), 1.0 / qmin)
                eest_prev = max(e, 1e-4)
            else:
                factor = qmax if e == 0 else min(qmax, max(safety * e ** (-1.0 / p), 1.0))
        else:
            n_rej += 1
            if controller == "pi":
                factor = 1.0 / min(1.0 / qmin, e**beta1 / safety)
            else:
                factor = min(1.0, max(safety * e ** (-1.0 / p), qmin))
        h = h * factor
    zt = torch.stack(outputs)
    dev = z0.device
    stats = SolverStats(
        nfe=nfe,
        n_accepted=n_acc,
        n_rejected=n_rej,
        t=torch.tensor(rec_t, dtype=z0.dtype, device=dev),
        h=torch.tensor(rec_h, dtype=z0.dtype, device=dev),
        eest=torch.stack(rec_e) if rec_e else z0.new_zeros(0),
        stiffness=torch.stack(rec_s) if rec_s else z0.new_zeros(0),
        tableau=tab,
    )
    return zt, stats
