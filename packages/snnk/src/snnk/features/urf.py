"""Universal random features (URFs): the activation's Fourier spectrum + the Gaussian exponential trick, with
the variance-reduced ``M``-parameterised variant (the official code's "Eq. 10")."""

from __future__ import annotations

import math
import warnings

import torch

from snnk.features.base import URF_ACTIVATIONS, FeatureMap, Spectrum, _upcast, gaussian_random_matrix

__all__ = ["URFFeatures"]


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
