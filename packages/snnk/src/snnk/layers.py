"""SNNK layers ``y = Ψ φ(x)``, SNNK adapters and bundling (Sehanobish et al., ICLR 2024)."""

from __future__ import annotations

import copy
import math
from typing import Any

import torch
from torch import nn

from snnk.features import FeatureMap, make_feature_map

__all__ = ["SNNKAdapter", "SNNKLinear", "bundle"]


def _resolve_map(
    feature_map: str | FeatureMap, in_features: int, num_features: int, fmap_kwargs: dict[str, Any]
) -> FeatureMap:
    if isinstance(feature_map, FeatureMap):
        if fmap_kwargs:
            raise ValueError(
                f"feature-map keyword arguments {sorted(fmap_kwargs)} given with a FeatureMap instance"
            )
        if feature_map.in_features != in_features:
            raise ValueError(
                f"feature_map.in_features={feature_map.in_features} does not match in_features={in_features}"
            )
        return feature_map
    return make_feature_map(feature_map, in_features, num_features, **fmap_kwargs)


class SNNKLinear(nn.Module):
    """A scalable-neural-network-kernel layer ``y = Ψ φ(x) (+ bias)``: the SNNK layer of the paper.

    Replaces ``f(Wx + b)`` (a linear layer *and* its activation): φ is a fixed, parameter-free random feature
    map ``R^d → R^{m'}`` and Ψ ∈ R^{l×m'} the only trainable matrix — ``l·m'`` parameters instead of ``l·(d+1)``
    and O(md + ml) compute. Built from an existing layer with :meth:`from_linear` (Ψ_i = ψ(w_i, b_i), so the
    layer estimates ``f(w_iᵀx + b_i)``) or randomly initialised (then trained freely).

    Args:
        in_features: d. out_features: l. num_features: m, the number of random samples.
        feature_map: ``"relu" | "cos" | "sin" | "exp" | "tanh" | "gelu"`` or a :class:`FeatureMap`.
        bias: add a trainable output bias (the official layers have none).
        **fmap_kwargs: passed to the feature map (``seed``, ``orthogonal``, ``floor``, ``normalize``, ...).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        num_features: int,
        *,
        feature_map: str | FeatureMap = "relu",
        bias: bool = False,
        **fmap_kwargs: Any,
    ) -> None:
        super().__init__()
        for name, v in (
            ("in_features", in_features),
            ("out_features", out_features),
            ("num_features", num_features),
        ):
            if isinstance(v, bool) or not isinstance(v, int):
                raise TypeError(f"{name} must be an int, got {type(v).__name__} ({v!r})")
            if v < 1:
                raise ValueError(f"{name} must be >= 1, got {v}")
        self.feature_map = _resolve_map(feature_map, in_features, num_features, fmap_kwargs)
        self.in_features, self.out_features = in_features, out_features
        self.num_features = self.feature_map.num_features
        k = self.feature_map.out_features
        bound = 1.0 / math.sqrt(k)
        self.weight = nn.Parameter(torch.empty(out_features, k).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[..., d] -> [..., l]``."""
        phi = self.feature_map(x)
        if phi.is_complex():
            out = (phi @ self.weight.to(phi.dtype).T).real
        else:
            out = phi @ self.weight.T
        return out if self.bias is None else out + self.bias

    @classmethod
    def from_linear(
        cls,
        linear: nn.Linear,
        activation: str | FeatureMap,
        num_features: int | None = None,
        **fmap_kwargs: Any,
    ) -> SNNKLinear:
        """Initialise Ψ_i = ψ(w_i, b_i) from ``linear`` so that ``layer(x) ≈ activation(linear(x))``.

        For ``"relu"`` the layer realises the arc-cosine kernel of (x, w_i) instead (ReLU features have no bias,
        ``linear.bias`` is dropped), as in the official uptraining; fine-tune afterwards.
        """
        if not isinstance(linear, nn.Linear):
            raise TypeError(f"linear must be an nn.Linear, got {type(linear).__name__}")
        if isinstance(activation, FeatureMap):
            m = activation.num_features
        else:
            if num_features is None:
                raise ValueError("num_features is required when activation is a name")
            m = num_features
        layer = cls(
            linear.in_features, linear.out_features, m, feature_map=activation, bias=False, **fmap_kwargs
        )
        fmap = layer.feature_map
        layer.to(device=linear.weight.device, dtype=linear.weight.dtype)
        with torch.no_grad():
            w = linear.weight.detach()
            psi = (
                fmap.forward_params(w)
                if not fmap.has_bias or linear.bias is None
                else fmap.forward_params(w, linear.bias.detach())
            )
            if psi.is_complex():
                raise ValueError("from_linear needs real features: build the URF map with real_features=True")
            layer.weight.copy_(psi)
        return layer

    def num_trainable(self) -> int:
        """Number of trainable parameters (Ψ and the bias)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, num_features={self.num_features}, "
            f"bias={self.bias is not None}"
        )


def bundle(snnk_layer: SNNKLinear, next_linear: nn.Linear) -> SNNKLinear:
    """Collapse ``next_linear(snnk_layer(x))`` into one SNNK layer with Ψ' = VΨ, bias' = V b + c (bundling).

    The output is linear in Ψ, so a following linear layer (or a loss linear in the output) folds into the
    parameter tower: the bundled layer has ``l_out × m'`` parameters. The feature map is copied.
    """
    if not isinstance(snnk_layer, SNNKLinear):
        raise TypeError(f"snnk_layer must be an SNNKLinear, got {type(snnk_layer).__name__}")
    if not isinstance(next_linear, nn.Linear):
        raise TypeError(f"next_linear must be an nn.Linear, got {type(next_linear).__name__}")
    if next_linear.in_features != snnk_layer.out_features:
        raise ValueError(
            f"next_linear.in_features={next_linear.in_features} must equal snnk_layer.out_features={snnk_layer.out_features}"
        )
    has_bias = snnk_layer.bias is not None or next_linear.bias is not None
    out = SNNKLinear(
        snnk_layer.in_features,
        next_linear.out_features,
        snnk_layer.num_features,
        feature_map=copy.deepcopy(snnk_layer.feature_map),
        bias=has_bias,
    ).to(device=snnk_layer.weight.device, dtype=snnk_layer.weight.dtype)
    with torch.no_grad():
        v = next_linear.weight
        out.weight.copy_(v @ snnk_layer.weight)
        if out.bias is not None:
            b = torch.zeros_like(out.bias)
            if snnk_layer.bias is not None:
                b = b + v @ snnk_layer.bias
            if next_linear.bias is not None:
                b = b + next_linear.bias
            out.bias.copy_(b)
    return out


class SNNKAdapter(nn.Module):
    """SNNK adapter (the paper's parameter-efficient fine-tuning layer): ``h ← h + u ⊙ (Ψ φ(h))`` (``down=None``) or ``h ← h + U(Ψ φ(h))``.

    ``Ψ ∈ R^{k×m'}`` (k = ``dim`` without ``down``, ``down`` otherwise) is initialised as ψ of the rows of a
    reference weight matrix W (bias-free), as the official adapters do, then trained. ``init="zeros"`` (the
    official "mam"): kaiming-uniform W and a zero up-projection; ``init="bert"``: W and the up-projection
    ``~ N(0, 0.02)``. The elementwise modulation u (``down=None``) is always zero-initialised, so the adapter
    starts as the identity. Trainable: ``dim·m' + dim`` without ``down``.
    """

    def __init__(
        self,
        dim: int,
        num_features: int = 8,
        *,
        down: int | None = None,
        feature_map: str | FeatureMap = "relu",
        init: str = "zeros",
        seed: int | None = None,
        **fmap_kwargs: Any,
    ) -> None:
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
            raise ValueError(f"dim must be a positive int, got {dim!r}")
        if down is not None and (isinstance(down, bool) or not isinstance(down, int) or down < 1):
            raise ValueError(f"down must be None or a positive int, got {down!r}")
        if init not in ("zeros", "bert"):
            raise ValueError(f"init must be 'zeros' or 'bert', got {init!r}")
        self.dim, self.down, self.init = dim, down, init
        width = dim if down is None else down
        if not isinstance(feature_map, FeatureMap) and seed is not None:
            fmap_kwargs["seed"] = seed
        self.snnk = SNNKLinear(dim, width, num_features, feature_map=feature_map, **fmap_kwargs)
        with torch.no_grad():
            ref = torch.empty(width, dim)
            if (
                init == "zeros"
            ):  # the official "mam" init: kaiming-uniform reference weights, zero up-projection
                nn.init.kaiming_uniform_(ref, a=math.sqrt(5))
            else:  # "bert": N(0, 0.02) reference weights and up-projection
                ref.normal_(0.0, 0.02)
            psi = self.snnk.feature_map.forward_params(ref)
            self.snnk.weight.copy_(psi.real if psi.is_complex() else psi)
        if down is None:
            self.up_scale: nn.Parameter | None = nn.Parameter(torch.zeros(dim))
            self.up: nn.Linear | None = None
        else:
            self.up_scale = None
            self.up = nn.Linear(down, dim)
            with torch.no_grad():
                if init == "zeros":
                    self.up.weight.zero_()
                else:
                    self.up.weight.normal_(0.0, 0.02)
                self.up.bias.zero_()

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """``[..., dim] -> [..., dim]``."""
        z = self.snnk(h)
        if self.up is None:
            assert self.up_scale is not None
            return h + self.up_scale * z
        return h + self.up(z)

    def num_trainable(self) -> int:
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, down={self.down}, init={self.init!r}"
