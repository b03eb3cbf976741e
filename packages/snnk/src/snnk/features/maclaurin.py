"""Random Maclaurin (power-series) features for tanh / GELU (the paper's appendix), and the series' coefficients."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from snnk.features.base import MACLAURIN_ACTIVATIONS, FeatureMap, _check_int
from snnk.features.exact import exact_kernel

__all__ = ["MaclaurinFeatures", "gelu_coefficients", "tanh_coefficients"]


def tanh_coefficients(max_degree: int) -> list[float]:
    """Maclaurin coefficients ``a_0..a_max_degree`` of tanh: ``z − z³/3 + 2z⁵/15 − 17z⁷/315 + …``.

    Computed from the Bernoulli numbers: ``a_n = 2^{n+1}(2^{n+1} − 1) B_{n+1} / (n+1)!`` for odd ``n``.
    """
    _check_int("max_degree", max_degree, minimum=0)
    # Bernoulli numbers B_0..B_{max_degree+1} by the Akiyama–Tanigawa algorithm (exact rationals)
    from fractions import Fraction

    n_max = max_degree + 1
    bern = []
    a = [Fraction(0)] * (n_max + 1)
    for m in range(n_max + 1):
        a[m] = Fraction(1, m + 1)
        for j in range(m, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
        bern.append(a[0])  # B_m with B_1 = +1/2
    coefs = [0.0] * (max_degree + 1)
    for n in range(1, max_degree + 1, 2):
        k = n + 1
        coefs[n] = float(2**k * (2**k - 1) * bern[k] / math.factorial(k))
    return coefs


def gelu_coefficients(max_degree: int) -> list[float]:
    """Maclaurin coefficients of GELU(z) = z·Φ(z) = z/2 + Σ_k (−1)^k z^{2k+2} / (√(2π) 2^k k! (2k+1))."""
    _check_int("max_degree", max_degree, minimum=0)
    coefs = [0.0] * (max_degree + 1)
    if max_degree >= 1:
        coefs[1] = 0.5
    k = 0
    while 2 * k + 2 <= max_degree:
        coefs[2 * k + 2] = (-1) ** k / (math.sqrt(2 * math.pi) * 2**k * math.factorial(k) * (2 * k + 1))
        k += 1
    return coefs


class MaclaurinFeatures(FeatureMap):
    """Random Maclaurin features for activations with a power series ``f(z) = Σ_n a_n zⁿ`` (tanh, GELU).

    Kar & Karnick (2012) as used by the paper: per feature j draw a degree ``N_j`` with
    ``P(N = n) ∝ p^{-(n+1)}`` over the degrees ``1..max_degree`` with ``a_n ≠ 0`` and Rademacher vectors
    ``ω_1..ω_N``; ``φ_j(x̃) = √(|a_N|/P(N)) Π_t ω_tᵀx̃ / √m`` and ``ψ_j(w̃) = sign(a_N) · √(|a_N|/P(N)) Π_t ω_tᵀw̃ / √m``
    with ``x̃ = [x, 1]`` and ``w̃ = [w, b]`` (so ``w̃ᵀx̃ = wᵀx + b``). Features are sorted into a positive-
    coefficient block followed by a negative one (each a PSD kernel; the output is block₊ − block₋). A non-zero
    constant ``a_0`` adds one exact feature; ``exact_linear=True`` computes the degree-1 term exactly with
    ``d + 1`` extra features. The series is truncated at ``max_degree`` (tanh converges for ``|z| < π/2``).
    """

    def __init__(
        self,
        in_features: int,
        num_features: int,
        *,
        activation: str | Callable[[int], float] = "tanh",
        max_degree: int = 8,
        p: float = 2.0,
        exact_linear: bool = False,
        seed: int | None = None,
    ) -> None:
        super().__init__(in_features, num_features, seed=seed)
        _check_int("max_degree", max_degree)
        if not p > 1:
            raise ValueError(f"p must be > 1, got {p!r}")
        if isinstance(activation, str):
            if activation == "tanh":
                coefs = tanh_coefficients(max_degree)
                self.radius = math.pi / 2
            elif activation == "gelu":
                coefs = gelu_coefficients(max_degree)
                self.radius = math.inf
            else:
                raise ValueError(
                    f"activation must be one of {', '.join(MACLAURIN_ACTIVATIONS)} or a callable n -> a_n, got {activation!r}"
                )
            self.activation: str = activation
        elif callable(activation):
            coefs = [float(activation(n)) for n in range(max_degree + 1)]
            self.activation = getattr(activation, "__name__", "series")
            self.radius = math.inf
        else:
            raise ValueError(
                f"activation must be one of {', '.join(MACLAURIN_ACTIVATIONS)} or a callable n -> a_n, got {activation!r}"
            )
        self.coefficients = [float(c) for c in coefs]
        self.max_degree = int(max_degree)
        self.p = float(p)
        self.exact_linear = bool(exact_linear)
        start = 2 if exact_linear else 1
        self._degrees = [n for n in range(start, max_degree + 1) if coefs[n] != 0.0]
        if not self._degrees:
            raise ValueError(
                f"the series has no non-zero coefficient of degree {start}..{max_degree} to sample"
            )
        for name in ("omegas", "degree_mask", "scale", "sign"):
            self.register_buffer(name, torch.empty(0))
        self.omegas: torch.Tensor
        self.degree_mask: torch.Tensor
        self.scale: torch.Tensor
        self.sign: torch.Tensor
        self._draw(self._generator(None))

    def _draw(self, generator: torch.Generator) -> None:
        m, d1, dmax = self.num_features, self.in_features + 1, self.max_degree
        degs = torch.tensor(self._degrees, dtype=torch.float64)
        prob = self.p ** (-(degs + 1))
        prob = prob / prob.sum()
        idx = torch.multinomial(prob, m, replacement=True, generator=generator)
        n = degs[idx].long()
        a = torch.tensor(self.coefficients, dtype=torch.float64)[n]
        order = torch.argsort((a < 0).to(torch.int64), stable=True)  # positive block first
        n, a, pn = n[order], a[order], prob[idx][order]
        omegas = torch.randint(0, 2, (m, dmax, d1), generator=generator, dtype=torch.float64) * 2 - 1
        dtype = torch.get_default_dtype()
        self.omegas = omegas.to(dtype)
        self.degree_mask = (torch.arange(dmax).unsqueeze(0) < n.unsqueeze(1)).to(dtype)  # [m, dmax]
        self.scale = (a.abs() / pn).sqrt().to(dtype)
        self.sign = torch.sign(a).to(dtype)

    @property
    def out_features(self) -> int:
        extra = (1 if self.coefficients[0] != 0 else 0) + (self.in_features + 1 if self.exact_linear else 0)
        return self.num_features + extra

    def _products(self, z: torch.Tensor) -> torch.Tensor:
        m, dmax, d1 = self.omegas.shape
        proj = (z @ self.omegas.reshape(m * dmax, d1).T).reshape(*z.shape[:-1], m, dmax)
        proj = proj * self.degree_mask + (1 - self.degree_mask)  # unused factors are 1
        return proj.prod(-1) * self.scale / math.sqrt(self.num_features)

    def _extras(self, z: torch.Tensor, *, params: bool) -> list[torch.Tensor]:
        out = []
        if self.coefficients[0] != 0:
            val = self.coefficients[0] if params else 1.0
            out.append(z.new_full((*z.shape[:-1], 1), val))
        if self.exact_linear:
            out.append(z * (self.coefficients[1] if params else 1.0))
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """φ(x̃) with x̃ = [x, 1]: ``[..., d] -> [..., out_features]``."""
        self._check_input(x)
        z = torch.cat([x, x.new_ones(*x.shape[:-1], 1)], -1)
        return torch.cat([self._products(z), *self._extras(z, params=False)], -1)

    def forward_params(self, w: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
        """ψ(w̃) with w̃ = [w, b]: ``[l, d], [l] -> [l, out_features]``."""
        self._check_params(w, b)
        bb = w.new_zeros(w.shape[0]) if b is None else b
        z = torch.cat([w, bb.unsqueeze(-1)], -1)
        return torch.cat([self._products(z) * self.sign, *self._extras(z, params=True)], -1)

    def exact(self, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
        return exact_kernel(self.activation, x, w, b)

    def series(self, z: torch.Tensor) -> torch.Tensor:
        """The truncated series ``Σ_{n ≤ max_degree} a_n zⁿ`` this map estimates without bias."""
        return sum((c * z**n for n, c in enumerate(self.coefficients)), torch.zeros_like(z))

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, num_features={self.num_features}, activation={self.activation!r}, "
            f"max_degree={self.max_degree}, p={self.p}, exact_linear={self.exact_linear}, seed={self.seed}"
        )
