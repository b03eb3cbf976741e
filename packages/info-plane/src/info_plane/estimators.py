"""Mutual-information estimators for a layer's activity T = h(X) (Shwartz-Ziv & Tishby 2017; Saxe et al. 2018).

Both estimators treat the rows of ``activity`` as the N distinct inputs x, each with probability 1/N.

* Binning (the paper, Sec. 3.1): every unit is discretised into equal bins, a row's bin codes form the discrete
  variable T, and plug-in entropies give ``I(X;T) = H(T)`` (Eq. 7 with H(T|X) = 0 for a deterministic layer)
  and ``I(T;Y) = H(T) - sum_y p(y) H(T | Y = y)``, in bits.
* KDE (Kolchinsky & Tracey 2017, used by Saxe et al. 2018): T = h(X) + N(0, s2 I); pairwise-distance upper
  (KL) and lower (Bhattacharyya) bounds on the entropy of the resulting Gaussian mixture.

Every function is vectorised over leading dimensions: ``activity`` of shape ``[..., N, d]`` (e.g. a stack of
independently trained networks) gives results of shape ``[...]``.
"""

from __future__ import annotations

import math
import warnings

import torch

LN2 = math.log(2.0)

__all__ = [
    "bin_codes",
    "bin_mi",
    "entropy_bins",
    "kde_entropy_lower",
    "kde_entropy_upper",
    "kde_mi",
]


# --------------------------------------------------------------------------------------------- checks


