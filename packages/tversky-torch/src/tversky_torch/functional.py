"""Differentiable Tversky similarity, written from the paper's equations.

Notation (paper, Sec. 2): inputs ``x`` (n x d), second operands / prototypes ``p`` (m x d), a feature bank
``F`` (K x d) and a fixed threshold ``tau`` (0 by default). Every object ``a`` has a vector form and a set form
``A = {f_k : a . f_k > tau}`` over the feature bank.

* projections (one pass, reused by every term): ``X^ = x F^T``, membership ``M_X = [X^ > tau]`` and the
  masked values ``X+ = X^ * M_X`` (ReLU when ``tau = 0``);
* salience, Eq. 2: ``f(A) = sum_k X+_k``;
* intersection, Eq. 3: ``f(A n B) = sum_k Psi(a_k, b_k) 1[a_k > tau and b_k > tau]`` with ``Psi`` one of
  ``product | min | max | mean | gmean | softmin``;
* difference, Eqs. 4-5: ``ignorematch`` ``f(A - B) = sum_k a_k 1[a_k > tau, b_k <= tau]``; ``subtractmatch``
  adds ``sum_k (a_k - b_k) 1[a_k > tau, b_k > tau, a_k > b_k]``; ``subtractmatch_aggregate`` adds
  ``(I_a - I_b)+`` computed on sums over all shared features (the cheap variant used by public code);
* contrast model, Eq. 1 / 6: ``S = theta f(A n B) - alpha f(A - B) - beta f(B - A)``; ratio model:
  ``S = f(A n B) / (f(A n B) + alpha f(A - B) + beta f(B - A) + ratio_eps)``.

Everything here is vectorised: the default product / ignorematch contrast model is a single
``(n x 2K) @ (2K x m)`` matrix product. Per-feature variants (``exact_per_feature=True`` and ``subtractmatch``)
need an ``(n, m, K)`` intermediate; they are evaluated in row chunks (with activation checkpointing when
gradients are needed) so memory stays bounded.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

from tversky_torch.options import (
    DEFAULT_MAX_INTERMEDIATE_BYTES,
    DIFFERENCE_ALIASES,
    DIFFERENCES,
    INTERSECTIONS,
    MODELS,
    TverskyOptions,
    check_options,
    resolve_options,
)

__all__ = [
    "DIFFERENCES",
    "INTERSECTIONS",
    "MODELS",
    "TverskyOptions",
    "check_options",
    "difference",
    "intersection",
    "salience",
    "tversky_projections",
    "tversky_similarity",
]

#: options a layer uses and the functional form does not take
LAYER_ONLY = ("learnable", "init")


# ------------------------------------------------------------------------------------------ validation


def _check_float(name: str, t: torch.Tensor) -> None:
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if t.is_complex() or not t.is_floating_point():
        raise TypeError(
            f"{name} must be a real floating-point tensor, got dtype {t.dtype}; convert it with .float()"
        )


# ------------------------------------------------------------------------------------------ building blocks


def tversky_projections(
    x: torch.Tensor, features: torch.Tensor, threshold: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """One projection pass onto the feature bank: ``(masked, mask)``, each ``(..., K)``.

    ``mask = x F^T > threshold`` is the set form of ``x`` (Sec. 2.1; a dot product equal to the threshold is *not*
    a member); ``masked = (x F^T) * mask`` holds the feature measures of the members. Gradients flow through the
    masked values only, exactly like a ReLU.
    """
    proj = torch.matmul(x, features.transpose(-1, -2))
    mask = proj > threshold
    return proj * mask.to(proj.dtype), mask


def salience(x: torch.Tensor, features: torch.Tensor, threshold: float = 0.0) -> torch.Tensor:
    """Salience ``f(A) = sum_k (x . f_k) 1[x . f_k > tau]`` (paper Eq. 2); shape ``x.shape[:-1]``."""
    masked, _ = tversky_projections(x, features, threshold)
    return masked.sum(-1)


def _psi(a: torch.Tensor, b: torch.Tensor, reduction: str, gmean_eps: float) -> torch.Tensor:
    """The elementwise intersection reduction ``Psi(a, b)`` (Eq. 3) for tensors of equal shape."""
    if reduction == "product":
        return a * b
    if reduction == "min":
        return torch.minimum(a, b)
    if reduction == "max":
        return torch.maximum(a, b)
    if reduction == "mean":
        return (a + b) / 2
    if reduction == "gmean":
        ab = a * b
        if gmean_eps > 0:
            return torch.sqrt(torch.clamp_min(ab, gmean_eps))
        # sqrt of the positive part, written so that an exactly empty intersection (ab = 0) keeps sqrt's
        # infinite slope on every torch version (clamp_min's gradient at its boundary is 0 from torch 2.15 on,
        # which hid the failure); ab < 0 gets a zero gradient as before
        return torch.sqrt(torch.where(ab >= 0, ab, torch.zeros_like(ab)))
    # softmin, smooth and stable: -log(exp(-a) + exp(-b)) <= min(a, b)
    return -torch.logaddexp(-a, -b)


def _estimate_bytes(n: int, m: int, k: int, dtype: torch.dtype) -> int:
    return n * m * k * torch.empty((), dtype=dtype).element_size() * 4  # a few live (n, m, K) tensors


def _chunked(
    fn: Callable[..., torch.Tensor],
    row_args: tuple[torch.Tensor, ...],
    col_args: tuple[torch.Tensor, ...],
    *,
    m: int,
    chunk_size: int | None,
    max_intermediate_bytes: int,
    what: str,
) -> torch.Tensor:
    """Evaluate ``fn(*row_chunk, *col_args) -> (c, m)`` over row chunks of ``row_args`` (each ``(n, K)``)."""
    n, k = row_args[0].shape
    if chunk_size is None:
        need = _estimate_bytes(n, m, k, row_args[0].dtype)
        if need > max_intermediate_bytes:
            raise ValueError(
                f"{what} needs an (n, m, K) = ({n}, {m}, {k}) intermediate of about {need / 2**30:.2f} GiB, more than "
                f"max_intermediate_bytes={max_intermediate_bytes}; pass chunk_size (rows per chunk) to bound memory"
            )
        return fn(*row_args, *col_args)
    if not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int or None, got {chunk_size!r}")
    grad = torch.is_grad_enabled() and any(t.requires_grad for t in (*row_args, *col_args))
    outs = []
    for start in range(0, n, chunk_size):
        rows = tuple(t[start : start + chunk_size] for t in row_args)
        if grad:
            outs.append(checkpoint(fn, *rows, *col_args, use_reentrant=False))
        else:
            outs.append(fn(*rows, *col_args))
    return torch.cat(outs, 0)


def _per_feature_intersection(reduction: str, gmean_eps: float) -> Callable[..., torch.Tensor]:
    def fn(xm: torch.Tensor, xmask: torch.Tensor, pm: torch.Tensor, pmask: torch.Tensor) -> torch.Tensor:
        both = (xmask.unsqueeze(1) & pmask.unsqueeze(0)).to(xm.dtype)  # (c, m, K)
        psi = _psi(xm.unsqueeze(1), pm.unsqueeze(0), reduction, gmean_eps)
        return (psi * both).sum(-1)

    return fn


def _per_feature_excess(
    xm: torch.Tensor, xmask: torch.Tensor, pm: torch.Tensor, pmask: torch.Tensor
) -> torch.Tensor:
    """``sum_k (a_k - b_k) 1[a_k > tau, b_k > tau, a_k > b_k]`` (the second term of Eq. 5), ``(c, m)``."""
    a, b = xm.unsqueeze(1), pm.unsqueeze(0)
    diff = a - b
    keep = xmask.unsqueeze(1) & pmask.unsqueeze(0) & (diff > 0)
    return (diff * keep.to(diff.dtype)).sum(-1)


def intersection(
    xm: torch.Tensor,
    xmask: torch.Tensor,
    pm: torch.Tensor,
    pmask: torch.Tensor,
    reduction: str = "product",
    *,
    exact_per_feature: bool = False,
    chunk_size: int | None = None,
    gmean_eps: float = 0.0,
    max_intermediate_bytes: int = DEFAULT_MAX_INTERMEDIATE_BYTES,
) -> torch.Tensor:
    """Common-feature measure ``f(A n B)`` (paper Eq. 3) for all pairs: ``(n, K), (m, K) -> (n, m)``.

    ``product`` is the exact per-feature sum ``X+ P+^T`` (one GEMM). The other reductions are, by default,
    applied to the one-sided sums over the shared features ``I_a = X+ M_P^T`` and ``I_b = M_X P+^T``: exact for
    ``mean``, an aggregate surrogate for ``min | max | gmean | softmin`` (cheap and what public code computes).
    ``exact_per_feature=True`` applies ``Psi`` feature by feature as in Eq. 3, on ``(n, m, K)`` intermediates
    evaluated in chunks of ``chunk_size`` rows.

    ``gmean`` is ``sqrt(clamp_min(a * b, gmean_eps))``: with the default ``gmean_eps=0`` its gradient is NaN/inf
    wherever an intersection is empty, which is the failure the paper reports for gmean; a small positive
    ``gmean_eps`` (e.g. 1e-8) keeps it finite.
    """
    if reduction not in INTERSECTIONS:
        raise ValueError(f"reduction must be one of {INTERSECTIONS}, got {reduction!r}")
    if reduction == "product":
        return torch.matmul(xm, pm.transpose(-1, -2))
    if exact_per_feature:
        return _chunked(
            _per_feature_intersection(reduction, gmean_eps),
            (xm, xmask),
            (pm, pmask),
            m=pm.shape[0],
            chunk_size=chunk_size,
            max_intermediate_bytes=max_intermediate_bytes,
            what=f"intersection={reduction!r} with exact_per_feature=True",
        )
    i_a = torch.matmul(xm, pmask.to(xm.dtype).transpose(-1, -2))
    i_b = torch.matmul(xmask.to(pm.dtype), pm.transpose(-1, -2))
    return _psi(i_a, i_b, reduction, gmean_eps)


def difference(
    xm: torch.Tensor,
    xmask: torch.Tensor,
    pm: torch.Tensor,
    pmask: torch.Tensor,
    reduction: str = "ignorematch",
    *,
    chunk_size: int | None = None,
    max_intermediate_bytes: int = DEFAULT_MAX_INTERMEDIATE_BYTES,
) -> torch.Tensor:
    """Distinctive-feature measure ``f(A - B)`` (paper Eqs. 4-5) for all pairs: ``(n, K), (m, K) -> (n, m)``.

    ``f(B - A)`` is ``difference(pm, pmask, xm, xmask).T``. ``subtractmatch`` is the per-feature Eq. 5
    (``(n, m, K)`` intermediate, chunked); ``subtractmatch_aggregate`` replaces its second sum by
    ``(I_a - I_b)+`` with ``I_a = X+ M_P^T`` and ``I_b = M_X P+^T``.
    """
    if reduction in DIFFERENCE_ALIASES:
        reduction = DIFFERENCE_ALIASES[reduction]
    if reduction not in DIFFERENCES:
        raise ValueError(f"reduction must be one of {DIFFERENCES}, got {reduction!r}")
    pmask_f = pmask.to(xm.dtype)
    base = torch.matmul(xm, (1 - pmask_f).transpose(-1, -2))  # sum_k a_k 1[b_k <= tau]
    if reduction == "ignorematch":
        return base
    if reduction == "subtractmatch_aggregate":
        i_a = torch.matmul(xm, pmask_f.transpose(-1, -2))
        i_b = torch.matmul(xmask.to(pm.dtype), pm.transpose(-1, -2))
        return base + F.relu(i_a - i_b)
    return base + _chunked(
        _per_feature_excess,
        (xm, xmask),
        (pm, pmask),
        m=pm.shape[0],
        chunk_size=chunk_size,
        max_intermediate_bytes=max_intermediate_bytes,
        what="difference='subtractmatch' (per feature)",
    )


def _fused_contrast(
    xm: torch.Tensor,
    xmask: torch.Tensor,
    pm: torch.Tensor,
    pmask: torch.Tensor,
    alpha: torch.Tensor,
    beta: torch.Tensor,
    theta: torch.Tensor,
) -> torch.Tensor:
    """Contrast model with product / ignorematch as one GEMM:
    ``S = [X+ | M_X] [theta P+ - alpha (1 - M_P) | beta P+]^T - beta 1 s_p^T`` with ``s_p = P+ 1``."""
    dtype = torch.promote_types(xm.dtype, pm.dtype)
    left = torch.cat([xm.to(dtype), xmask.to(dtype)], -1)
    # the prototype-side factor and the salience term are formed in (at least) the scalars' dtype: under fp16
    # autocast the gradients of theta / alpha / beta are sums over all (m, K) or (n, m) entries and overflow fp16
    sdtype = torch.promote_types(pm.dtype, theta.dtype)
    pm_s = pm.to(sdtype)
    right = torch.cat([theta * pm_s - alpha * (1 - pmask.to(sdtype)), beta * pm_s], -1).to(left.dtype)
    s_p = pm_s.sum(-1)
    return torch.matmul(left, right.transpose(-1, -2)) - (beta * s_p).to(left.dtype)


def _as_scalar(name: str, v: torch.Tensor | float, ref: torch.Tensor) -> torch.Tensor:
    if isinstance(v, torch.Tensor):
        if v.numel() != 1:
            raise ValueError(f"{name} must be a scalar, got a tensor of shape {tuple(v.shape)}")
        return v.reshape(())
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TypeError(f"{name} must be a float or a scalar tensor, got {type(v).__name__}")
    if not math.isfinite(v):
        raise ValueError(f"{name} must be a finite float, got {v!r}")
    return torch.tensor(float(v), dtype=ref.dtype, device=ref.device)


def tversky_similarity(
    x: torch.Tensor,
    y: torch.Tensor,
    features: torch.Tensor,
    alpha: torch.Tensor | float | None = None,
    beta: torch.Tensor | float | None = None,
    theta: torch.Tensor | float | None = None,
    *,
    options: TverskyOptions | None = None,
    **kwargs: Any,
) -> torch.Tensor:
    """Tversky similarity of every row of ``x`` (``(..., d)``) to every row of ``y`` (``(m, d)``): ``(..., m)``.

    ``contrast`` (Eq. 1 / 6): ``S = theta f(X n Y) - alpha f(X - Y) - beta f(Y - X)``; ``ratio``:
    ``S = f(X n Y) / (f(X n Y) + alpha f(X - Y) + beta f(Y - X) + ratio_eps)`` (``theta`` unused; the paper's
    ratio model has ``ratio_eps = 0``, the default 1 keeps ``S`` finite when both sets are empty). The
    projection onto ``features`` (``(K, d)``) is computed once per operand and shared by all terms.

    ``alpha``, ``beta``, ``theta``: floats or scalar tensors (learnable ones included); when not given, the
    values of ``options`` (0.5, 0.5, 1.0 by default). The other options (``model``, ``intersection``,
    ``difference``, ``threshold``, ``normalize``, ``exact_per_feature``, ``chunk_size``, ``gmean_eps``,
    ``ratio_eps``, ``max_intermediate_bytes``; see :class:`~tversky_torch.options.TverskyOptions`) come from
    ``options`` and/or keyword arguments, which take precedence. ``normalize=True`` L2-normalises ``x`` and ``y``
    (not the features) along the last dimension first.
    """
    opts = resolve_options(options, kwargs, where="tversky_similarity", exclude=LAYER_ONLY)
    _check_float("x", x)
    _check_float("y", y)
    _check_float("features", features)
    if not (x.dtype == y.dtype == features.dtype) and not torch.is_autocast_enabled(x.device.type):
        # one dtype policy, as torch's functionals (F.linear): mixed dtypes are refused, by name, with the remedy
        raise TypeError(
            f"x, y and features must share one dtype, got x {x.dtype}, y {y.dtype}, features {features.dtype}; "
            f"convert them with .to({features.dtype}) (or the features with .to({x.dtype}))"
        )
    if y.dim() != 2:
        raise ValueError(f"y must be 2-D (m, d), got shape {tuple(y.shape)}")
    if features.dim() != 2:
        raise ValueError(f"features must be 2-D (K, d), got shape {tuple(features.shape)}")
    d = features.shape[-1]
    if x.shape[-1] != d or y.shape[-1] != d:
        raise ValueError(
            f"x, y and features must share the last dim: expected last dim {d}, got x {x.shape[-1]}, y {y.shape[-1]}"
        )
    lead = x.shape[:-1]
    x2 = x.reshape(-1, d)
    if opts.normalize:
        x2 = F.normalize(x2, dim=-1)
        y = F.normalize(y, dim=-1)
    xm, xmask = tversky_projections(x2, features, opts.threshold)
    pm, pmask = tversky_projections(y, features, opts.threshold)
    a = _as_scalar("alpha", opts.alpha if alpha is None else alpha, xm)
    b = _as_scalar("beta", opts.beta if beta is None else beta, xm)
    t = _as_scalar("theta", opts.theta if theta is None else theta, xm)
    if opts.model == "contrast" and opts.intersection == "product" and opts.difference == "ignorematch":
        out = _fused_contrast(xm, xmask, pm, pmask, a, b, t)
        return out.reshape(*lead, y.shape[0])
    chunk, mib = opts.chunk_size, opts.max_intermediate_bytes
    common = _intersection(
        xm, xmask, pm, pmask, opts.intersection, exact_per_feature=opts.exact_per_feature,
        gmean_eps=opts.gmean_eps, chunk_size=chunk, max_intermediate_bytes=mib,
    )  # fmt: skip
    d_xy = _difference(xm, xmask, pm, pmask, opts.difference, chunk_size=chunk, max_intermediate_bytes=mib)
    d_yx = _difference(pm, pmask, xm, xmask, opts.difference, chunk_size=chunk, max_intermediate_bytes=mib)
    d_yx = d_yx.transpose(-1, -2)
    # combine in (at least) the scalars' dtype, so their gradients (sums over all n x m pairs) cannot overflow
    # fp16 under autocast
    sdtype = torch.promote_types(common.dtype, t.dtype)
    common, d_xy, d_yx = common.to(sdtype), d_xy.to(sdtype), d_yx.to(sdtype)
    if opts.model == "contrast":
        out = t * common - a * d_xy - b * d_yx
    else:
        out = common / (common + a * d_xy + b * d_yx + opts.ratio_eps)
    return out.reshape(*lead, y.shape[0])


# the public names shadow the keyword arguments inside tversky_similarity
_intersection = intersection
_difference = difference
