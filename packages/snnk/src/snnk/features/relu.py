"""ReLU random features (ReLU-SNNK): the arc-cosine kernel of order 1."""

from __future__ import annotations

import math

import torch

from snnk.features.base import FeatureMap, _upcast, gaussian_random_matrix
from snnk.features.exact import arccos_kernel

__all__ = ["ReLUFeatures"]


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
        """φ(x) = max(Gx, c)/√m: ``[..., d] -> [..., m]`` (a floating input of another dtype is cast to the
        buffers' dtype, as :class:`URFFeatures` does)."""
        self._check_input(x)
        return self._map(_upcast(x, self.proj))

    def forward_params(self, w: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
        """ψ(w) = max(Gw, c)/√m: ``[l, d] -> [l, m]`` (no bias)."""
        self._check_params(w, None)
        if b is not None:
            raise ValueError("ReLUFeatures has no bias term: pass b=None (the ReLU-SNNK kernel is bias-free)")
        return self._map(_upcast(w, self.proj))

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
