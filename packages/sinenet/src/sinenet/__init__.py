"""sinenet: SineNet, sequential U-shaped waves for time-dependent PDEs (Zhang et al., ICLR 2024).

The library imports torch only; the reproduction (``sinenet.reproduce``) needs the ``reproduce`` extra.
"""

from sinenet.analysis import feature_shift, misalignment
from sinenet.blocks import ConvBlock, Upsample2
from sinenet.model import SineNet, UNet, Wave, count_params, level_channels, match_params
from sinenet.rollout import one_step_loss, rollout, scaled_l2
from sinenet.train import fit, warmup_cosine

__version__ = "0.1.0"

__all__ = [
    "ConvBlock",
    "SineNet",
    "UNet",
    "Upsample2",
    "Wave",
    "__version__",
    "count_params",
    "feature_shift",
    "fit",
    "level_channels",
    "match_params",
    "misalignment",
    "one_step_loss",
    "rollout",
    "scaled_l2",
    "warmup_cosine",
]