def _check_activity(activity: torch.Tensor, name: str = "activity") -> torch.Tensor:
    if not isinstance(activity, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape [..., N, d], got {type(activity).__name__}")
    if activity.dim() < 2:
        raise ValueError(
            f"{name} must have shape [..., N, d] (N inputs, d units), got {tuple(activity.shape)}"
        )
    if not activity.is_floating_point():
        activity = activity.to(torch.float32)
    if activity.shape[-2] < 1 or activity.shape[-1] < 1:
        raise ValueError(f"{name} must have at least one input and one unit, got {tuple(activity.shape)}")
    if not torch.isfinite(activity).all():
        raise ValueError(f"{name} contains NaN or inf: mutual information is undefined for it")
    return activity


def _check_bound(value: float | None, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number or None (the activity's extreme), got {value!r}")
    return float(value)


def _check_chunk(chunk: int) -> int:
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer, got {chunk!r}")
    return chunk


def _check_labels(labels: torch.Tensor, n: int, device: torch.device) -> torch.Tensor:
    if not isinstance(labels, torch.Tensor):
        raise TypeError(
            f"labels must be an integer torch.Tensor of length N={n}, got {type(labels).__name__}"
        )
    if labels.dtype.is_floating_point or labels.dtype.is_complex or labels.dtype == torch.bool:
        raise ValueError(f"labels must be integer class indices (int64), got dtype {labels.dtype}")
    if labels.dim() != 1 or labels.shape[0] != n:
        raise ValueError(
            f"labels must have shape [N] with N={n} (one per input row), got {tuple(labels.shape)}"
        )
    if (labels < 0).any():
        raise ValueError("labels must be non-negative class indices")
    return labels.to(device=device, dtype=torch.int64)


# ------------------------------------------------------------------------------------------- binning


def bin_codes(
    activity: torch.Tensor,
    *,
    n_bins: int = 30,
    lo: float | None = -1.0,
    hi: float | None = 1.0,
    binsize: float | None = None,
) -> torch.Tensor:
    """Discretise every unit of a layer's activity into integer bin codes.

    With ``binsize`` the code is ``floor(h / binsize)`` (fixed-width bins, Saxe et al.'s ``binsize=0.07``).
    Otherwise the edges are ``linspace(lo, hi, n_bins)`` (the paper: 30 edges in [-1, 1]) and the code is the
    number of edges ``<= h`` (``np.digitize``, as in the official code): values ``< lo`` get code 0 and values
    ``>= hi`` code ``n_bins``. ``lo=None`` / ``hi=None`` take the minimum / maximum of the activity (per leading
    index: the adaptive range Saxe et al. use for ReLU).

    Args:
        activity: float tensor ``[..., N, d]``.
        n_bins: number of bin edges (>= 2).
        lo: lowest edge, or None for the activity's minimum.
        hi: highest edge, or None for the activity's maximum.
        binsize: fixed bin width (> 0); overrides ``n_bins``, ``lo`` and ``hi``.

    Returns:
        int64 tensor ``[..., N, d]`` of codes.
    """
    activity = _check_activity(activity)
    lo, hi = _check_bound(lo, "lo"), _check_bound(hi, "hi")
    if binsize is not None:
        if (
            not isinstance(binsize, (int, float))
            or isinstance(binsize, bool)
            or not binsize > 0
            or not math.isfinite(binsize)
        ):
            raise ValueError(f"binsize must be a positive number or None, got {binsize!r}")
        return torch.floor(activity / float(binsize)).to(torch.int64)
    if isinstance(n_bins, bool) or not isinstance(n_bins, int) or n_bins < 2:
        raise ValueError(f"n_bins must be an integer >= 2, got {n_bins!r}")
    lead = activity.shape[:-2]
    # float64 edges and comparisons, as numpy's linspace/digitize in the official code (bit-identical codes)
    flat = activity.reshape(*lead, -1).to(torch.float64)
    lo_t = flat.amin(-1) if lo is None else torch.full(lead, float(lo), dtype=flat.dtype, device=flat.device)
    hi_t = flat.amax(-1) if hi is None else torch.full(lead, float(hi), dtype=flat.dtype, device=flat.device)
    if lo is not None and hi is not None and not float(lo) < float(hi):
        raise ValueError(f"lo must be < hi, got lo={lo}, hi={hi}")
    if lo is not None or hi is not None:
        outside = (flat < lo_t[..., None]) | (flat > hi_t[..., None])
        if outside.any():
            frac = float(outside.to(torch.float64).mean())
            warnings.warn(
                f"{100 * frac:.2f}% of the activity lies outside the bin range [{lo}, {hi}]: those values fall "
                "into the edge bins. Fixed [-1, 1] bins suit tanh only; for ReLU or other unbounded "
                "activations use hi=None (adaptive range) or binsize=... (the IDNNs#12 pitfall)",
                RuntimeWarning,
                stacklevel=2,
            )
    # degenerate adaptive range (a constant layer): every value gets the same code
    span = (hi_t - lo_t).clamp_min(torch.finfo(flat.dtype).tiny)
    step = span / (n_bins - 1)
    ramp = torch.arange(n_bins, dtype=flat.dtype, device=flat.device)
    edges = ramp * step[..., None] + lo_t[..., None]  # numpy.linspace: i * step + start, the last = stop
    edges[..., -1] = hi_t
    step = step[..., None]
    # the number of edges <= h: an arithmetic guess, then one exact correction against the edges themselves
    guess = torch.floor((flat - lo_t[..., None]) / step).clamp_(-1, n_bins - 1).to(torch.int64) + 1
    pad = torch.full((*lead, 1), math.inf, dtype=flat.dtype, device=flat.device)
    ext = torch.cat([-pad, edges, pad], dim=-1)  # ext[k] = edges[k - 1]; ext[0] = -inf, ext[n_bins + 1] = inf
    guess = guess - (flat < ext.gather(-1, guess)).to(torch.int64)  # edges[guess - 1] must be <= h
    guess = guess + (flat >= ext.gather(-1, guess + 1)).to(torch.int64)  # edges[guess] must be > h
    return guess.reshape(activity.shape)


def _row_ids(codes: torch.Tensor) -> torch.Tensor:
    """Dense ids ``[..., N]`` (in [0, N)) such that two rows of one leading index share an id iff they are equal."""
    lead, n, d = codes.shape[:-2], codes.shape[-2], codes.shape[-1]
    flat = codes.reshape(-1, n, d)
    cmin = flat.amin(dim=(-2, -1), keepdim=True)
    shifted = flat - cmin
    width = int(shifted.max()) + 1 if shifted.numel() else 1
    bits = max(1, math.ceil(math.log2(width))) if width > 1 else 1
    if bits * d <= 62:  # pack each row into one int64 (the common case: <= 12 units of 30 bins)
        weights = torch.tensor([1 << (bits * i) for i in range(d)], dtype=torch.int64, device=codes.device)
        packed = (shifted * weights).sum(-1)
        return _dense_ids(packed).reshape(*lead, n)
    ids = torch.empty(flat.shape[:2], dtype=torch.int64, device=codes.device)
    for m in range(flat.shape[0]):  # wide layers: one unique over rows per network of the stack
        ids[m] = torch.unique(flat[m], dim=0, return_inverse=True)[1]
    return ids.reshape(*lead, n)


def _dense_ids(keys: torch.Tensor) -> torch.Tensor:
    """``keys [M, N]`` int64 -> ids in [0, N) per row of M, equal ids iff equal keys (sorting, no Python loop)."""
    sorted_keys, order = keys.sort(dim=-1)
    new = torch.ones_like(sorted_keys, dtype=torch.int64)
    new[:, 1:] = (sorted_keys[:, 1:] != sorted_keys[:, :-1]).to(torch.int64)
    rank = new.cumsum(-1) - 1
    ids = torch.empty_like(rank)
    ids.scatter_(-1, order, rank)
    return ids


def entropy_bins(ids: torch.Tensor) -> torch.Tensor:
    """Plug-in entropy in bits of a discrete variable given one id per equiprobable sample.

    Args:
        ids: int64 tensor ``[..., N]`` of non-negative ids (< N after :func:`bin_codes` row hashing), one per
            sample; all samples have probability 1/N.

    Returns:
        float64 tensor ``[...]``: ``H = -sum_t p(t) log2 p(t)`` with ``p(t)`` the frequency of id ``t``.
    """
    if not isinstance(ids, torch.Tensor) or ids.dtype.is_floating_point or ids.dim() < 1:
        raise ValueError("ids must be an integer tensor of shape [..., N]")
    lead, n = ids.shape[:-1], ids.shape[-1]
    if n == 0 or ids.numel() == 0:  # no samples: zero entropy (as an empty sum)
        return torch.zeros(lead, dtype=torch.float64, device=ids.device)
    flat = ids.reshape(-1, n).to(torch.int64)
    dense = _dense_ids(flat)
    counts = torch.zeros(flat.shape[0], n, dtype=torch.float64, device=ids.device)
    counts.scatter_add_(-1, dense, torch.ones_like(dense, dtype=torch.float64))
    p = counts / n
    h = -(torch.where(p > 0, p * torch.log2(p.clamp_min(1e-300)), torch.zeros_like(p))).sum(-1)
    return h.reshape(lead)


def bin_mi(
    activity: torch.Tensor,
    labels: torch.Tensor,
    *,
    n_bins: int = 30,
    lo: float | None = -1.0,
    hi: float | None = 1.0,
    binsize: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """I(X;T) and I(T;Y) in bits of a deterministic layer by binning its activity (the paper's estimator).

    ``I(X;T) = H(T)`` (each row is a distinct input, p(x) = 1/N, H(T|X) = 0) and
    ``I(T;Y) = H(T) + H(Y) - H(T, Y) = H(T) - sum_y p(y) H(T | Y = y)``.

    Args:
        activity: float tensor ``[..., N, d]``: one row per distinct input, one column per unit.
        labels: int64 tensor ``[N]`` of class indices of the rows.
        n_bins: number of equal bin edges between ``lo`` and ``hi`` (paper: 30).
        lo: lowest edge (paper: -1, for tanh), or None for the activity's minimum.
        hi: highest edge (paper: 1), or None for the activity's maximum (adaptive range, for ReLU).
        binsize: fixed bin width instead of edges (Saxe et al.: 0.07).

    Returns:
        ``(ixt, ity)``: float64 tensors of shape ``[...]``, in bits.
    """
    activity = _check_activity(activity)
    y = _check_labels(labels, activity.shape[-2], activity.device)
    codes = bin_codes(activity, n_bins=n_bins, lo=lo, hi=hi, binsize=binsize)
    ids = _row_ids(codes)  # [..., N]
    h_t = entropy_bins(ids) + 0.0  # no -0.0
    n_classes = int(y.max()) + 1
    h_ty = entropy_bins(ids * n_classes + y)
    h_y = entropy_bins(y)
    ity = (h_t + h_y - h_ty).clamp_min(0.0)  # exact arithmetic is >= 0; remove -1e-16 rounding
    return h_t, ity


# ----------------------------------------------------------------------------------------------- KDE


def _check_variance(noise_variance: float) -> float:
    if isinstance(noise_variance, bool) or not isinstance(noise_variance, (int, float)):
        raise TypeError(f"noise_variance must be a positive float, got {noise_variance!r}")
    if not noise_variance > 0 or not math.isfinite(noise_variance):
        raise ValueError(f"noise_variance must be > 0 and finite, got {noise_variance}")
    return float(noise_variance)


def _pairwise_lse(
    h: torch.Tensor, scale: float, labels: torch.Tensor | None, n_classes: int, chunk: int
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``log sum_j exp(-||h_i - h_j||^2 * scale)`` over all j, and over the j of i's class: ``[..., N]`` each.

    Every sum contains its own ``j = i`` term (``exp(0) = 1``), so no max-subtraction is needed: the sums are
    >= 1. Distances come from one float64 matmul per block.
    """
    h = h.to(torch.float64)
    n = h.shape[-2]
    sq = h.square().sum(-1)  # [..., N]
    out_all = torch.empty(h.shape[:-1], dtype=torch.float64, device=h.device)
    out_cls = torch.empty_like(out_all) if labels is not None else None
    onehot = None
    if labels is not None:
        onehot = torch.nn.functional.one_hot(labels, n_classes).to(torch.float64)  # [N, K]
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        gram = h[..., start:stop, :] @ h.transpose(-1, -2)  # [..., c, N]
        d2 = (sq[..., start:stop, None] + sq[..., None, :] - 2.0 * gram).clamp_min_(0.0)
        w = d2.mul_(-scale).exp_()
        out_all[..., start:stop] = w.sum(-1).log()
        if labels is not None and out_cls is not None and onehot is not None:
            per_class = w @ onehot  # [..., c, K]
            own = labels[start:stop].expand(*per_class.shape[:-1])[..., None]
            out_cls[..., start:stop] = per_class.gather(-1, own).squeeze(-1).log()
    return out_all, out_cls


def kde_entropy_upper(h: torch.Tensor, noise_variance: float = 1e-3, *, chunk: int = 1024) -> torch.Tensor:
    """Upper bound (nats) on the entropy of T = h(X) + N(0, s2 I), X uniform over the rows of ``h``.

    Kolchinsky & Tracey (2017), Eq. for the KL pairwise bound: with ``D_ij = ||h_i - h_j||^2``,
    ``H_upper = H(T|X) - mean_i log mean_j exp(-D_ij / (2 s2))`` and ``H(T|X) = (d/2)(log(2 pi s2) + 1)``.

    Args:
        h: float tensor ``[..., N, d]``.
        noise_variance: variance ``s2`` of the added Gaussian noise (> 0).
        chunk: rows per block of pairwise distances (memory ``chunk * N`` per leading index).

    Returns:
        float64 tensor ``[...]`` in nats.
    """
    h = _check_activity(h, "h")
    s2 = _check_variance(noise_variance)
    chunk = _check_chunk(chunk)
    lse, _ = _pairwise_lse(h, 1.0 / (2.0 * s2), None, 0, chunk)
    n, d = h.shape[-2], h.shape[-1]
    return _cond_entropy(d, s2) - (lse - math.log(n)).mean(-1)


def kde_entropy_lower(h: torch.Tensor, noise_variance: float = 1e-3, *, chunk: int = 1024) -> torch.Tensor:
    """Lower bound (nats) on the entropy of T = h(X) + N(0, s2 I): the Bhattacharyya pairwise bound.

    ``H_lower = H(T|X) - mean_i log mean_j exp(-D_ij / (8 s2))`` (equivalently :func:`kde_entropy_upper` with
    ``4 s2`` plus ``(d/2) log(1/4)``).

    Args:
        h: float tensor ``[..., N, d]``.
        noise_variance: variance ``s2`` of the added Gaussian noise (> 0).
        chunk: rows per block of pairwise distances.

    Returns:
        float64 tensor ``[...]`` in nats.
    """
    h = _check_activity(h, "h")
    s2 = _check_variance(noise_variance)
    chunk = _check_chunk(chunk)
    lse, _ = _pairwise_lse(h, 1.0 / (8.0 * s2), None, 0, chunk)
    n, d = h.shape[-2], h.shape[-1]
    return _cond_entropy(d, s2) - (lse - math.log(n)).mean(-1)


def _cond_entropy(d: int, s2: float) -> float:
    return 0.5 * d * (math.log(2.0 * math.pi * s2) + 1.0)


def kde_mi(
    activity: torch.Tensor,
    labels: torch.Tensor,
    *,
    noise_variance: float = 1e-3,
    bound: str = "upper",
    chunk: int = 1024,
) -> tuple[torch.Tensor, torch.Tensor]:
    """I(X;T) and I(T;Y) in bits from pairwise-distance bounds on a noisy layer T = h(X) + N(0, s2 I).

    Saxe et al. (2018), following Kolchinsky & Tracey (2017): ``I(X;T) = H(T) - H(T|X)`` and
    ``I(T;Y) = H(T) - sum_c p(c) H(T | Y = c)``, each entropy the KL (``bound="upper"``) or Bhattacharyya
    (``bound="lower"``) pairwise bound; divided by ln 2 for bits. Cost O(N^2 d), in float64, chunked.

    Args:
        activity: float tensor ``[..., N, d]``: the noise-free activity h(x) of each distinct input.
        labels: int64 tensor ``[N]`` of class indices.
        noise_variance: ``s2`` (Saxe et al.: 1e-3).
        bound: ``"upper"`` (KL) or ``"lower"`` (Bhattacharyya).
        chunk: rows per block of pairwise distances.

    Returns:
        ``(ixt, ity)``: float64 tensors ``[...]`` in bits.
    """
    activity = _check_activity(activity)
    s2 = _check_variance(noise_variance)
    if bound not in ("upper", "lower"):
        raise ValueError(f"bound must be 'upper' or 'lower', got {bound!r}")
    chunk = _check_chunk(chunk)
    n = activity.shape[-2]
    y = _check_labels(labels, n, activity.device)
    scale = 1.0 / (2.0 * s2) if bound == "upper" else 1.0 / (8.0 * s2)
    n_classes = int(y.max()) + 1
    lse_all, lse_cls = _pairwise_lse(activity, scale, y, n_classes, chunk)
    assert lse_cls is not None
    counts = torch.bincount(y, minlength=n_classes).to(torch.float64)
    # H(T) - H(T|X) = -mean_i [lse_i - log N]; H(T|Y=c) - H(T|X) = -mean_{i in c} [lse^c_i - log N_c]
    ixt = -(lse_all - math.log(n)).mean(-1)
    log_nc = counts.log()[y]  # [N]
    # sum_c p(c) mean_{i in c} f_i = mean_i f_i, since p(c) = N_c / N
    h_t_given_y = -(lse_cls - log_nc).mean(-1)
    ity = ixt - h_t_given_y
    return ixt / LN2, ity / LN2
