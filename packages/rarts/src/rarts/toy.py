"""The analytically solvable bilevel model of DARTS (Liu et al. 2019, Sec. 2.3 / Fig. 2), used by RARTS to show that
its relaxed iteration reaches the true bilevel solution where first-order DARTS does not.

Scalars ``w`` (weight) and ``α`` (architecture) with

    L_train(w, α) = w² - 2αw + α² = (w - α)²,      L_val(w, α) = αw - 2α + 1.

Bilevel solution: ``w*(α) = α`` and ``L_val(α, α) = (α - 1)²``, so ``(α, w) = (1, 1)``. First-order DARTS stops where
``∂_w L_train = 0`` and ``∂_α L_val = w - 2 = 0``: ``(2, 2)``. Second-order DARTS with unrolling step ξ uses
``∂_α L_val(w', α) = w' + 2ξα - 2`` with ``w' = w - ξ ∂_w L_train``: fixed point ``α = 2 / (1 + 2ξ)`` (1 for ξ = 1/2).

RARTS on ``F(w, y, α) = L_val(y, α) + λ L_train(w, α) + (β/2)(y - w)²`` is stationary where (our derivation)
``w = α - α/(2λ)``, ``y = 2 - α`` and ``α* = 2 / (2 - 1/(2λ) - 1/β)``, which tends to 1 as λ, β → ∞ and is finite
and positive only when ``1/(2λ) + 1/β < 2``; it is closer to 1 than first-order DARTS' 2 only when
``1/(2λ) + 1/β < 1``.

All iterations here are plain gradient steps with one learning rate, in Python floats (exact, fast).
"""

from __future__ import annotations

import dataclasses
import math


def loss_train(w: float, alpha: float) -> float:
    """``L_train(w, α) = w² - 2αw + α²``.

    Args:
        w: the weight.
        alpha: the architecture parameter.

    Returns:
        The loss.
    """
    return w * w - 2 * alpha * w + alpha * alpha


def loss_val(w: float, alpha: float) -> float:
    """``L_val(w, α) = αw - 2α + 1``.

    Args:
        w: the weight.
        alpha: the architecture parameter.

    Returns:
        The loss.
    """
    return alpha * w - 2 * alpha + 1


def relaxed_value(w: float, y: float, alpha: float, lam: float, beta: float) -> float:
    """``F(w, y, α) = L_val(y, α) + λ L_train(w, α) + (β/2)(y - w)²`` on the toy model.

    Args:
        w: the training network's weight.
        y: the validation network's weight.
        alpha: the architecture parameter.
        lam: λ.
        beta: β.

    Returns:
        The value (or the three partial derivatives).
    """
    return loss_val(y, alpha) + lam * loss_train(w, alpha) + 0.5 * beta * (y - w) ** 2


def relaxed_gradient(w: float, y: float, alpha: float, lam: float, beta: float) -> tuple[float, float, float]:
    """``(∂F/∂w, ∂F/∂y, ∂F/∂α)`` in closed form (the tests check it against autograd).

    Args:
        w: the training network's weight.
        y: the validation network's weight.
        alpha: the architecture parameter.
        lam: λ.
        beta: β.

    Returns:
        The value (or the three partial derivatives).
    """
    dw = 2 * lam * (w - alpha) + beta * (w - y)
    dy = alpha + beta * (y - w)
    da = (y - 2) + 2 * lam * (alpha - w)
    return dw, dy, da


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _check(lam: float, beta: float) -> None:
    if not (_is_number(lam) and lam > 0):
        raise ValueError(f"lam must be a number > 0, got {lam!r}")
    if not (_is_number(beta) and beta > 0):
        raise ValueError(
            f"beta must be a number > 0 on the toy model (beta=0 has no stationary point), got {beta!r}"
        )


def stationary_point(lam: float, beta: float) -> tuple[float, float, float]:
    """The stationary point ``(α, w, y)`` of F: ``α* = 2 / (2 - 1/(2λ) - 1/β)``, ``w = α(1 - 1/(2λ))``, ``y = 2 - α``.

    Args:
        lam: λ > 0.
        beta: β > 0.

    Returns:
        ``(alpha, w, y)``; ``ValueError`` when ``1/(2λ) + 1/β >= 2`` (no finite stationary point).
    """
    _check(lam, beta)
    denom = 2 - 1 / (2 * lam) - 1 / beta
    if denom <= 0:
        raise ValueError(
            f"no finite stationary point for lam={lam}, beta={beta}: needs 1/(2 lam) + 1/beta < 2"
        )
    a = 2 / denom
    return a, a - a / (2 * lam), 2 - a


def stationary_point_uncoupled(lam: float, beta: float) -> tuple[float, float, float]:
    """Fixed point ``(α, w, y)`` of the variant without the coupling term in the w step (``w_coupling=False``):
    ``w = α``, ``y = 2``, ``α = 2 / (1 - 1/β)``: further from 1 than first-order DARTS for every β > 1.

    Args:
        lam: λ > 0 (it does not move the fixed point).
        beta: β > 1.

    Returns:
        ``(alpha, w, y)``.
    """
    _check(lam, beta)
    if beta <= 1:
        raise ValueError(f"no finite fixed point without coupling for beta={beta}: needs beta > 1")
    a = 2 / (1 - 1 / beta)
    return a, a, 2.0


