"""Uniform and non-uniform quantizers with bucketing (Polino et al. 2018, Section 2.1).

A tensor is flattened and cut into *buckets* of ``bucket_size`` consecutive values (the last one padded with
copies of the tensor's last value, as the official code does, so that its minimum and maximum are unchanged).
Each bucket is scaled to ``[0, 1]`` by the *scaling function* ``sc(v) = (v - beta) / alpha`` with
``beta = min`` and ``alpha = max - min`` (Eq. 2's min-max scaling; a constant bucket gets ``alpha = 1``), then
rounded to one of ``s = 2**bits`` levels ``{0, 1/(s-1), ..., 1}`` (Eq. 1, deterministic or stochastic rounding),
and mapped back: ``Q(v) = sc^{-1}(q(sc(v)))``. The ``"absmax"`` scaling keeps the sign and rounds
``|v| / max|v|`` to ``2**(bits-1)`` levels. The non-uniform quantizer (Section 2.2, differentiable
quantization) replaces the uniform levels with a sorted set of points ``p`` in ``[0, 1]``: each scaled value
goes to its nearest point.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Literal

import torch

Scaling = Literal["minmax", "absmax"]
SCALINGS = ("minmax", "absmax")
MAX_BITS = 16


def check_bits(bits: int, name: str = "bits") -> int:
    """Validate a bit width (an int in ``[1, 16]``) and return it.

    Args:
        bits: the bit width.
        name: the argument's name in error messages.

    Returns:
        ``bits``.
    """
    if isinstance(bits, bool) or not isinstance(bits, int):
        raise TypeError(f"{name} must be an int in [1, {MAX_BITS}], got {bits!r}")
    if not 1 <= bits <= MAX_BITS:
        raise ValueError(f"{name} must be in [1, {MAX_BITS}], got {bits}")
    return bits


def check_bucket_size(bucket_size: int | None) -> int | None:
    """Validate a bucket size (a positive int, or None for one bucket per tensor) and return it.

    Args:
        bucket_size: the bucket size.

    Returns:
        ``bucket_size``.
    """
    if bucket_size is None:
        return None
    if isinstance(bucket_size, bool) or not isinstance(bucket_size, int) or bucket_size < 1:
        raise ValueError(f"bucket_size must be a positive int or None, got {bucket_size!r}")
    return bucket_size


def check_scaling(scaling: str) -> str:
    """Validate a scaling function name and return it.

    Args:
        scaling: ``"minmax"`` or ``"absmax"``.

    Returns:
        ``scaling``.
    """
    if scaling not in SCALINGS:
        raise ValueError(f"scaling must be one of {SCALINGS}, got {scaling!r}")
    return scaling


def _check_tensor(w: torch.Tensor, name: str = "w") -> None:
    if not isinstance(w, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(w).__name__}")
    if not w.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {w.dtype}")
    if w.numel() == 0:
        raise ValueError(f"{name} must not be empty")


@dataclass(frozen=True)
class BucketScaler:
    """The buckets of one tensor and their scaling (Eq. 2): ``scale`` maps each bucket into ``[0, 1]``
    (``"minmax"``) or ``[-1, 1]`` (``"absmax"``), ``unscale`` maps back.

    Build it with :meth:`BucketScaler.fit`. Statistics are computed in float32 at least (so bf16/fp16 weights
    get exact float32 minima and maxima).

    Args:
        shape: the original tensor's shape.
        numel: the original number of values.
        bucket_size: values per bucket (the whole tensor when None was asked).
        alpha: per-bucket scale, shape ``(n_buckets, 1)`` (``max - min`` or ``max |v|``; 1 for a constant bucket).
        beta: per-bucket offset, shape ``(n_buckets, 1)`` (the minimum; 0 for ``"absmax"``).
        scaling: ``"minmax"`` or ``"absmax"``.
    """

    shape: torch.Size
    numel: int
    bucket_size: int
    alpha: torch.Tensor
    beta: torch.Tensor
    scaling: str = "minmax"

    @staticmethod
    def buckets(w: torch.Tensor, bucket_size: int | None) -> torch.Tensor:
        """``w`` flattened into rows of ``bucket_size`` (the last row padded with copies of the last value).

        Args:
            w: the tensor.
            bucket_size: values per row; None: one row.

        Returns:
            ``(n_buckets, bucket_size)`` tensor.
        """
        flat = w.reshape(-1)
        k = flat.numel() if bucket_size is None else min(bucket_size, flat.numel())
        pad = (-flat.numel()) % k
        if pad:
            flat = torch.cat([flat, flat[-1:].expand(pad)])
        return flat.reshape(-1, k)

    @classmethod
    def fit(cls, w: torch.Tensor, *, bucket_size: int | None = 256, scaling: str = "minmax") -> BucketScaler:
        """Per-bucket scale and offset of ``w``.

        Args:
            w: the tensor to quantize (any shape, floating point).
            bucket_size: values per bucket; None puts the whole tensor in one bucket.
            scaling: ``"minmax"`` (alpha = max - min, beta = min) or ``"absmax"`` (alpha = max |v|, beta = 0).

        Returns:
            The scaler.
        """
        _check_tensor(w)
        check_bucket_size(bucket_size)
        check_scaling(scaling)
        rows = cls.buckets(w.detach(), bucket_size)
        stat = rows.float() if rows.dtype in (torch.float16, torch.bfloat16) else rows
        if scaling == "minmax":
            lo, hi = stat.aminmax(dim=1, keepdim=True)
            alpha, beta = hi - lo, lo
        else:
            alpha, beta = stat.abs().amax(dim=1, keepdim=True), torch.zeros_like(stat[:, :1])
        alpha = torch.where(alpha < 1e-10, torch.ones_like(alpha), alpha)  # a constant bucket (official: 1)
        return cls(w.shape, w.numel(), rows.shape[1], alpha, beta, scaling)

    @property
    def n_buckets(self) -> int:
        return int(self.alpha.shape[0])

    def scale(self, w: torch.Tensor) -> torch.Tensor:
        """``(n_buckets, bucket_size)`` scaled values ``(v - beta) / alpha`` (float32 at least).

        Args:
            w: a tensor of the fitted shape.

        Returns:
            The scaled rows.
        """
        if w.shape != self.shape:
            raise ValueError(f"w must have the fitted shape {tuple(self.shape)}, got {tuple(w.shape)}")
        rows = self.buckets(w, self.bucket_size)
        rows = rows.float() if rows.dtype in (torch.float16, torch.bfloat16) else rows
        return (rows - self.beta) / self.alpha

    def unscale(self, u: torch.Tensor, dtype: torch.dtype | None = None) -> torch.Tensor:
        """Inverse of :meth:`scale`: rows back to the original shape (and ``dtype``).

        Args:
            u: ``(n_buckets, bucket_size)`` scaled values.
            dtype: output dtype (None: the statistics' dtype).

        Returns:
            The tensor in the original shape.
        """
        v = u * self.alpha + self.beta
        v = v.reshape(-1)[: self.numel].reshape(self.shape)
        return v if dtype is None else v.to(dtype)


def levels(bits: int, scaling: str = "minmax") -> int:
    """Number of uniform levels ``s`` on ``[0, 1]``: ``2**bits`` for min-max scaling, ``2**(bits-1)`` for
    absmax (one bit is the sign).

    Args:
        bits: the bit width.
        scaling: ``"minmax"`` or ``"absmax"``.

    Returns:
        ``s``.
    """
    check_bits(bits)
    return 2**bits if check_scaling(scaling) == "minmax" else 2 ** (bits - 1)


def _round(x: torch.Tensor, stochastic: bool, generator: torch.Generator | None) -> torch.Tensor:
    """Deterministic (nearest) or stochastic rounding (Eq. 1: floor + Bernoulli(fractional part))."""
    if not stochastic:
        return torch.round(x)
    low = torch.floor(x)
    noise = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return low + (noise < (x - low)).to(x.dtype)


def uniform_codes(
    w: torch.Tensor,
    *,
    bits: int = 4,
    bucket_size: int | None = 256,
    scaling: str = "minmax",
    stochastic: bool = False,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, BucketScaler]:
    """Integer codes of the uniform quantizer and the bucket scaler (what :func:`uniform_quantize` decodes).

    Args:
        w: tensor to quantize (floating point, any shape).
        bits: bit width b in ``[1, 16]`` (``"absmax"`` needs ``b >= 2``).
        bucket_size: values per bucket (default 256, as in all the paper's experiments); None: one bucket.
        scaling: ``"minmax"`` (default, the paper's linear scaling) or ``"absmax"`` (sign + magnitude).
        stochastic: stochastic rounding (unbiased, Eq. 1) instead of rounding to nearest.
        generator: random generator of the stochastic rounding.

    Returns:
        ``(codes, scaler)``: codes of shape ``(n_buckets, bucket_size)`` as float values in ``[0, s-1]``
        (signed in ``[-(s-1), s-1]`` for absmax), and the :class:`BucketScaler`.
    """
    _check_tensor(w)
    check_bits(bits)
    if scaling == "absmax" and bits < 2:
        raise ValueError(f"absmax scaling needs bits >= 2 (one bit is the sign), got bits={bits}")
    if not torch.isfinite(w).all():
        raise ValueError("w contains NaN or inf; refusing to quantize it")
    scaler = BucketScaler.fit(w, bucket_size=bucket_size, scaling=scaling)
    s = levels(bits, scaling)
    u = scaler.scale(w.detach())
    if scaling == "minmax":
        codes = _round(u.clamp(0.0, 1.0) * (s - 1), stochastic, generator)
    else:
        codes = torch.sign(u) * _round(u.abs().clamp(0.0, 1.0) * (s - 1), stochastic, generator)
    return codes, scaler


def decode_uniform(
    codes: torch.Tensor, scaler: BucketScaler, *, bits: int, dtype: torch.dtype | None = None
) -> torch.Tensor:
    """``Q(v) = alpha * codes / (s - 1) + beta`` reshaped to the original tensor (the inverse of the codes).

    Args:
        codes: codes from :func:`uniform_codes` (any dtype; converted to the scaler's dtype).
        scaler: the bucket scaler they were made with.
        bits: their bit width.
        dtype: output dtype (default: the scaler's statistics dtype).

    Returns:
        The dequantized tensor.
    """
    s = levels(bits, scaler.scaling)
    q = codes.to(scaler.alpha.dtype) / (s - 1)
    return scaler.unscale(q, dtype)


def uniform_quantize(
    w: torch.Tensor,
    *,
    bits: int = 4,
    bucket_size: int | None = 256,
    scaling: str = "minmax",
    stochastic: bool = False,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Uniform b-bit quantization with bucketing, ``Q(v) = sc^{-1}(q(sc(v)))`` (Eqs. 1-2).

    With min-max scaling every bucket takes at most ``2**bits`` distinct values, and its minimum and maximum
    are represented exactly (up to float rounding of ``alpha + beta``). The result has ``w``'s shape and
    dtype; it is not differentiable (see :class:`quantized_distillation.QuantizeWeight` for the
    straight-through estimator).

    Args:
        w: tensor to quantize (floating point, any shape; NaN refused).
        bits: bit width b in ``[1, 16]``.
        bucket_size: values per bucket (default 256, the paper's); None: the whole tensor is one bucket.
        scaling: ``"minmax"`` (default) or ``"absmax"``.
        stochastic: stochastic rounding (unbiased: ``E[Q(v)] = v``) instead of rounding to nearest.
        generator: random generator for stochastic rounding.

    Returns:
        The quantized tensor, same shape and dtype as ``w``.
    """
    codes, scaler = uniform_codes(
        w, bits=bits, bucket_size=bucket_size, scaling=scaling, stochastic=stochastic, generator=generator
    )
    return decode_uniform(codes, scaler, bits=bits, dtype=w.dtype)


def check_n_points(n_points: int) -> int:
    """Validate a number of quantization points (an int >= 2) and return it."""
    if isinstance(n_points, bool) or not isinstance(n_points, int) or n_points < 2:
        raise ValueError(f"n_points must be an int >= 2, got {n_points!r}")
    return n_points


def check_points(points: torch.Tensor, *, name: str = "points", sort: bool = False) -> torch.Tensor:
    """Validate quantization points: a 1-D floating tensor of at least 2 finite values, sorted.

    Args:
        points: the points.
        name: the argument's name in error messages.
        sort: unsorted points are sorted with a warning instead of raising.

    Returns:
        The (sorted) points.
    """
    if not isinstance(points, torch.Tensor) or not points.is_floating_point():
        got = f"dtype {points.dtype}" if isinstance(points, torch.Tensor) else type(points).__name__
        raise TypeError(f"{name} must be a floating-point torch.Tensor, got {got}")
    if points.dim() != 1:
        raise ValueError(f"{name} must be 1-D, got shape {tuple(points.shape)}")
    if points.numel() < 2:
        raise ValueError(f"{name} must hold at least 2 points, got {points.numel()}")
    if not torch.isfinite(points).all():
        raise ValueError(f"{name} must be finite, got {points.tolist()}")
    if (points[1:] < points[:-1]).any():
        if not sort:
            raise ValueError(f"{name} must be sorted in increasing order, got {points.tolist()}")
        warnings.warn(f"{name} were not sorted; sorting them", stacklevel=2)
        points = points.sort().values
    return points


def nearest_point(u: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """Index of the nearest of the sorted ``points`` for every value of ``u`` (``torch.bucketize`` on the
    midpoints; ties go to the lower point). No host synchronisation, no numpy.

    Args:
        u: scaled values (any shape).
        points: sorted 1-D points.

    Returns:
        int64 indices, ``u``'s shape.
    """
    mids = (points[1:] + points[:-1]) / 2
    return torch.bucketize(u.contiguous(), mids.to(u.dtype).contiguous())


def nonuniform_quantize(
    w: torch.Tensor, points: torch.Tensor, *, bucket_size: int | None = 256
) -> tuple[torch.Tensor, torch.Tensor]:
    """Non-uniform quantization (Section 2.2): each min-max-scaled value goes to its nearest point.

    ``w_hat = alpha_b * p[j(i)] + beta_b`` where ``j(i)`` is the nearest of the sorted points ``p`` to
    ``sc(w_i)``. Differentiable in ``points``: ``d w_hat_i / d p_j = alpha_b [j(i) = j]``, so autograd gives
    ``dL/dp_j = sum_{i: j(i)=j} alpha_b(i) dL/dw_hat_i`` (the paper's gradient of the points).

    Args:
        w: tensor to quantize (floating point; treated as constant).
        points: sorted 1-D points in the scaled space ``[0, 1]`` (at least 2).
        bucket_size: values per bucket (default 256); None: one bucket.

    Returns:
        ``(w_hat, codes)``: the quantized tensor (``w``'s shape) and the int64 index of each value's point.
    """
    _check_tensor(w)
    check_points(points)
    if not torch.isfinite(w).all():
        raise ValueError("w contains NaN or inf; refusing to quantize it")
    scaler = BucketScaler.fit(w, bucket_size=bucket_size, scaling="minmax")
    u = scaler.scale(w.detach())
    codes = nearest_point(u, points.detach())
    w_hat = scaler.unscale(points.to(u.dtype)[codes], w.dtype)
    return w_hat, codes.reshape(-1)[: w.numel()].reshape(w.shape)


def quantile_points(w: torch.Tensor, n_points: int, *, bucket_size: int | None = 256) -> torch.Tensor:
    """Initial points for differentiable quantization: quantiles of the scaled values of ``w`` at
    ``linspace(0, 1, n_points)`` (the official ``"quantiles"`` initialisation).

    Args:
        w: the weights.
        n_points: number of points (at least 2).
        bucket_size: values per bucket of the scaling.

    Returns:
        Sorted points in ``[0, 1]``.
    """
    check_n_points(n_points)
    _check_tensor(w)
    if not torch.isfinite(w).all():
        raise ValueError("w contains NaN or inf; its quantiles are undefined")
    u = BucketScaler.fit(w, bucket_size=bucket_size).scale(w.detach()).reshape(-1).float()
    q = torch.quantile(u, torch.linspace(0, 1, n_points, device=u.device))
    return q.to(w.dtype if w.dtype == torch.float64 else torch.float32)


def uniform_points(
    n_points: int, *, device: torch.device | str | None = None, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """``n_points`` equally spaced points on ``[0, 1]`` (the ``"uniform"`` initialisation; with
    ``2**bits`` points it equals the uniform quantizer's levels).

    Args:
        n_points: number of points (at least 2).
        device: their device.
        dtype: their dtype.

    Returns:
        The points.
    """
    check_n_points(n_points)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating torch.dtype (points lie in [0, 1]), got {dtype!r}")
    return torch.linspace(0.0, 1.0, n_points, device=device, dtype=dtype)


def bits_for(n_points: int) -> int:
    """Bits needed to index ``n_points`` points: ``ceil(log2 n_points)``.

    Args:
        n_points: number of points.

    Returns:
        The bits.
    """
    return max(1, math.ceil(math.log2(n_points)))
