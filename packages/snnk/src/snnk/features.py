"""Random feature maps of Scalable Neural Network Kernels (SNNKs).

A feed-forward layer's response ``f(wᵀx + b)`` is read as a kernel ``K(x, (w, b))`` and factorised as
``φ(x)ᵀψ(w, b)`` (the paper's kernel view of a feed-forward layer): ``φ`` acts on inputs only, ``ψ`` on parameters only. Every map here is an
``nn.Module`` whose random tensors are *buffers* (saved in ``state_dict``, moved by ``.to()``, never trained)
drawn from a private ``torch.Generator`` seeded per map: constructing or running a map never touches the global
RNG. ``forward(x)`` is φ, ``forward_params(w, b)`` is ψ, and ``φ(x)ᵀψ(w, b)`` is an unbiased estimate of the
kernel.

* :class:`URFFeatures` — universal random features (URFs): Fourier spectrum of the activation + the
  Gaussian exponential trick, with the variance-reduced ``M``-parameterised variant (the official code's "Eq. 10").
* :class:`ReLUFeatures` — ReLU features, the arc-cosine kernel of order 1 (ReLU-SNNK).
* :class:`MaclaurinFeatures` — random Maclaurin (power-series) features for tanh / GELU (appendix).
"""

from __future__ import annotations

import math
import secrets
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

__all__ = [
    "ACTIVATIONS",
    "FeatureMap",
    "MaclaurinFeatures",
    "ReLUFeatures",
    "URFFeatures",
    "arccos_kernel",
    "exact_kernel",
    "gelu_coefficients",
    "gaussian_random_matrix",
    "kernel_estimate",
    "make_feature_map",
    "tanh_coefficients",
]

URF_ACTIVATIONS = ("cos", "sin", "exp")
MACLAURIN_ACTIVATIONS = ("tanh", "gelu")
ACTIVATIONS = (*URF_ACTIVATIONS, "relu", *MACLAURIN_ACTIVATIONS)

Spectrum = Callable[[], tuple[Sequence[complex], Sequence[complex]]]


# ------------------------------------------------------------------------------------------------ helpers


