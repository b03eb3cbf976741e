"""anyloss: confusion-matrix metrics (F1, balanced accuracy, G-mean, MCC, ...) as differentiable losses.

Implements AnyLoss (Han, Moniz & Chawla, 2024, arXiv:2405.14745): amplify each probability with
``A(p) = sigmoid(L (p - 0.5))``, build the soft confusion matrix of the batch, and minimise ``1 - metric``.
"""

from anyloss.approx import DEFAULT_L, amplify, amplify_pair, stable_sigmoid
from anyloss.confusion import ConfusionMatrix, soft_confusion_matrix
from anyloss.functional import ALIASES, anyloss, hybrid_anyloss, weighted_bce
from anyloss.losses import (
    AccuracyLoss,
    AnyLoss,
    BalancedAccuracyLoss,
    F1Loss,
    FBetaLoss,
    GMeanLoss,
    HybridAnyLoss,
    MCCLoss,
    PrecisionLoss,
    RecallLoss,
    SpecificityLoss,
)
from anyloss.metrics import METRICS
from anyloss.sampler import StratifiedBatchSampler

__version__ = "0.1.0"

__all__ = [
    "ALIASES",
    "DEFAULT_L",
    "METRICS",
    "AccuracyLoss",
    "AnyLoss",
    "BalancedAccuracyLoss",
    "ConfusionMatrix",
    "F1Loss",
    "FBetaLoss",
    "GMeanLoss",
    "HybridAnyLoss",
    "MCCLoss",
    "PrecisionLoss",
    "RecallLoss",
    "SpecificityLoss",
    "StratifiedBatchSampler",
    "__version__",
    "amplify",
    "amplify_pair",
    "anyloss",
    "hybrid_anyloss",
    "soft_confusion_matrix",
    "stable_sigmoid",
    "weighted_bce",
]
