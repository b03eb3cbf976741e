"""Feature maps by activation name, and the random-feature estimate of a kernel."""

from __future__ import annotations

import math
import warnings
from typing import Any

import torch

from snnk.features.base import ACTIVATIONS, MACLAURIN_ACTIVATIONS, URF_ACTIVATIONS, FeatureMap
from snnk.features.maclaurin import MaclaurinFeatures
from snnk.features.relu import ReLUFeatures
from snnk.features.urf import URFFeatures

__all__ = ["kernel_estimate", "make_feature_map"]


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
