"""Dual activations: the scalar maps whose iterates give the NNGP and NTK of a deep fully connected network.

An activation ``phi`` normalised so that ``E[phi(z)^2] = 1`` (z ~ N(0, 1)) has the Hermite expansion
``phi = sum_k a_k h_k`` (``h_k = He_k / sqrt(k!)``, ``sum_k a_k^2 = 1``) and the *dual*

    phid(xi) = E[phi(u) phi(v)] = sum_k a_k^2 xi^k,   (u, v) standard normal with correlation xi,

with ``phid(1) = 1`` and ``phid'(xi) = E[phi'(u) phi'(v)]`` (the paper's Sec. 2; the NNGP/NTK recursions are in
:mod:`wide_deep_ntk.kernels`). The infinite-depth classifier depends only on ``phid`` (the paper's main
theorem, as derived in this package's README): ``phid(0) > 0`` gives majority vote, ``phid'(0) = 0`` gives
1-nearest-neighbour, and ``0 < mu = phid'(0) < 1`` a singular kernel ``~ ||x - x'||^(-2 alpha)`` with
``alpha = ln(1/mu) / ln(lam)``, ``lam = phid'(1)``; ``2 alpha = d - 1`` on the (d-1)-sphere is the consistent
(Hilbert-kernel) exponent.

All duals work on torch tensors (float64 on any device); the public methods also take floats and numpy arrays.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import torch

__all__ = [
    "ACTIVATIONS",
    "DualActivation",
    "from_function",
    "from_hermite",
    "get_activation",
    "hermite_functions",
    "optimal_for_dim",
]

Regime = Literal["majority", "nearest_neighbor", "singular", "linear"]
TensorFn = Callable[[torch.Tensor], torch.Tensor]


def _apply(fn: TensorFn, x: Any) -> Any:
    """Apply a tensor function to a tensor (returned as a tensor) or to floats / arrays (returned alike)."""
    if isinstance(x, torch.Tensor):
        return fn(x)
    arr = np.asarray(x, dtype=np.float64)
    out = fn(torch.as_tensor(arr)).numpy()
    return float(out) if arr.ndim == 0 else out


def hermite_functions(z: torch.Tensor, degree: int) -> torch.Tensor:
    """Normalised probabilists' Hermite polynomials ``h_k(z) = He_k(z) / sqrt(k!)``, k = 0..degree.

    Args:
        z: points, any shape.
        degree: the highest degree (>= 0).

    Returns:
        A tensor of shape ``(degree + 1, *z.shape)`` (stable recursion
        ``h_{k+1} = (z h_k - sqrt(k) h_{k-1}) / sqrt(k + 1)``).
    """
    if degree < 0:
        raise ValueError(f"degree must be >= 0, got {degree}")
    out = [torch.ones_like(z)]
    if degree >= 1:
        out.append(z.clone())
    for k in range(1, degree):
        out.append((z * out[k] - math.sqrt(k) * out[k - 1]) / math.sqrt(k + 1))
    return torch.stack(out)


def _poly(coeffs_sq: np.ndarray) -> tuple[TensorFn, TensorFn]:
    """``sum_k c_k xi^k`` and its derivative (sparse powers when few terms are non-zero, else Horner)."""
    c = [float(v) for v in coeffs_sq]
    dc = [k * c[k] for k in range(1, len(c))]

    def evaluate(cs: list[float], xi: torch.Tensor) -> torch.Tensor:
        terms = [(k, v) for k, v in enumerate(cs) if v != 0.0]
        if not terms:
            return torch.zeros_like(xi)
        if len(terms) <= max(3, len(cs) // 3):
            out = torch.full_like(xi, terms[0][1]) if terms[0][0] == 0 else None
            for k, v in terms:
                if k == 0:
                    continue
                p = xi * v if k == 1 else xi.pow(k).mul_(v)
                out = p if out is None else out.add_(p)
            assert out is not None
            return out
        out = torch.full_like(xi, cs[-1])
        for v in reversed(cs[:-1]):
            out.mul_(xi).add_(v)
        return out

    return (lambda xi: evaluate(c, xi)), (lambda xi: evaluate(dc, xi))


@dataclasses.dataclass(frozen=True, eq=False)
class DualActivation:
    """A normalised activation through its dual ``phid`` (and derivative ``phid'``).

    Args:
        name: a label (the registry's name for registered activations).
        dual: ``phid`` on float64 tensors; must satisfy ``phid(1) = 1`` (checked to 1e-8).
        ddual: ``phid'`` on float64 tensors.
        hermite_coeffs: the signed Hermite coefficients ``a_k`` of ``phi`` (k = 0, 1, ...), when known; they
            give ``phi`` itself and the leading power used by the log-domain 1-NN recursion.
        phi: the activation itself on tensors (for finite-width networks and Monte Carlo checks); built from
            ``hermite_coeffs`` when omitted and the coefficients are given.
        both: optional ``xi -> (phid(xi), phid'(xi))`` sharing work (the NTK recursion uses it).
    """

    name: str
    dual: TensorFn = dataclasses.field(repr=False)
    ddual: TensorFn = dataclasses.field(repr=False)
    hermite_coeffs: np.ndarray | None = dataclasses.field(default=None, repr=False)
    phi: TensorFn | None = dataclasses.field(default=None, repr=False)
    both: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]] | None = dataclasses.field(
        default=None, repr=False
    )

    def __post_init__(self) -> None:
        one = float(self.dual(torch.ones((), dtype=torch.float64)))
        if not math.isfinite(one) or abs(one - 1.0) > 1e-8:
            raise ValueError(
                f"activation {self.name!r} is not normalised: phid(1) = E[phi(z)^2] = {one!r}, expected 1 "
                "(divide phi by the square root of E[phi(z)^2])"
            )
        if self.hermite_coeffs is not None:
            coeffs = np.asarray(self.hermite_coeffs, dtype=np.float64)
            object.__setattr__(self, "hermite_coeffs", coeffs)
            if self.phi is None:
                object.__setattr__(self, "phi", _phi_from_hermite(coeffs))

    # ------------------------------------------------------------------ evaluation (tensors, arrays, floats)
    def __call__(self, xi: Any) -> Any:
        """``phid(xi)`` (same as :meth:`dual_of`)."""
        return self.dual_of(xi)

    def dual_and_ddual(self, xi: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(phid(xi), phid'(xi))`` on a tensor (one pass where the activation provides it)."""
        if self.both is not None:
            return self.both(xi)
        return self.dual(xi), self.ddual(xi)

    def dual_of(self, xi: Any) -> Any:
        """``phid(xi) = E[phi(u) phi(v)]`` for correlation ``xi`` (tensor, array or float)."""
        return _apply(self.dual, xi)

    def ddual_of(self, xi: Any) -> Any:
        """``phid'(xi) = E[phi'(u) phi'(v)]`` (tensor, array or float)."""
        return _apply(self.ddual, xi)

    # ----------------------------------------------------------------------------------------- constants
    @property
    def phi0(self) -> float:
        """``phid(0) = a_0^2``: non-zero means the majority-vote regime."""
        return float(self.dual_of(0.0))

    @property
    def mu(self) -> float:
        """``phid'(0) = a_1^2``: the contraction rate of the off-diagonal entries near 0."""
        return float(self.ddual_of(0.0))

    @property
    def lam(self) -> float:
        """``phid'(1) = sum_k k a_k^2``: the growth rate of the NTK diagonal (escape rate from xi = 1)."""
        return float(self.ddual_of(1.0))

    def regime(self) -> Regime:
        """Which classifier the infinitely deep network implements (the paper's taxonomy).

        Returns:
            ``"majority"`` (``phid(0) > 0``), ``"nearest_neighbor"`` (``phid(0) = phid'(0) = 0``),
            ``"singular"`` (``phid(0) = 0 < phid'(0) < 1``) or ``"linear"`` (``phid(xi) = xi``: depth changes
            nothing).
        """
        if self.phi0 > 1e-12:
            return "majority"
        mu = self.mu
        if mu < 1e-12:
            return "nearest_neighbor"
        if mu >= 1.0 - 1e-12:
            return "linear"
        return "singular"

    @property
    def alpha(self) -> float | None:
        """Singularity exponent ``ln(1/mu) / ln(lam)`` of the limit kernel ``c(xi) ~ (1 - xi)^(-alpha)``
        (singular regime; None otherwise). The limit classifier weighs ``||x - x_i||^(-2 alpha)``."""
        if self.regime() != "singular":
            return None
        return math.log(1.0 / self.mu) / math.log(self.lam)

    def leading_term(self) -> tuple[int, float]:
        """The lowest power ``k >= 1`` with ``a_k != 0`` and its weight ``a_k^2`` (from the Hermite
        coefficients; used by the log-domain recursion of the 1-NN regime)."""
        if self.hermite_coeffs is None:
            raise ValueError(
                f"activation {self.name!r} has no Hermite coefficients; build it with from_hermite or "
                "from_function to use the log-domain recursion"
            )
        sq = self.hermite_coeffs**2
        for k in range(1, len(sq)):
            if sq[k] > 1e-300:
                return k, float(sq[k])
        raise ValueError(f"activation {self.name!r} is constant (all a_k = 0 for k >= 1)")


def _phi_from_hermite(coeffs: np.ndarray) -> TensorFn:
    def phi(z: torch.Tensor) -> torch.Tensor:
        h = hermite_functions(z, len(coeffs) - 1)
        c = torch.as_tensor(coeffs, dtype=h.dtype, device=h.device)
        return torch.tensordot(c, h, dims=1)

    return phi


def from_hermite(coeffs: Any, *, name: str = "hermite_series", normalize: bool = False) -> DualActivation:
    """An activation from its Hermite coefficients: ``phi = sum_k a_k h_k``, ``phid(xi) = sum_k a_k^2 xi^k``.

    Args:
        coeffs: ``a_0, a_1, ...`` (signed; 1-D, finite).
        name: a label.
        normalize: divide by ``sqrt(sum a_k^2)`` instead of refusing an unnormalised activation.

    Returns:
        The :class:`DualActivation`.
    """
    a = np.asarray(coeffs, dtype=np.float64)
    if a.ndim != 1 or a.size == 0 or not np.isfinite(a).all():
        raise ValueError(f"coeffs must be a non-empty 1-D array of finite numbers, got {coeffs!r}")
    total = float((a**2).sum())
    if normalize:
        if total == 0:
            raise ValueError("coeffs are all zero: the activation cannot be normalised")
        a = a / math.sqrt(total)
    elif abs(total - 1.0) > 1e-8:
        raise ValueError(
            f"coeffs are not normalised: sum a_k^2 = E[phi(z)^2] = {total!r}, expected 1 (or normalize=True)"
        )
    dual, ddual = _poly(a**2)
    return DualActivation(name, dual, ddual, hermite_coeffs=a)


def from_function(
    phi: TensorFn,
    *,
    deg: int = 80,
    n_quad: int | None = None,
    name: str = "numerical",
    normalize: bool = False,
) -> DualActivation:
    """An activation from ``phi`` itself: Hermite coefficients by Gauss-Hermite quadrature, then the series.

    Args:
        phi: the activation on float64 tensors.
        deg: the highest Hermite degree kept (the series is truncated there).
        n_quad: quadrature points (default ``max(2 deg, 200)``).
        name: a label.
        normalize: divide ``phi`` by ``sqrt(E[phi(z)^2])`` instead of refusing an unnormalised one.

    Returns:
        The :class:`DualActivation` (its ``phi`` is the given function, rescaled when ``normalize``).
    """
    if not callable(phi):
        raise TypeError(f"phi must be a callable on float64 tensors, got {phi!r}")
    if isinstance(deg, bool) or not isinstance(deg, (int, np.integer)) or deg < 1:
        raise ValueError(f"deg must be an integer >= 1, got {deg!r}")
    nq = n_quad or max(2 * deg, 200)
    nodes, weights = np.polynomial.hermite_e.hermegauss(nq)
    z = torch.as_tensor(nodes)
    w = torch.as_tensor(weights / math.sqrt(2.0 * math.pi))
    vals = phi(z).to(torch.float64)
    if not torch.isfinite(vals).all():
        raise ValueError("phi returned non-finite values at the quadrature nodes")
    second = float((w * vals**2).sum())
    scale = 1.0
    if normalize:
        scale = 1.0 / math.sqrt(second)
    elif abs(second - 1.0) > 1e-6:
        raise ValueError(
            f"phi is not normalised: E[phi(z)^2] = {second:.10g}, expected 1 (divide phi by "
            f"{math.sqrt(second):.10g} or pass normalize=True)"
        )
    a = (hermite_functions(z, deg) * (w * vals)).sum(-1).numpy() * scale
    kept = float((a**2).sum())
    if 1.0 - kept > 1e-4:
        warnings.warn(
            f"the Hermite series of {name!r} truncated at degree {deg} keeps {kept:.6f} of E[phi^2]; the dual is "
            "renormalised to phid(1) = 1 (raise deg for a closer dual)",
            stacklevel=2,
        )
    a = a / math.sqrt(kept)
    dual, ddual = _poly(a**2)

    def phi_scaled(x: torch.Tensor) -> torch.Tensor:
        return phi(x) * scale

    return DualActivation(name, dual, ddual, hermite_coeffs=a, phi=phi_scaled)


# ------------------------------------------------------------------------------------------ closed forms
def _relu() -> DualActivation:
    def dual(xi: torch.Tensor) -> torch.Tensor:
        xi = xi.clamp(-1.0, 1.0)
        return (torch.sqrt((1.0 - xi * xi).clamp_min(0.0)) + (math.pi - torch.arccos(xi)) * xi) / math.pi

    def ddual(xi: torch.Tensor) -> torch.Tensor:
        return (math.pi - torch.arccos(xi.clamp(-1.0, 1.0))) / math.pi

    def both(xi: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        xi = xi.clamp(-1.0, 1.0)
        d = torch.arccos(xi).neg_().add_(math.pi).div_(math.pi)
        return torch.sqrt((1.0 - xi * xi).clamp_min_(0.0)).div_(math.pi).addcmul_(d, xi), d

    return DualActivation("relu", dual, ddual, phi=lambda z: math.sqrt(2.0) * torch.relu(z), both=both)


_ERF_NORM = math.asin(2.0 / 3.0)


def _erf_coeffs(deg: int = 80) -> np.ndarray:
    # arcsin(x) = sum_n (2n)! / (4^n (n!)^2 (2n + 1)) x^(2n + 1); signs of a_k alternate like those of sin
    a = np.zeros(deg + 1)
    for n in range((deg - 1) // 2 + 1):
        k = 2 * n + 1
        c = math.exp(math.lgamma(2 * n + 1) - n * math.log(4) - 2 * math.lgamma(n + 1)) / (2 * n + 1)
        a[k] = (-1) ** n * math.sqrt(c * (2.0 / 3.0) ** k / _ERF_NORM)
    return a


def _erf() -> DualActivation:
    norm = math.sqrt(2.0 / math.pi * _ERF_NORM)
    return DualActivation(
        "erf",
        lambda xi: torch.arcsin((2.0 / 3.0) * xi.clamp(-1.0, 1.0)) / _ERF_NORM,
        lambda xi: (2.0 / 3.0) / (torch.sqrt(1.0 - 4.0 * xi.clamp(-1.0, 1.0) ** 2 / 9.0) * _ERF_NORM),
        hermite_coeffs=_erf_coeffs(),
        phi=lambda z: torch.erf(z) / norm,
    )


def _sine_coeffs(a: float, deg: int) -> np.ndarray:
    c = np.zeros(deg + 1)
    log_sinh = a + math.log1p(-math.exp(-2 * a)) - math.log(2.0)
    for k in range(1, deg + 1, 2):
        c[k] = (-1) ** ((k - 1) // 2) * math.exp(0.5 * (k * math.log(a) - math.lgamma(k + 1) - log_sinh))
    return c


def _sine(a: float) -> DualActivation:
    if not (math.isfinite(a) and a > 0):
        raise ValueError(f"sine activation needs a > 0, got {a!r}")
    amp = math.sqrt(2.0 / (-math.expm1(-2.0 * a)))
    sa = math.sqrt(a)
    deg = int(max(60, 2 * a + 12 * math.sqrt(a) + 20))
    return DualActivation(
        f"sine_{a:g}",
        lambda xi: torch.sinh(a * xi) / math.sinh(a),
        lambda xi: a * torch.cosh(a * xi) / math.sinh(a),
        hermite_coeffs=_sine_coeffs(a, deg),
        phi=lambda z: amp * torch.sin(sa * z),
    )


def _hermite(k: int) -> DualActivation:
    if k < 1:
        raise ValueError(f"hermite_<k> needs k >= 1, got {k}")
    a = np.zeros(k + 1)
    a[k] = 1.0
    return from_hermite(a, name=f"hermite_{k}")


def _poly_act(name: str, sq: dict[int, float]) -> DualActivation:
    a = np.zeros(max(sq) + 1)
    for k, v in sq.items():
        a[k] = math.sqrt(v)
    return from_hermite(a, name=name)


ACTIVATIONS: dict[str, Callable[[], DualActivation]] = {
    "relu": _relu,
    "erf": _erf,
    "sine": lambda: _sine(1.0),
    "linear": lambda: _poly_act("linear", {1: 1.0}),
    "2d_opt": lambda: _poly_act("2d_opt", {1: 0.5, 7: 0.5}),
    "3d_opt": lambda: _poly_act("3d_opt", {1: 0.5, 3: 0.5}),
    "5d_opt": lambda: _poly_act("5d_opt", {1: 0.25, 2: 0.5, 3: 0.25}),
    "9d_opt": lambda: _poly_act("9d_opt", {1: 1 / 16, 2: 7 / 8, 3: 1 / 16}),
    "mv_cubic": lambda: _poly_act("mv_cubic", {0: 0.5, 3: 0.5}),
}
"""Registered names; ``sine_<a>`` (e.g. ``sine_6.13539``) and ``hermite_<k>`` (e.g. ``hermite_2``) are
parametric."""


def get_activation(name: str | DualActivation) -> DualActivation:
    """The registered activation ``name`` (a :class:`DualActivation` is returned unchanged).

    Args:
        name: ``relu`` (``sqrt(2) max(0, z)``), ``erf`` (``erf(z)`` normalised), ``sine`` / ``sine_<a>``
            (``sqrt(2 / (1 - e^(-2a))) sin(sqrt(a) z)``), ``2d_opt``, ``3d_opt``, ``5d_opt``, ``9d_opt`` (the
            official consistent polynomials), ``hermite_<k>`` (``h_k``), ``mv_cubic`` (``(h_0 + h_3) /
            sqrt 2``, fast majority vote) or ``linear`` (``phid(xi) = xi``).

    Returns:
        The :class:`DualActivation`.
    """
    if isinstance(name, DualActivation):
        return name
    if not isinstance(name, str):
        raise TypeError(f"activation must be a name or a DualActivation, got {type(name).__name__}")
    if name in ACTIVATIONS:
        return ACTIVATIONS[name]()
    if name.startswith("sine_"):
        try:
            a = float(name[5:])
        except ValueError:
            a = float("nan")
        return _sine(a)
    if name.startswith("hermite_") and name[8:].isdigit():
        return _hermite(int(name[8:]))
    raise ValueError(
        f"activation must be one of {sorted(ACTIVATIONS)}, 'sine_<a>' or 'hermite_<k>', got {name!r}"
    )


def _bisect(f: Callable[[float], float], lo: float, hi: float, iters: int = 200) -> float:
    flo = f(lo)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        fm = f(mid)
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return 0.5 * (lo + hi)


def optimal_for_dim(d: float, family: Literal["poly", "sine"] = "poly") -> DualActivation:
    """An activation whose infinitely deep network is the consistent Hilbert-kernel classifier on the
    ``(d - 1)``-sphere: ``2 alpha = d - 1`` (inputs in R^d normalised to the unit sphere).

    Args:
        d: the data dimension (> 1; the intrinsic dimension for real data, not the ambient one).
        family: ``"poly"``: ``phid = mu xi + (1 - 2 mu) xi^2 + mu xi^3`` with ``mu = 2^(-alpha)`` for
            ``alpha >= 1`` (this is 3d_opt, 5d_opt and 9d_opt at d = 3, 5, 9) and ``mu xi + (1 - mu) xi^k``
            with ``k = 7`` for ``alpha < 1`` (2d_opt at d = 2; ``mu`` solved numerically otherwise);
            ``"sine"``: ``sine_a`` with ``a`` solved for (needs d > 2: the sine family has alpha > 1/2).

    Returns:
        The :class:`DualActivation` (named after d and the family).
    """
    if not (isinstance(d, (int, float)) and math.isfinite(d) and d > 1):
        raise ValueError(f"d must be a number > 1, got {d!r}")
    alpha = (d - 1) / 2.0
    if family == "sine":
        if alpha <= 0.5 + 1e-9:
            raise ValueError(f"the sine family reaches only 2 alpha > 1, i.e. d > 2, got d={d}")

        def g(a: float) -> float:
            return math.log(math.sinh(a) / a) / math.log(a / math.tanh(a)) - alpha

        a = _bisect(g, 1e-3, 700.0)
        act = _sine(a)
        return dataclasses.replace(act, name=f"sine_{a:.6g}")
    if family != "poly":
        raise ValueError(f"family must be 'poly' or 'sine', got {family!r}")
    if d == 2:
        return get_activation("2d_opt")
    if alpha >= 1.0:
        mu = 2.0**-alpha
        return _poly_act(f"opt_poly_d{d:g}", {1: mu, 2: 1.0 - 2.0 * mu, 3: mu})
    k = 7 if alpha > 1 / 6 + 1e-3 else math.ceil(1.0 / alpha) + 2

    def h(mu: float) -> float:
        return math.log(1.0 / mu) / math.log(mu + k * (1.0 - mu)) - alpha

    mu = _bisect(h, 1e-12, 1.0 - 1e-12)
    return _poly_act(f"opt_poly_d{d:g}", {1: mu, k: 1.0 - mu})
