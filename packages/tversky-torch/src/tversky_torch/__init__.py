"""tversky-torch: differentiable Tversky similarity and projection layers (Doumbouya et al., 2025).

A :class:`TverskyProjection` is a drop-in replacement for ``nn.Linear`` built on Tversky's contrast model of
similarity (common and distinctive features over a learned feature bank); one such layer computes XOR.
The library imports torch only; ``tversky_torch.hf`` needs transformers, ``tversky_torch.viz`` matplotlib, and the
reproduction (``tversky_torch.reproduce``) the ``reproduce`` extra.
"""

from tversky_torch import functional
from tversky_torch.convert import is_linear_like, replace_linear
from tversky_torch.functional import salience, tversky_projections, tversky_similarity
from tversky_torch.modules import (
    DataDomainParameter,
    SharedFeatureBank,
    TverskyProjection,
    TverskySimilarity,
    count_parameters,
)
from tversky_torch.options import TverskyOptions

__version__ = "0.1.0"

__all__ = [
    "DataDomainParameter",
    "SharedFeatureBank",
    "TverskyOptions",
    "TverskyProjection",
    "TverskySimilarity",
    "__version__",
    "count_parameters",
    "functional",
    "is_linear_like",
    "replace_linear",
    "salience",
    "tversky_projections",
    "tversky_similarity",
]
