"""mgno: MgNO, neural operators whose linear maps are multigrid V-cycles (He, Liu & Xu, ICLR 2024).

The library imports torch only; the reproduction (``mgno.reproduce``) needs the ``reproduce`` extra.
"""

from mgno.layers import MgConv, SmoothingStep
from mgno.losses import rel_h1, rel_l2
from mgno.models import MgNO, MgNOLayer, count_parameters
from mgno.normalizers import GlobalGaussianNormalizer, Normalized, PointwiseGaussianNormalizer
from mgno.train import History, evaluate, fit

__version__ = "0.1.0"

__all__ = [
    "GlobalGaussianNormalizer",
    "History",
    "MgConv",
    "MgNO",
    "MgNOLayer",
    "Normalized",
    "PointwiseGaussianNormalizer",
    "SmoothingStep",
    "__version__",
    "count_parameters",
    "evaluate",
    "fit",
    "rel_h1",
    "rel_l2",
]
