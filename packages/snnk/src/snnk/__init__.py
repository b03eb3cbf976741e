"""snnk: Scalable Neural Network Kernels — feed-forward layers as random-feature kernels (Sinha et al., ICLR 2024).

Feature maps (:mod:`snnk.features`), SNNK layers, adapters and bundling (:mod:`snnk.layers`), closed-form fully
bundled estimators (:mod:`snnk.bundled`, scikit-learn estimators, imported on first use) and ``transformers``
integration (:mod:`snnk.hf`, a submodule ``import snnk`` does not load; it never imports ``transformers``). The
reproduction of the paper's claims is :mod:`snnk.reproduce` (needs the ``reproduce`` extra).
"""

from snnk.features import (
    FeatureMap,
    MaclaurinFeatures,
    ReLUFeatures,
    URFFeatures,
    arccos_kernel,
    exact_kernel,
    gaussian_random_matrix,
    gelu_coefficients,
    kernel_estimate,
    make_feature_map,
    tanh_coefficients,
)
from snnk.layers import SNNKAdapter, SNNKLinear, bundle

__version__ = "0.1.0"


def __getattr__(name: str):  # lazy: scikit-learn is only needed for the bundled estimators
    if name in ("BundledClassifier", "BundledRegressor", "ridge_solve"):
        from snnk import bundled

        return getattr(bundled, name)
    raise AttributeError(f"module 'snnk' has no attribute {name!r}")


__all__ = [
    "BundledClassifier",
    "BundledRegressor",
    "FeatureMap",
    "MaclaurinFeatures",
    "ReLUFeatures",
    "SNNKAdapter",
    "SNNKLinear",
    "URFFeatures",
    "__version__",
    "arccos_kernel",
    "bundle",
    "exact_kernel",
    "gaussian_random_matrix",
    "gelu_coefficients",
    "kernel_estimate",
    "make_feature_map",
    "ridge_solve",
    "tanh_coefficients",
]
