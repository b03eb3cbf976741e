"""info-plane: the information plane of deep networks during training (Shwartz-Ziv & Tishby 2017), with the
binning and KDE mutual-information estimators of the paper and of its critique (Saxe et al. 2018).

The library needs torch and numpy; plots need matplotlib (the ``plot`` extra); the reproduction
(``info_plane.reproduce``) needs the ``reproduce`` extra.
"""

from info_plane.data import IBDataset, ib_12bit, ib_12bit_label, icosahedron_graph, label_entropy
from info_plane.estimators import (
    bin_codes,
    bin_mi,
    entropy_bins,
    kde_entropy_lower,
    kde_entropy_upper,
    kde_mi,
)
from info_plane.models import IBEnsemble, MemberActivation, ib_loss, ib_network
from info_plane.recorder import ActivationRecorder, InfoPlaneRecorder, activation_modules
from info_plane.snr import GradientSNR
from info_plane.train import evaluate, log_epochs, train_ib

__version__ = "0.1.0"

__all__ = [
    "ActivationRecorder",
    "GradientSNR",
    "IBDataset",
    "IBEnsemble",
    "InfoPlaneRecorder",
    "MemberActivation",
    "__version__",
    "activation_modules",
    "bin_codes",
    "bin_mi",
    "entropy_bins",
    "evaluate",
    "ib_12bit",
    "ib_12bit_label",
    "ib_loss",
    "ib_network",
    "icosahedron_graph",
    "kde_entropy_lower",
    "kde_entropy_upper",
    "kde_mi",
    "label_entropy",
    "log_epochs",
    "train_ib",
]