def _check_xi(xi: float) -> None:
    if not (_is_number(xi) and math.isfinite(xi) and xi >= 0):
        raise ValueError(f"xi (the unrolling step) must be a finite number >= 0, got {xi!r}")


def _check_init(init: object, n: int, names: str) -> tuple[float, ...]:
    vals = tuple(init) if isinstance(init, tuple | list) else ()
    if len(vals) != n or not all(_is_number(v) and math.isfinite(v) for v in vals):
        raise ValueError(f"init must be {n} finite numbers {names}, got {init!r}")
    return tuple(float(v) for v in vals)


def darts_fixed_point(order: int, xi: float = 0.5) -> tuple[float, float]:
    """``(α, w)`` where DARTS stops: ``(2, 2)`` first order, ``α = w = 2 / (1 + 2ξ)`` second order.

    Args:
        order: 1 or 2.
        xi: the unrolling step ξ of the second order.

    Returns:
        ``(alpha, w)``.
    """
    if order == 1:
        return 2.0, 2.0
    if order != 2:
        raise ValueError(f"order must be 1 or 2, got {order!r}")
    _check_xi(xi)
    a = 2 / (1 + 2 * xi)
    return a, a


@dataclasses.dataclass(frozen=True)
class ToyRun:
    """Where an iteration ended: ``alpha``, ``w`` (and ``y`` for RARTS), and α every ``record_every`` steps."""

    alpha: float
    w: float
    y: float | None
    trace: tuple[float, ...]
    diverged: bool


def _check_run(steps: int, lr: float, record_every: int) -> None:
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    if not (_is_number(lr) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a number > 0, got {lr!r}")
    if isinstance(record_every, bool) or not isinstance(record_every, int) or record_every < 1:
        raise ValueError(f"record_every must be a positive int, got {record_every!r}")


def run_darts(
    order: int = 1,
    *,
    xi: float = 0.5,
    steps: int = 20_000,
    lr: float = 0.01,
    init: tuple[float, float] = (0.0, 0.0),
    record_every: int = 100,
) -> ToyRun:
    """DARTS on the toy model (official order: the α step, then the w step, each one gradient step of ``lr``).

    Args:
        order: 1 (``∂_α L_val(w, α)``) or 2 (``∂_α L_val(w', α)`` with ``w' = w - ξ ∂_w L_train``, exact here).
        xi: the unrolling step ξ of the second order.
        steps: iterations.
        lr: learning rate of both steps.
        init: ``(α, w)`` at the start.
        record_every: α is recorded every this many steps.

    Returns:
        A :class:`ToyRun`.
    """
    if isinstance(order, bool) or order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order!r}")
    _check_run(steps, lr, record_every)
    _check_xi(xi)
    a, w = _check_init(init, 2, "(alpha, w)")
    trace = [a]
    for k in range(steps):
        if order == 1:
            ga = w - 2
        else:
            w_unrolled = w - xi * 2 * (w - a)
            ga = w_unrolled + 2 * xi * a - 2
        a -= lr * ga
        w -= lr * 2 * (w - a)
        if not (math.isfinite(a) and math.isfinite(w)) or abs(a) > 1e12:
            return ToyRun(a, w, None, tuple(trace), True)
        if (k + 1) % record_every == 0:
            trace.append(a)
    return ToyRun(a, w, None, tuple(trace), False)


def run_rarts(
    lam: float = 10.0,
    beta: float = 10.0,
    *,
    steps: int = 20_000,
    lr: float = 0.01,
    w_coupling: bool = True,
    init: tuple[float, float, float] = (0.0, 0.0, 0.0),
    record_every: int = 100,
) -> ToyRun:
    """RARTS on the toy model: per iteration the w, y and α gradient steps of F (Gauss–Seidel, newest values).

    Args:
        lam: λ > 0.
        beta: β > 0.
        steps: iterations.
        lr: learning rate of all three blocks.
        w_coupling: keep ``β (w - y)`` in the w step (False: the uncoupled variant).
        init: ``(α, w, y)`` at the start.
        record_every: α is recorded every this many steps.

    Returns:
        A :class:`ToyRun`; ``diverged`` is set when the iterates blow up (too large ``lr · (2λ + β)``).
    """
    _check(lam, beta)
    _check_run(steps, lr, record_every)
    if not isinstance(w_coupling, bool):
        raise TypeError(f"w_coupling must be a bool, got {w_coupling!r}")
    a, w, y = _check_init(init, 3, "(alpha, w, y)")
    trace = [a]
    for k in range(steps):
        dw = 2 * lam * (w - a) + (beta * (w - y) if w_coupling else 0.0)
        w -= lr * dw
        y -= lr * (a + beta * (y - w))
        a -= lr * ((y - 2) + 2 * lam * (a - w))
        if not (math.isfinite(a) and math.isfinite(w) and math.isfinite(y)) or abs(a) > 1e12:
            return ToyRun(a, w, y, tuple(trace), True)
        if (k + 1) % record_every == 0:
            trace.append(a)
    return ToyRun(a, w, y, tuple(trace), False)
