"""transferability: the layer-by-layer transfer protocol of Yosinski et al., "How transferable are features in
deep neural networks?" (NIPS 2014), for any layered torch model and any class split.

The library imports torch and numpy only; :func:`~transferability.plot.plot_transfer` needs matplotlib, and the
reproduction (``transferability.reproduce``) needs the ``reproduce`` extra.
"""

from transferability.groups import check_n, layer_groups
from transferability.models import digits_cnn, digits_mlp
from transferability.plot import plot_transfer
from transferability.protocol import TransferExperiment, TransferResult, Treatment, derive_seed
from transferability.splits import (
    contiguous_labels,
    semantic_split,
    split_classes,
    stratified_indices,
    subset,
)
from transferability.summary import boosts, curves, effects
from transferability.surgery import (
    copy_groups,
    features,
    freeze_groups,
    is_frozen,
    reinit_groups,
    trainable_parameters,
    unfreeze,
)
from transferability.training import default_eval, default_train

__version__ = "0.1.0"

__all__ = [
    "TransferExperiment",
    "TransferResult",
    "Treatment",
    "__version__",
    "boosts",
    "check_n",
    "contiguous_labels",
    "copy_groups",
    "curves",
    "default_eval",
    "default_train",
    "derive_seed",
    "digits_cnn",
    "digits_mlp",
    "effects",
    "features",
    "freeze_groups",
    "is_frozen",
    "layer_groups",
    "plot_transfer",
    "reinit_groups",
    "semantic_split",
    "split_classes",
    "stratified_indices",
    "subset",
    "trainable_parameters",
    "unfreeze",
]
