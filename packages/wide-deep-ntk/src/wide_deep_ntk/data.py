"""The paper's synthetic task: two Dirichlet classes on the positive orthant of the unit sphere.

As in the official ``dataset.py``: a label is +1 with probability ``prior_pos`` (else -1), the point is drawn
from ``Dirichlet(alpha_pos)`` or ``Dirichlet(alpha_neg)`` on the simplex and then normalised to unit norm; the
Bayes rule compares the two Dirichlet densities weighted by the priors (on the simplex, where they are
defined). Training sets with two coinciding points (Gram entry >= 1) are redrawn.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = [
    "PAPER_CONFIGS",
    "dirichlet_bayes_predict",
    "dirichlet_log_pdf",
    "dirichlet_split",
    "dirichlet_task",
]

PAPER_CONFIGS: dict[int, tuple[tuple[float, ...], tuple[float, ...]]] = {
    2: ((1.0, 2.0), (2.0, 1.0)),
    3: ((0.5, 0.5, 2.5), (2.5, 0.1, 0.5)),
    5: ((3.0, 1.0, 2.0, 1.0, 1.0), (1.0, 2.0, 2.0, 2.0, 3.0)),
    9: ((1, 2, 1, 2, 1, 1, 1, 1, 1), (1, 1, 1, 2, 3, 4, 2, 2, 1)),
}
"""``d -> (alpha_pos, alpha_neg)`` of the official ``main.py`` (prior of the +1 class 0.4 there)."""


def _check_alphas(alpha_pos: Any, alpha_neg: Any) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(alpha_pos, dtype=np.float64)
    b = np.asarray(alpha_neg, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape or a.size < 2 or not ((a > 0).all() and (b > 0).all()):
        raise ValueError(
            f"alpha_pos and alpha_neg must be positive 1-D sequences of one length >= 2, got {alpha_pos!r} and "
            f"{alpha_neg!r}"
        )
    return a, b


def _check_prior(prior_pos: Any) -> float:
    if (
        isinstance(prior_pos, bool)
        or not isinstance(prior_pos, (int, float, np.floating))
        or not 0.0 < prior_pos < 1.0
    ):
        raise ValueError(f"prior_pos must be a number in (0, 1), got {prior_pos!r}")
    return float(prior_pos)


def dirichlet_task(
    n: int,
    alpha_pos: Any,
    alpha_neg: Any,
    prior_pos: float = 0.4,
    seed: int | np.random.Generator = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` labelled points of the two-Dirichlet task.

    Args:
        n: number of points (>= 1).
        alpha_pos: Dirichlet parameters of the +1 class (length d).
        alpha_neg: Dirichlet parameters of the -1 class.
        prior_pos: probability of the +1 class, in (0, 1).
        seed: seed or numpy Generator.

    Returns:
        ``(X, y, S)``: unit-norm points ``(n, d)``, labels in {-1, +1} ``(n,)``, simplex points ``(n, d)``.
    """
    a, b = _check_alphas(alpha_pos, alpha_neg)
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    _check_prior(prior_pos)
    if not isinstance(seed, np.random.Generator) and (
        isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
    ):
        raise TypeError(f"seed must be an int or a numpy Generator, got {seed!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    y = np.where(rng.random(n) < prior_pos, 1.0, -1.0)
    S = np.where((y > 0)[:, None], rng.dirichlet(a, size=n), rng.dirichlet(b, size=n))
    S = np.clip(S, 1e-300, None)
    S = S / S.sum(1, keepdims=True)
    X = S / np.linalg.norm(S, axis=1, keepdims=True)
    return X, y, S


def dirichlet_split(
    n_train: int, n_test: int, d: int = 2, prior_pos: float = 0.4, seed: int = 0, max_redraws: int = 20
) -> dict[str, np.ndarray]:
    """Train and test sets of the paper's configuration for dimension ``d`` (:data:`PAPER_CONFIGS`).

    Args:
        n_train: training points.
        n_test: test points.
        d: 2, 3, 5 or 9.
        prior_pos: probability of the +1 class.
        seed: the seed (train and test come from one stream; redrawn while training points coincide).
        max_redraws: give up after this many redraws.

    Returns:
        A dict with ``X_train, y_train, S_train, X_test, y_test, S_test``.
    """
    if d not in PAPER_CONFIGS:
        raise ValueError(f"d must be one of {sorted(PAPER_CONFIGS)}, got {d!r}")
    for name, v, low in (("n_train", n_train, 1), ("n_test", n_test, 1), ("max_redraws", max_redraws, 1)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    a, b = PAPER_CONFIGS[d]
    rng = np.random.default_rng(seed)
    for _ in range(max_redraws):
        X, y, S = dirichlet_task(n_train, a, b, prior_pos, rng)
        G = X @ X.T
        np.fill_diagonal(G, 0.0)
        if G.max() < 1.0:
            break
    else:
        raise RuntimeError(f"training points kept coinciding after {max_redraws} draws")
    Xt, yt, St = dirichlet_task(n_test, a, b, prior_pos, rng)
    return {"X_train": X, "y_train": y, "S_train": S, "X_test": Xt, "y_test": yt, "S_test": St}


def dirichlet_log_pdf(S: np.ndarray, alpha: Any) -> np.ndarray:
    """Log density of ``Dirichlet(alpha)`` at simplex points ``S`` ``(n, d)``.

    Args:
        S: points on the simplex.
        alpha: the parameters (length d).

    Returns:
        ``(n,)`` log densities.
    """
    a = np.asarray(alpha, dtype=np.float64)
    const = math.lgamma(float(a.sum())) - sum(math.lgamma(float(v)) for v in a)
    return const + (np.log(np.clip(S, 1e-300, None)) * (a - 1.0)).sum(1)


def dirichlet_bayes_predict(
    S: np.ndarray, alpha_pos: Any, alpha_neg: Any, prior_pos: float = 0.4
) -> np.ndarray:
    """The Bayes-optimal labels (+-1) at simplex points ``S``.

    Args:
        S: ``(n, d)`` simplex points.
        alpha_pos: Dirichlet parameters of the +1 class.
        alpha_neg: Dirichlet parameters of the -1 class.
        prior_pos: probability of the +1 class.

    Returns:
        ``(n,)`` labels in {-1, +1}.
    """
    a, b = _check_alphas(alpha_pos, alpha_neg)
    _check_prior(prior_pos)
    S = np.asarray(S, dtype=np.float64)
    if S.ndim != 2 or S.shape[1] != len(a):
        raise ValueError(f"S must have shape (n, d={len(a)}) (points of the simplex), got {S.shape}")
    lp = dirichlet_log_pdf(S, a) + math.log(prior_pos)
    ln = dirichlet_log_pdf(S, b) + math.log(1.0 - prior_pos)
    return np.where(lp > ln, 1.0, -1.0)