def _check_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} ({value!r})")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def _upcast(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """``x`` in the dtype of ``ref`` when ``x`` is in half precision (or of another float dtype than ``ref``)."""
    return x.to(ref.dtype) if x.dtype != ref.dtype and x.is_floating_point() else x


def _new_seed() -> int:
    return secrets.randbelow(2**62)


def gaussian_random_matrix(
    rows: int,
    cols: int,
    *,
    orthogonal: bool = True,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    """A ``rows × cols`` matrix whose rows are marginally ``N(0, I_cols)``.

    With ``orthogonal=True`` rows come in blocks of ``cols`` exactly orthogonal directions (Haar-distributed via
    a sign-corrected QR) rescaled by independent χ_cols norms, so each row is still ``N(0, I)`` while rows of a
    block are orthogonal (orthogonal random features, as in Performer's FAVOR+ and the official SNNK code).
    """
    g = generator
    if not orthogonal:
        return torch.randn(rows, cols, generator=g, dtype=dtype)
    blocks = []
    for _ in range(math.ceil(rows / cols)):
        q, r = torch.linalg.qr(torch.randn(cols, cols, generator=g, dtype=dtype))
        q = q * torch.sign(torch.diagonal(r)).unsqueeze(0)  # Haar measure
        blocks.append(q.T)
    directions = torch.cat(blocks, 0)[:rows]
    norms = torch.randn(rows, cols, generator=g, dtype=dtype).norm(dim=1, keepdim=True)
    return directions * norms


def tanh_coefficients(max_degree: int) -> list[float]:
    """Maclaurin coefficients ``a_0..a_max_degree`` of tanh: ``z − z³/3 + 2z⁵/15 − 17z⁷/315 + …``.

    Computed from the Bernoulli numbers: ``a_n = 2^{n+1}(2^{n+1} − 1) B_{n+1} / (n+1)!`` for odd ``n``.
    """
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
    coefs = [0.0] * (max_degree + 1)
    if max_degree >= 1:
        coefs[1] = 0.5
    k = 0
    while 2 * k + 2 <= max_degree:
        coefs[2 * k + 2] = (-1) ** k / (math.sqrt(2 * math.pi) * 2**k * math.factorial(k) * (2 * k + 1))
        k += 1
    return coefs


class FeatureMap(nn.Module):
    """Base class: ``forward(x[..., d]) -> [..., out_features]`` (φ) and ``forward_params(w[l, d], b[l]) ->
    [l, out_features]`` (ψ); ``φ(x) @ ψ(w, b).T`` estimates the kernel ``f(wᵀx + b)``.

    ``num_features`` is the number of random samples m; ``out_features`` the length of φ(x) (``2m`` for the
    real-valued oscillatory URF path, ``m`` otherwise, + extras for Maclaurin maps).
    """

    in_features: int
    num_features: int
    seed: int

    def __init__(self, in_features: int, num_features: int, *, seed: int | None = None) -> None:
        super().__init__()
        self.in_features = _check_int("in_features", in_features)
        self.num_features = _check_int("num_features", num_features)
        if seed is not None:
            _check_int("seed", seed, minimum=0)
        self.seed = _new_seed() if seed is None else int(seed)

    @property
    def out_features(self) -> int:
        raise NotImplementedError

    @property
    def has_bias(self) -> bool:
        """Whether ``forward_params`` uses the bias ``b``."""
        return True

    def _generator(self, generator: torch.Generator | None) -> torch.Generator:
        return generator if generator is not None else torch.Generator().manual_seed(self.seed)

    def _draw(self, generator: torch.Generator) -> None:
        raise NotImplementedError

    def resample_(self, generator: torch.Generator | None = None) -> FeatureMap:
        """Redraw the random buffers (from ``generator``, or from a fresh seed) in place; returns self."""
        if generator is None:
            self.seed = _new_seed()
        ref = next(iter(self.buffers()), None)
        self._draw(self._generator(generator))
        if ref is not None:
            self.to(device=ref.device)
        return self

    def _check_input(self, x: torch.Tensor, name: str = "x") -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
        if x.dim() == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"{name} must have last dimension in_features={self.in_features}, got shape {tuple(x.shape)}"
            )

    def _check_params(self, w: torch.Tensor, b: torch.Tensor | None) -> None:
        self._check_input(w, "w")
        if w.dim() != 2:
            raise ValueError(f"w must be 2-d [l, {self.in_features}], got shape {tuple(w.shape)}")
        if b is not None:
            if not isinstance(b, torch.Tensor):
                raise TypeError(f"b must be a torch.Tensor or None, got {type(b).__name__}")
            if b.shape != (w.shape[0],):
                raise ValueError(f"b must have shape ({w.shape[0]},) to match w, got {tuple(b.shape)}")

    def forward_params(
        self, w: torch.Tensor, b: torch.Tensor | None = None
    ) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError

    def exact(self, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
        """The kernel this map estimates, ``[n, l]``, in closed form."""
        raise NotImplementedError


# ------------------------------------------------------------------------------------------------ URFs


def _builtin_spectrum(name: str) -> tuple[list[complex], list[complex]]:
    """Discrete Fourier spectra ``f(z) = Σ_k τ_k exp(2πi ξ_k z)`` of the built-in activations."""
    two_pi = 2 * math.pi
    if name == "cos":  # cos z = (e^{iz} + e^{-iz}) / 2
        return [1 / two_pi, -1 / two_pi], [0.5, 0.5]
    if name == "sin":  # sin z = (e^{iz} - e^{-iz}) / (2i)
        return [1 / two_pi, -1 / two_pi], [-0.5j, 0.5j]
    if (
        name == "exp"
    ):  # e^z = exp(2πi ξ z) with ξ = -i/(2π): a single (imaginary) frequency, positive features
        return [-1j / two_pi], [1.0]
    raise ValueError(
        f"activation must be one of {', '.join(URF_ACTIVATIONS)} or a callable spectrum, got {name!r}"
    )


class URFFeatures(FeatureMap):
    """Universal random features (the paper's URF construction; variance-reduced variant = the official "Eq. 10").

    With the activation's spectrum ``f(z) = Σ_k τ_k e^{2πiξ_k z}`` (continuous spectra: a sampled proposal),
    a proposal ``p_k ∝ |τ_k|`` and the Gaussian exponential trick
    ``E_g[exp(a gᵀx − a²‖x‖²/2) · exp(b gᵀw − b²‖w‖²/2)] = exp(ab·xᵀw)`` with ``a = 2πiξ`` (input side) and
    ``b = 1`` (parameter side), as in the official code:

    ``φ(x)_j = exp(a_j s g_jᵀx − a_j²‖x‖²/2 − M‖g_j‖² + (d/4)log(1+4M)) / √m``,
    ``ψ(w, b)_j = τ_j/p_j · e^{2πiξ_j b} · exp(s g_jᵀw − ‖w‖²/2 − M‖g_j‖² + (d/4)log(1+4M)) / √m``,

    with ``s = √(1+4M)``; ``M = 0`` gives the plain URF, ``M > −1/4`` the M-parameterised variant ("Eq. 10" of the official code),
    and ``Re Σ_j φ_j ψ_j`` is unbiased for ``f(wᵀx + b)``.

    Args:
        in_features: input dimension d.
        num_features: number of random samples m (φ has ``2m`` real entries for oscillatory spectra with
            ``real_features=True``, ``m`` otherwise).
        activation: ``"cos"``, ``"sin"``, ``"exp"`` or a callable returning ``(xi, tau)``: the frequencies
            ξ_k (real; complex for exponential terms) and weights τ_k of a discrete spectrum.
        orthogonal: block-orthogonal Gaussian projections (the paper's default).
        antithetic: pair every sample ``(ξ, g)`` with ``(ξ, −g)`` (needs an even ``num_features``).
        variance_M: the ``M`` of the official "Eq. 10" features (``> −1/4``).
        normalize: L2-normalise x (and w) and multiply by ``normalize_constant`` (as the official layers;
            this changes the function to ``f(ŵᵀx̂·c² + b)``).
        normalize_constant: the constant c of ``normalize`` (uptraining uses ``d^{1/4}``).
        input_scale: kernel-preserving rescaling: x ↦ s·x in φ and w ↦ w/s in ψ (``wᵀx`` unchanged); small s
            tames the ``exp(‖x‖²/2)`` variance blow-up of oscillatory features.
        real_features: return real ``[Re φ, Im φ]`` features (AMP friendly) instead of complex ones.
        seed: seed of the private generator (None: a fresh random seed).
    """

    def __init__(
        self,
        in_features: int,
        num_features: int,
        *,
        activation: str | Spectrum = "cos",
        orthogonal: bool = True,
        antithetic: bool = True,
        variance_M: float = 0.0,
        normalize: bool = False,
        normalize_constant: float = 1.0,
        input_scale: float | None = None,
        real_features: bool = True,
        seed: int | None = None,
    ) -> None:
        super().__init__(in_features, num_features, seed=seed)
        if antithetic and num_features % 2:
            raise ValueError(f"num_features must be even with antithetic=True, got {num_features}")
        if not isinstance(variance_M, (int, float)) or not variance_M > -0.25:
            raise ValueError(f"variance_M must be a float > -1/4, got {variance_M!r}")
        if input_scale is not None and not input_scale > 0:
            raise ValueError(f"input_scale must be > 0 or None, got {input_scale!r}")
        if not normalize_constant > 0:
            raise ValueError(f"normalize_constant must be > 0, got {normalize_constant!r}")
        if isinstance(activation, str):
            xi, tau = _builtin_spectrum(activation)
            self.activation: str = activation
        elif callable(activation):
            out = activation()
            if not (isinstance(out, tuple) and len(out) == 2):
                raise ValueError("a callable spectrum must return a tuple (xi, tau)")
            xi, tau = list(out[0]), list(out[1])
            if len(xi) != len(tau) or not xi:
                raise ValueError(
                    f"a callable spectrum must return xi and tau of equal, non-zero length, got {len(xi)} and {len(tau)}"
                )
            self.activation = getattr(activation, "__name__", "spectrum")
        else:
            raise ValueError(
                f"activation must be one of {', '.join(URF_ACTIVATIONS)} or a callable spectrum, got {activation!r}"
            )
        self.orthogonal = bool(orthogonal)
        self.antithetic = bool(antithetic)
        self.variance_M = float(variance_M)
        self.normalize = bool(normalize)
        self.normalize_constant = float(normalize_constant)
        self.input_scale = None if input_scale is None else float(input_scale)
        self.real_features = bool(real_features)
        omega = torch.tensor([2 * math.pi * complex(v) for v in xi], dtype=torch.complex128)
        tau_t = torch.tensor([complex(v) for v in tau], dtype=torch.complex128)
        if not torch.all(torch.isfinite(torch.view_as_real(tau_t))) or float(tau_t.abs().sum()) == 0:
            raise ValueError("the spectrum weights tau must be finite and not all zero")
        self._omega_atoms = omega
        self._tau_atoms = tau_t
        self.oscillatory = bool((omega.real != 0).any() or (tau_t.imag != 0).any())
        self._warned = False
        m = num_features
        for name in ("proj", "omega_r", "omega_i", "coef_r", "coef_i"):
            self.register_buffer(name, torch.empty(0))
        self.proj: torch.Tensor
        self.omega_r: torch.Tensor
        self.omega_i: torch.Tensor
        self.coef_r: torch.Tensor
        self.coef_i: torch.Tensor
        self._draw(self._generator(None))
        assert self.proj.shape == (m, in_features)

    def _draw(self, generator: torch.Generator) -> None:
        m, d = self.num_features, self.in_features
        half = m // 2 if self.antithetic else m
        g = gaussian_random_matrix(half, d, orthogonal=self.orthogonal, generator=generator)
        p = self._tau_atoms.abs() / self._tau_atoms.abs().sum()
        k = torch.multinomial(p, half, replacement=True, generator=generator)
        if self.antithetic:
            g = torch.cat([g, -g], 0)
            k = torch.cat([k, k], 0)
        omega = self._omega_atoms[k]
        coef = self._tau_atoms[k] / p[k]
        dtype = torch.get_default_dtype()
        self.proj = g.to(dtype)
        self.omega_r, self.omega_i = omega.real.to(dtype), omega.imag.to(dtype)
        self.coef_r, self.coef_i = coef.real.to(dtype), coef.imag.to(dtype)

    @property
    def out_features(self) -> int:
        return 2 * self.num_features if (self.oscillatory and self.real_features) else self.num_features

    def _prep(self, x: torch.Tensor, *, params: bool) -> torch.Tensor:
        if self.normalize:
            return x / x.norm(dim=-1, keepdim=True).clamp_min(1e-12) * self.normalize_constant
        if self.input_scale is not None:
            return x / self.input_scale if params else x * self.input_scale
        return x

    def _log_const(self) -> float:
        return 0.25 * self.in_features * math.log1p(4 * self.variance_M)

    def _combine(self, re: torch.Tensor, im: torch.Tensor) -> torch.Tensor:
        if not self.oscillatory:
            return re
        if self.real_features:
            return torch.cat([re, im], -1)
        return torch.complex(re, im)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """φ(x): ``[..., d] -> [..., out_features]`` (URF, input side).

        Exponentials of projections are computed outside autocast, in at least float32 (half precision would
        overflow or lose the phase); the output then has the buffers' dtype.
        """
        self._check_input(x)
        with torch.autocast(device_type=x.device.type, enabled=False):
            return self._forward(_upcast(x, self.proj))

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self._prep(x, params=False)
        if self.oscillatory and not self._warned and not torch.jit.is_tracing():
            big = float(x.detach().norm(dim=-1).max()) if x.numel() else 0.0
            if big > 3.0:
                self._warned = True
                warnings.warn(
                    f"URFFeatures({self.activation}): inputs reach norm {big:.1f} > 3; the variance of oscillatory "
                    "random features grows like exp(‖x‖²): pass normalize=True or a small input_scale",
                    RuntimeWarning,
                    stacklevel=2,
                )
        s = math.sqrt(1 + 4 * self.variance_M)
        u = x @ self.proj.T  # [..., m]
        sq = (x * x).sum(-1, keepdim=True)  # ‖x‖²
        wr, wi = self.omega_r, self.omega_i
        gsq = (self.proj * self.proj).sum(-1)
        log_amp = self._log_const() - self.variance_M * gsq - s * wi * u + 0.5 * (wr * wr - wi * wi) * sq
        amp = torch.exp(log_amp) / math.sqrt(self.num_features)
        if not self.oscillatory:
            return amp
        theta = s * wr * u + wr * wi * sq
        return self._combine(amp * torch.cos(theta), amp * torch.sin(theta))

    def forward_params(self, w: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
        """ψ(w, b): ``[l, d], [l] -> [l, out_features]`` (URF, parameter side; the bias enters through B)."""
        self._check_params(w, b)
        with torch.autocast(device_type=w.device.type, enabled=False):
            return self._forward_params(_upcast(w, self.proj), None if b is None else _upcast(b, self.proj))

    def _forward_params(self, w: torch.Tensor, b: torch.Tensor | None) -> torch.Tensor:
        w = self._prep(w, params=True)
        s = math.sqrt(1 + 4 * self.variance_M)
        gsq = (self.proj * self.proj).sum(-1)
        log_amp = (
            self._log_const()
            - self.variance_M * gsq
            + s * (w @ self.proj.T)
            - 0.5 * (w * w).sum(-1, keepdim=True)
        )
        if b is None:
            b = w.new_zeros(w.shape[0])
        bb = b.unsqueeze(-1)
        # τ/p · e^{iωb} with ω = ωr + iωi:  e^{-ωi b} (cos ωr b + i sin ωr b)
        log_amp = log_amp - self.omega_i * bb
        amp = torch.exp(log_amp) / math.sqrt(self.num_features)
        c, sn = torch.cos(self.omega_r * bb), torch.sin(self.omega_r * bb)
        re = amp * (self.coef_r * c - self.coef_i * sn)
        if not self.oscillatory:
            return re
        im = amp * (self.coef_r * sn + self.coef_i * c)
        if self.real_features:
            return torch.cat([re, -im], -1)  # Re(φψ) = Re φ Re ψ − Im φ Im ψ
        return torch.complex(re, im)

    def exact(self, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
        if self.normalize:
            x, w = self._prep(x, params=False), self._prep(w, params=True)
        z = x @ w.T + (0 if b is None else b)
        zc = z.to(torch.complex128)
        out = (
            self._tau_atoms.to(z.device) * torch.exp(1j * self._omega_atoms.to(z.device) * zc.unsqueeze(-1))
        ).sum(-1)
        return out.real.to(z.dtype)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, num_features={self.num_features}, activation={self.activation!r}, "
            f"orthogonal={self.orthogonal}, antithetic={self.antithetic}, variance_M={self.variance_M}, "
            f"normalize={self.normalize}, input_scale={self.input_scale}, real_features={self.real_features}, "
            f"seed={self.seed}"
        )


# ------------------------------------------------------------------------------------------------ ReLU


class ReLUFeatures(FeatureMap):
    """ReLU random features (ReLU-SNNK): ``φ(x) = max(Gx, c)/√m`` and ``ψ(w) = max(Gw, c)/√m``.

    With floor ``c = 0``, ``E[φ(x)ᵀψ(w)] = ‖x‖‖w‖(sin θ + (π − θ) cos θ)/(2π)`` — the arc-cosine kernel of
    order 1 (Cho & Saul, 2009), θ = ∠(x, w). A ReLU-SNNK layer therefore realises this kernel, *not* ReLU(Wx).
    The official uptraining uses ``floor=-5`` with ``normalize=True`` and ``normalize_constant=d^{1/4}``.
    There is no bias: ``forward_params`` rejects ``b``.
    """

    def __init__(
        self,
        in_features: int,
        num_features: int,
        *,
        floor: float = 0.0,
        orthogonal: bool = True,
        normalize: bool = False,
        normalize_constant: float = 1.0,
        seed: int | None = None,
    ) -> None:
        super().__init__(in_features, num_features, seed=seed)
        if not math.isfinite(floor) or floor > 0:
            raise ValueError(f"floor must be a finite number <= 0, got {floor!r}")
        if not normalize_constant > 0:
            raise ValueError(f"normalize_constant must be > 0, got {normalize_constant!r}")
        self.floor = float(floor)
        self.orthogonal = bool(orthogonal)
        self.normalize = bool(normalize)
        self.normalize_constant = float(normalize_constant)
        self.activation = "relu"
        self.register_buffer("proj", torch.empty(0))
        self.proj: torch.Tensor
        self._draw(self._generator(None))

    def _draw(self, generator: torch.Generator) -> None:
        g = gaussian_random_matrix(
            self.num_features, self.in_features, orthogonal=self.orthogonal, generator=generator
        )
        self.proj = g.to(torch.get_default_dtype())

    @property
    def out_features(self) -> int:
        return self.num_features

    @property
    def has_bias(self) -> bool:
        return False

    def _map(self, x: torch.Tensor) -> torch.Tensor:
        if self.normalize:
            x = x / x.norm(dim=-1, keepdim=True).clamp_min(1e-12) * self.normalize_constant
        return torch.clamp_min(x @ self.proj.T, self.floor) / math.sqrt(self.num_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """φ(x) = max(Gx, c)/√m: ``[..., d] -> [..., m]``."""
        self._check_input(x)
        return self._map(x)

    def forward_params(self, w: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
        """ψ(w) = max(Gw, c)/√m: ``[l, d] -> [l, m]`` (no bias)."""
        self._check_params(w, None)
        if b is not None:
            raise ValueError("ReLUFeatures has no bias term: pass b=None (the ReLU-SNNK kernel is bias-free)")
        return self._map(w)

    def exact(self, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
        if self.floor != 0.0:
            raise ValueError(f"the closed-form arc-cosine kernel needs floor=0, got floor={self.floor}")
        if self.normalize:
            c = self.normalize_constant
            x = x / x.norm(dim=-1, keepdim=True).clamp_min(1e-12) * c
            w = w / w.norm(dim=-1, keepdim=True).clamp_min(1e-12) * c
        return arccos_kernel(x, w)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, num_features={self.num_features}, floor={self.floor}, "
            f"orthogonal={self.orthogonal}, normalize={self.normalize}, seed={self.seed}"
        )


def arccos_kernel(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Arc-cosine kernel of order 1: ``‖x‖‖w‖(sin θ + (π − θ) cos θ)/(2π)``, ``[n, d] × [l, d] -> [n, l]``."""
    nx = x.norm(dim=-1, keepdim=True)
    nw = w.norm(dim=-1, keepdim=True).T
    cos = ((x @ w.T) / (nx * nw).clamp_min(1e-30)).clamp(-1.0, 1.0)
    theta = torch.arccos(cos)
    return nx * nw * (torch.sin(theta) + (math.pi - theta) * cos) / (2 * math.pi)


# ------------------------------------------------------------------------------------------------ Maclaurin


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


# ------------------------------------------------------------------------------------------------ functions


def make_feature_map(name: str, in_features: int, num_features: int, **kwargs: Any) -> FeatureMap:
    """Build a feature map by activation name: ``cos | sin | exp`` (URF), ``relu``, ``tanh | gelu`` (Maclaurin)."""
    if not isinstance(name, str):
        raise TypeError(f"feature_map must be a str or a FeatureMap, got {type(name).__name__}")
    if name in URF_ACTIVATIONS:
        return URFFeatures(in_features, num_features, activation=name, **kwargs)
    if name == "relu":
        return ReLUFeatures(in_features, num_features, **kwargs)
    if name in MACLAURIN_ACTIVATIONS:
        return MaclaurinFeatures(in_features, num_features, activation=name, **kwargs)
    raise ValueError(f"feature_map must be one of {', '.join(ACTIVATIONS)}, got {name!r}")


def kernel_estimate(
    fmap: FeatureMap, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None
) -> torch.Tensor:
    """Random-feature estimate ``Re φ(x) ψ(w, b)ᵀ`` of the kernel, ``[n, d] × [l, d] -> [n, l]``."""
    if not isinstance(fmap, FeatureMap):
        raise TypeError(f"fmap must be a FeatureMap, got {type(fmap).__name__}")
    if isinstance(fmap, MaclaurinFeatures) and math.isfinite(fmap.radius):
        z = x @ w.T + (0 if b is None else b)
        if z.numel() and float(z.abs().max()) >= fmap.radius:
            warnings.warn(
                f"MaclaurinFeatures({fmap.activation}): |wᵀx + b| reaches {float(z.abs().max()):.2f}, beyond the "
                f"series' radius of convergence {fmap.radius:.3f}; the estimate is meaningless there",
                RuntimeWarning,
                stacklevel=2,
            )
    phi = fmap(x)
    psi = fmap.forward_params(w, b) if fmap.has_bias else fmap.forward_params(w)
    out = phi @ psi.T
    return out.real if out.is_complex() else out


def exact_kernel(
    activation: str, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None
) -> torch.Tensor:
    """The exact kernel, ``[n, l]``: ``f(x wᵀ + b)`` for cos/sin/exp/tanh/gelu, the arc-cosine kernel for relu."""
    if activation == "relu":
        if b is not None:
            raise ValueError("the arc-cosine (relu) kernel has no bias: pass b=None")
        return arccos_kernel(x, w)
    z = x @ w.T + (0 if b is None else b)
    fns: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
        "cos": torch.cos,
        "sin": torch.sin,
        "exp": torch.exp,
        "tanh": torch.tanh,
        "gelu": nn.functional.gelu,
    }
    if activation not in fns:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    return fns[activation](z)
