"""NNGP and NTK of deep fully connected networks on the unit sphere, at any depth and in the depth limit.

For a network Dense - phi - ... - Dense with ``L`` hidden layers (NTK parametrisation, no bias) on unit-norm
inputs, with ``phid`` the activation's dual (:mod:`wide_deep_ntk.activations`):

    xi_0 = <x, x'>,   xi_{l+1} = phid(xi_l),                         NNGP  = xi_L
    Theta_0 = xi_0,   Theta_{l+1} = xi_{l+1} + Theta_l phid'(xi_l),   NTK   = Theta_L

(the paper's Sec. 2; on the diagonal ``xi_l = 1`` and ``Theta_L = sum_{i<=L} lam^(L-i)``, ``lam = phid'(1)``).
Everything is float64 torch on the inputs' device. Deep kernels leave the float64 range (``mu^L`` with
``mu = phid'(0)``), hence the log-domain :func:`log_nngp` (rescaled recursion ``c_l = xi_l / mu^l`` in the
singular regime, the leading power ``log xi_{l+1} = k log xi_l + log a_k^2`` in the 1-NN regime) and the
Koenigs limit :func:`limit_kernel` ``c(xi) = lim_L phid^L(xi) / mu^L``, the infinite-depth kernel.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import torch

from wide_deep_ntk.activations import DualActivation, get_activation

__all__ = [
    "MAX_KERNEL_BYTES",
    "gram",
    "kernel_path",
    "limit_kernel",
    "log_nngp",
    "nngp",
    "nngp_and_ntk",
    "ntk",
    "ntk_diagonal",
    "to_sphere",
]

_SNAP = 1e-15
MAX_KERNEL_BYTES = 4 * 2**30
"""Largest kernel matrix built in one piece (float64 bytes); beyond it the functions ask for ``batch_size``."""


def to_sphere(X: Any, *, bias: bool = False) -> Any:
    """Project the rows of ``X`` onto the unit sphere (optionally after appending a constant 1 feature).

    Args:
        X: ``(n, d)`` array or tensor.
        bias: append a column of ones first (keeps the norm information of standardised data).

    Returns:
        The normalised rows, same kind as ``X`` (float64).
    """
    is_np = not isinstance(X, torch.Tensor)
    t = _as_tensor(X, "X")
    if bias:
        t = torch.cat([t, torch.ones(t.shape[0], 1, dtype=t.dtype, device=t.device)], dim=1)
    norms = t.norm(dim=1)
    zero = torch.nonzero(norms == 0).flatten().tolist()
    if zero:
        shown = ", ".join(map(str, zero[:10])) + (" ..." if len(zero) > 10 else "")
        raise ValueError(
            f"X has {len(zero)} row(s) of zero norm (indices {shown}) that cannot be projected to the sphere; "
            "drop them or use bias=True"
        )
    out = t / norms[:, None]
    return out.cpu().numpy() if is_np else out


def _as_tensor(X: Any, name: str, device: Any = None) -> torch.Tensor:
    if isinstance(X, torch.Tensor):
        if X.dtype in (torch.float32, torch.float16, torch.bfloat16):
            warnings.warn(f"{name} is {X.dtype}; computing in float64 (deep kernels need it)", stacklevel=3)
        t = X.detach().to(dtype=torch.float64, device=device if device is not None else X.device)
    else:
        arr = np.asarray(X)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
        t = torch.as_tensor(arr.astype(np.float64, copy=False), device=device)
    if t.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return t


def _check_depth(depth: Any) -> int:
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 0:
        raise ValueError(f"depth must be a non-negative integer, got {depth!r}")
    return int(depth)


def _check_unit(t: torch.Tensor, name: str) -> None:
    dev = (t.norm(dim=1) - 1.0).abs()
    if t.shape[0] and float(dev.max()) > 1e-6:
        i = int(dev.argmax())
        raise ValueError(
            f"rows of {name} must have unit norm (row {i} has norm {float(t[i].norm()):.6g}); project them with "
            "to_sphere(X) or pass normalize=True"
        )


def gram(X1: Any, X2: Any = None, *, normalize: bool = False, device: Any = None) -> torch.Tensor:
    """``xi_0 = clip(X1 X2^T, -1, 1)`` as a float64 tensor (diagonal exactly 1 when ``X2`` is None; entries
    within 1e-15 of +-1 are set to +-1).

    Args:
        X1: ``(n, d)`` unit-norm rows.
        X2: ``(m, d)`` unit-norm rows, or None for ``X1`` itself.
        normalize: project the rows onto the sphere first.
        device: where to compute (default: the inputs' device).

    Returns:
        The ``(n, m)`` tensor of inner products.
    """
    A = _as_tensor(X1, "X1", device)
    B = A if X2 is None else _as_tensor(X2, "X2", A.device)
    if A.shape[1] != B.shape[1]:
        raise ValueError(
            f"X1 and X2 must have the same number of features, got {A.shape[1]} and {B.shape[1]}"
        )
    if normalize:
        A = to_sphere(A)
        B = A if X2 is None else to_sphere(B)
    _check_unit(A, "X1")
    _check_unit(B, "X2")
    if A.shape[0] * B.shape[0] * 8 > MAX_KERNEL_BYTES:
        raise ValueError(
            f"a {A.shape[0]} x {B.shape[0]} kernel needs {A.shape[0] * B.shape[0] * 8 / 2**30:.1f} GiB, more than "
            f"{MAX_KERNEL_BYTES / 2**30:.0f} GiB: compute it in column blocks (pass X2 in batches)"
        )
    with _no_tf32():
        G = A @ B.T
    # within 1e-15 of +-1 (distance < 4.5e-8, the roundoff of projecting to the sphere): exactly +-1, so that
    # coincident points are recognised whatever the matmul's summation order
    G = torch.where(
        G >= 1.0 - _SNAP, torch.ones_like(G), torch.where(G <= -1.0 + _SNAP, -torch.ones_like(G), G)
    )
    if X2 is None:
        G.fill_diagonal_(1.0)
    return G


class _no_tf32:
    def __enter__(self) -> None:
        self.old = torch.backends.cuda.matmul.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = False

    def __exit__(self, *exc: Any) -> None:
        torch.backends.cuda.matmul.allow_tf32 = self.old


def _out(K: torch.Tensor, like: Any) -> Any:
    return K if isinstance(like, torch.Tensor) else K.cpu().numpy()


def _recurse(xi: torch.Tensor, act: DualActivation, depth: int, with_ntk: bool, scaled: bool) -> tuple:
    theta = xi.clone() if with_ntk else None
    s = 1.0  # diagonal value of Theta_l when scaled (Theta_l / s_l keeps the diagonal at 1)
    lam = act.lam if (with_ntk and scaled) else 1.0
    for _ in range(depth):
        if theta is None:
            xi = act.dual(xi).clamp_(-1.0, 1.0)
            continue
        new, der = act.dual_and_ddual(xi)
        new = new.clamp_(-1.0, 1.0)
        if scaled:
            s_new = 1.0 + lam * s
            theta = theta.mul_(der).mul_(s / s_new).add_(new, alpha=1.0 / s_new)
            s = s_new
        else:
            theta = theta.mul_(der).add_(new)
        xi = new
    return xi, theta


def nngp_and_ntk(
    X1: Any,
    X2: Any = None,
    activation: str | DualActivation = "relu",
    depth: int = 1,
    *,
    scaled: bool = False,
    normalize: bool = False,
    device: Any = None,
) -> tuple[Any, Any]:
    """Both kernels of the depth-``depth`` network in one pass (the recursion in the module docstring).

    Args:
        X1: ``(n, d)`` unit-norm rows (array or tensor).
        X2: ``(m, d)`` unit-norm rows, or None for ``X1`` itself.
        activation: a registered name or a :class:`DualActivation`.
        depth: the number of hidden layers ``L >= 0``.
        scaled: divide the NTK by its diagonal value ``sum_{i<=L} lam^(L-i)`` (keeps deep NTKs in range; the
            classifier and regressor are unchanged by it).
        normalize: project the rows onto the sphere first.
        device: where to compute (default: the inputs' device).

    Returns:
        ``(nngp, ntk)``, each ``(n, m)``: numpy arrays for numpy inputs, float64 tensors for tensors.
    """
    act = get_activation(activation)
    depth = _check_depth(depth)
    xi, theta = _recurse(gram(X1, X2, normalize=normalize, device=device), act, depth, True, scaled)
    return _out(xi, X1), _out(theta, X1)


def kernel_path(
    X1: Any,
    X2: Any = None,
    activation: str | DualActivation = "relu",
    depths: Any = (1,),
    *,
    scaled: bool = True,
    normalize: bool = False,
    device: Any = None,
) -> dict[int, tuple[Any, Any]]:
    """``(nngp, ntk)`` at several depths from one pass of the recursion (depth sweeps cost the largest depth).

    Args:
        X1: ``(n, d)`` unit-norm rows (array or tensor).
        X2: ``(m, d)`` unit-norm rows, or None for ``X1`` itself.
        activation: a registered name or a :class:`DualActivation`.
        depths: the depths wanted (non-negative integers).
        scaled: divide the NTK by its diagonal value (as in :func:`nngp_and_ntk`).
        normalize: project the rows onto the sphere first.
        device: where to compute (default: the inputs' device).

    Returns:
        ``{depth: (nngp, ntk)}`` (numpy for numpy inputs).
    """
    act = get_activation(activation)
    if isinstance(depths, (str, bytes)) or not hasattr(depths, "__iter__"):
        raise ValueError(f"depths must be a non-empty sequence of non-negative integers, got {depths!r}")
    try:
        wanted = sorted({_check_depth(d) for d in depths})
    except ValueError as err:
        raise ValueError(f"depths must hold non-negative integers, got {depths!r}") from err
    if not wanted:
        raise ValueError("depths is empty: name at least one depth")
    xi = gram(X1, X2, normalize=normalize, device=device)
    theta = xi.clone()
    out: dict[int, tuple[Any, Any]] = {}
    done = 0
    for d in wanted:
        xi, theta = _recurse_from(xi, theta, act, done, d, scaled)
        done = d
        out[d] = (_out(xi.clone(), X1), _out(theta.clone(), X1))
    return out


def _recurse_from(
    xi: torch.Tensor, theta: torch.Tensor, act: DualActivation, start: int, stop: int, scaled: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    lam = act.lam
    s = sum(lam**i for i in range(start + 1)) if scaled else 1.0
    for _ in range(start, stop):
        new, der = act.dual_and_ddual(xi)
        new = new.clamp_(-1.0, 1.0)
        if scaled:
            s_new = 1.0 + lam * s
            theta = theta.mul_(der).mul_(s / s_new).add_(new, alpha=1.0 / s_new)
            s = s_new
        else:
            theta = theta.mul_(der).add_(new)
        xi = new
    return xi, theta


def nngp(
    X1: Any,
    X2: Any = None,
    activation: str | DualActivation = "relu",
    depth: int = 1,
    *,
    normalize: bool = False,
    device: Any = None,
) -> Any:
    """NNGP kernel ``xi_L = phid^L(<x, x'>)`` of a network with ``depth`` hidden layers.

    Args:
        X1: ``(n, d)`` unit-norm rows (array or tensor).
        X2: ``(m, d)`` unit-norm rows, or None for ``X1`` itself.
        activation: a registered name or a :class:`DualActivation`.
        depth: the number of hidden layers ``L >= 0``.
        normalize: project the rows onto the sphere first.
        device: where to compute (default: the inputs' device).

    Returns:
        The ``(n, m)`` kernel (numpy for numpy inputs). Off-diagonal values below ~1e-308 underflow to 0: use
        :func:`log_nngp` for deep singular or 1-NN activations.
    """
    act = get_activation(activation)
    depth = _check_depth(depth)
    xi, _ = _recurse(gram(X1, X2, normalize=normalize, device=device), act, depth, False, False)
    return _out(xi, X1)


def ntk(
    X1: Any,
    X2: Any = None,
    activation: str | DualActivation = "relu",
    depth: int = 1,
    *,
    scaled: bool = False,
    normalize: bool = False,
    device: Any = None,
) -> Any:
    """Neural tangent kernel ``Theta_L`` of a network with ``depth`` hidden layers.

    Args:
        X1: ``(n, d)`` unit-norm rows (array or tensor).
        X2: ``(m, d)`` unit-norm rows, or None for ``X1`` itself.
        activation: a registered name or a :class:`DualActivation`.
        depth: the number of hidden layers ``L >= 0``.
        scaled: divide by the diagonal value ``sum_{i<=L} lam^(L-i)`` (:func:`ntk_diagonal`).
        normalize: project the rows onto the sphere first.
        device: where to compute (default: the inputs' device).

    Returns:
        The ``(n, m)`` kernel (numpy for numpy inputs).
    """
    return nngp_and_ntk(X1, X2, activation, depth, scaled=scaled, normalize=normalize, device=device)[1]


def ntk_diagonal(activation: str | DualActivation, depth: int) -> float:
    """``Theta_L(x, x) = sum_{i=0}^{L} lam^(L-i)`` for a unit-norm ``x`` (``lam = phid'(1)``).

    Args:
        activation: a registered name or a :class:`DualActivation`.
        depth: the number of hidden layers ``L >= 0``.

    Returns:
        The diagonal value (``L + 1`` when ``lam = 1``, e.g. ReLU).
    """
    lam = get_activation(activation).lam
    depth = _check_depth(depth)
    return float(sum(lam**i for i in range(depth + 1)))


_FREEZE = 1e-13  # |xi| below it: phid(xi) = mu xi to relative 1e-13, so c_l = xi_l / mu^l stops changing
_SAFE_LOG = -650.0  # mu^l = exp(l log mu) is a normal float64 above it


def _scale(c: torch.Tensor, log_factor: float) -> torch.Tensor:
    """``c * exp(log_factor)`` without intermediate under/overflow of the factor."""
    if abs(log_factor) < -_SAFE_LOG:
        return c * math.exp(log_factor)
    return torch.sign(c) * torch.exp(torch.log(c.abs()) + log_factor)


def _odd_fixed(act: DualActivation) -> bool:
    """``phid(-1) = -1``: -1 is a (repelling) fixed point like 1, as for odd activations."""
    return float(act.dual_of(-1.0)) <= -1.0 + 1e-12


def _poles(xi: torch.Tensor, act: DualActivation) -> tuple[torch.Tensor, torch.Tensor]:
    """Entries fixed at +1 (coincident points) and at -1 (antipodal points of odd activations)."""
    return xi >= 1.0, (xi <= -1.0) if _odd_fixed(act) else torch.zeros_like(xi, dtype=torch.bool)


def _rescaled(xi: torch.Tensor, act: DualActivation, steps: int) -> tuple:
    """``c_L = xi_L / mu^L`` by the rescaled recursion (entries at the fixed points +-1 set to 0; the caller
    fixes them); stops early once every entry is frozen. Returns ``(c, converged)``."""
    logmu = math.log(act.mu)
    pos, neg = _poles(xi, act)
    c = torch.where(pos | neg, torch.zeros_like(xi), xi)
    for l in range(steps):
        x_l = _scale(c, l * logmu)
        if l % 4 == 0:
            frozen = x_l.abs() < _FREEZE
            if bool(frozen.all()):
                return c, True
        new = act.dual(x_l.clamp_(-1.0, 1.0)).clamp_(-1.0, 1.0)
        c = torch.where(x_l.abs() < _FREEZE, c, _scale(new, -(l + 1) * logmu))
    return c, bool((_scale(c, steps * logmu).abs() < _FREEZE).all())


def log_nngp(
    X1: Any,
    X2: Any = None,
    activation: str | DualActivation = "2d_opt",
    depth: int = 100,
    *,
    normalize: bool = False,
    device: Any = None,
) -> tuple[Any, Any]:
    """The NNGP ``xi_L`` in the log domain, exact where :func:`nngp` underflows: ``(log |xi_L|, sign xi_L)``.

    Singular regime: the rescaled recursion ``c_{l+1} = phid(mu^l c_l) / mu^(l+1)``, frozen once
    ``|xi_l| < 1e-13`` (there ``phid(xi) = mu xi`` to that precision), so ``log xi_L = log c_L + L log mu``.
    1-NN regime: ``log xi_{l+1} = log a_k^2 + k log xi_l`` once ``xi_l`` would underflow (``k`` the lowest
    Hermite power). Majority and linear regimes stay in range and use :func:`nngp`.

    Args:
        X1: ``(n, d)`` unit-norm rows (array or tensor).
        X2: ``(m, d)`` unit-norm rows, or None for ``X1`` itself.
        activation: a registered name or a :class:`DualActivation`.
        depth: the number of hidden layers ``L >= 0``.
        normalize: project the rows onto the sphere first.
        device: where to compute (default: the inputs' device).

    Returns:
        ``(log_abs, sign)``, each ``(n, m)`` (``log_abs = -inf`` where ``xi_L = 0``).
    """
    act = get_activation(activation)
    depth = _check_depth(depth)
    xi = gram(X1, X2, normalize=normalize, device=device)
    regime = act.regime()
    if regime == "singular" and depth * math.log(act.mu) < _SAFE_LOG:
        c, _ = _rescaled(xi, act, depth)
        log_abs, sign = torch.log(c.abs()) + depth * math.log(act.mu), torch.sign(c)
        pos, neg = _poles(xi, act)  # xi = +-1 stays +-1
        log_abs = torch.where(pos | neg, torch.zeros_like(log_abs), log_abs)
        sign = torch.where(pos, torch.ones_like(sign), torch.where(neg, -torch.ones_like(sign), sign))
    elif regime == "nearest_neighbor":
        k, weight = act.leading_term()
        log_w, thr = math.log(weight), -600.0 / k
        t, sign = torch.log(xi.abs()), torch.sign(xi)
        sign_w = 1.0  # a_k^2 > 0
        for _ in range(depth):
            x_l = sign * torch.exp(t)
            new = act.dual(x_l).clamp_(-1.0, 1.0)
            asym_t, asym_s = log_w + k * t, sign_w * sign**k
            small = t < thr
            t = torch.where(small, asym_t, torch.log(new.abs()))
            sign = torch.where(small, asym_s, torch.sign(new))
        log_abs = t
    else:
        K, _ = _recurse(xi, act, depth, False, False)
        log_abs, sign = torch.log(K.abs()), torch.sign(K)
    return _out(log_abs, X1), _out(sign, X1)


def limit_kernel(
    X1: Any,
    X2: Any = None,
    activation: str | DualActivation = "2d_opt",
    *,
    max_depth: int = 10_000,
    normalize: bool = False,
    device: Any = None,
) -> Any:
    """The infinite-depth kernel of the singular regime: the Koenigs function ``c(xi) = lim phid^L(xi) / mu^L``.

    Computed by the rescaled recursion until every entry is frozen (``|xi_l| < 1e-13``, where ``phid`` is
    linear to that precision). It satisfies ``c(phid(xi)) = mu c(xi)`` and ``c(xi) ~ (1 - xi)^(-alpha)`` as ``xi -> 1``; the infinitely
    deep network (NNGP or NTK) classifies by ``sign sum_i y_i c(<x, x_i>)``. Entries with ``xi = 1`` are
    ``inf`` (coincident points), and ``-inf`` where ``xi = -1`` for odd activations (``phid(-1) = -1``).

    Args:
        X1: ``(n, d)`` unit-norm rows (array or tensor).
        X2: ``(m, d)`` unit-norm rows, or None for ``X1`` itself.
        activation: a registered name or a :class:`DualActivation` in the singular regime.
        max_depth: the most iterations (a warning if not converged).
        normalize: project the rows onto the sphere first.
        device: where to compute (default: the inputs' device).

    Returns:
        The ``(n, m)`` limit kernel (numpy for numpy inputs).
    """
    act = get_activation(activation)
    if act.regime() != "singular":
        raise ValueError(
            f"limit_kernel needs an activation in the singular regime (phid(0) = 0 < phid'(0) < 1); "
            f"{act.name!r} is in the {act.regime()!r} regime"
        )
    max_depth = _check_depth(max_depth)
    xi = gram(X1, X2, normalize=normalize, device=device)
    c, converged = _rescaled(xi, act, max_depth)
    if not converged:
        warnings.warn(f"limit_kernel did not converge in max_depth={max_depth} steps", stacklevel=2)
    pos, neg = _poles(xi, act)
    c = torch.where(pos, torch.full_like(c, math.inf), torch.where(neg, torch.full_like(c, -math.inf), c))
    return _out(c, X1)
