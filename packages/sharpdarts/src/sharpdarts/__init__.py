"""sharpdarts: sharpDARTS (Hundt, Jain, Hager 2019): SharpSepConv and the sharpDARTS search spaces on darts-core,
the Cosine Power Annealing learning-rate schedule, Max-W weighting of candidate operations, and Differentiable
Hyperparameter Grid Search over the HyperCuboid space.

The library imports torch, numpy and darts-core only; the reproduction (``sharpdarts.reproduce``) needs the
``reproduce`` extra. Importing it registers the SharpSepConv candidates in darts-core's op registry.
"""

from sharpdarts.ops import (
    SHARP_OP_NAMES,
    ResizablePool,
    SharpSepConv,
    register_sharp_ops,
    sharp_sep_conv_params,
)
from sharpdarts.schedule import CosinePowerAnnealingLR, cosine_power_annealing
from sharpdarts.spaces import (
    SHARP_PRIMITIVES,
    SHARPER_PRIMITIVES,
    SHARPSEPCONV_DARTS_PRIMITIVES,
    sharp_darts_space,
    sharp_nb_digits_space,
    sharper_space,
    sharpsepconv_darts_space,
)
from sharpdarts.weighting import (
    WEIGHTINGS,
    MaxWWeighting,
    get_weighting,
    max_w_weighting,
    max_w_weights,
    scalar_weighting,
    set_weighting,
)

__version__ = "0.1.0"

__all__ = [
    "SHARPER_PRIMITIVES",
    "SHARPSEPCONV_DARTS_PRIMITIVES",
    "SHARP_OP_NAMES",
    "SHARP_PRIMITIVES",
    "WEIGHTINGS",
    "CosinePowerAnnealingLR",
    "MaxWWeighting",
    "ResizablePool",
    "SharpSepConv",
    "__version__",
    "cosine_power_annealing",
    "get_weighting",
    "max_w_weighting",
    "max_w_weights",
    "register_sharp_ops",
    "scalar_weighting",
    "set_weighting",
    "sharp_darts_space",
    "sharp_nb_digits_space",
    "sharp_sep_conv_params",
    "sharper_space",
    "sharpsepconv_darts_space",
]
