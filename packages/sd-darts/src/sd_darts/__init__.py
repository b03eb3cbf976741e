"""sd-darts: SD-DARTS, self-distillation for differentiable architecture search (Zhu, Li, Liu, Wang, arXiv
2302.05629), built on darts-core: previous supernets vote a teacher prediction that the current supernet is
distilled towards, plus the sharpness (dominant Hessian eigenvalue in α) and discretisation-gap measurements.

The library imports torch and darts-core only; the reproduction (``sd_darts.reproduce``) needs the ``reproduce``
extra.
"""

from sd_darts.loss import self_distillation_loss
from sd_darts.search import SDArchitect, sd_search
from sd_darts.sharpness import (
    discretization_gap,
    dominant_hessian_eigenvalue,
    genotype_weights,
    power_iteration,
)
from sd_darts.teachers import EMATeacher, SnapshotTeacher, take_snapshot, vote

__version__ = "0.1.0"

__all__ = [
    "EMATeacher",
    "SDArchitect",
    "SnapshotTeacher",
    "__version__",
    "discretization_gap",
    "dominant_hessian_eigenvalue",
    "genotype_weights",
    "power_iteration",
    "sd_search",
    "self_distillation_loss",
    "take_snapshot",
    "vote",
]
