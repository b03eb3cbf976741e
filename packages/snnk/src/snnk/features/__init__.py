"""Random feature maps of Scalable Neural Network Kernels (SNNKs).

A feed-forward layer's response ``f(wᵀx + b)`` is read as a kernel ``K(x, (w, b))`` and factorised as
``φ(x)ᵀψ(w, b)`` (the paper's kernel view of a feed-forward layer): ``φ`` acts on inputs only, ``ψ`` on parameters
only. Every map here is an ``nn.Module`` whose random tensors are *buffers* (saved in ``state_dict``, moved by
``.to()``, never trained) drawn from a private ``torch.Generator`` seeded per map: constructing or running a map
never touches the global RNG. ``forward(x)`` is φ, ``forward_params(w, b)`` is ψ, and ``φ(x)ᵀψ(w, b)`` is an
unbiased estimate of the kernel.

* :class:`URFFeatures` (``snnk.features.urf``) — universal random features (URFs): Fourier spectrum of the
  activation + the Gaussian exponential trick, with the variance-reduced ``M``-parameterised variant (the official
  code's "Eq. 10").
* :class:`ReLUFeatures` (``snnk.features.relu``) — ReLU features, the arc-cosine kernel of order 1 (ReLU-SNNK).
* :class:`MaclaurinFeatures` (``snnk.features.maclaurin``) — random Maclaurin (power-series) features for tanh /
  GELU (appendix).
* :class:`FeatureMap` and orthogonal Gaussian projections (``snnk.features.base``), the exact kernels
  (``snnk.features.exact``), maps by name and the kernel estimate (``snnk.features.estimate``).
"""

from __future__ import annotations

from snnk.features.base import (
    ACTIVATIONS,
    MACLAURIN_ACTIVATIONS,
    URF_ACTIVATIONS,
    FeatureMap,
    Spectrum,
    gaussian_random_matrix,
)
from snnk.features.estimate import kernel_estimate, make_feature_map
from snnk.features.exact import arccos_kernel, exact_kernel
from snnk.features.maclaurin import MaclaurinFeatures, gelu_coefficients, tanh_coefficients
from snnk.features.relu import ReLUFeatures
from snnk.features.urf import URFFeatures

__all__ = [
    "ACTIVATIONS",
    "MACLAURIN_ACTIVATIONS",
    "URF_ACTIVATIONS",
    "FeatureMap",
    "MaclaurinFeatures",
    "ReLUFeatures",
    "Spectrum",
    "URFFeatures",
    "arccos_kernel",
    "exact_kernel",
    "gaussian_random_matrix",
    "gelu_coefficients",
    "kernel_estimate",
    "make_feature_map",
    "tanh_coefficients",
]
