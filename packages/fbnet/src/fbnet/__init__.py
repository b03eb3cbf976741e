"""fbnet: FBNet (Wu et al., CVPR 2019), hardware-aware differentiable architecture search with a Gumbel-softmax
super net, a latency lookup table, and a loss ``CE * alpha * log(LAT)^beta``.

The library imports torch and darts-core only; the reproduction (``fbnet.reproduce``) needs the ``reproduce`` extra.
"""

from fbnet.arch import FBNET_A, FBNET_B, FBNET_C, Architecture, ChainNet
from fbnet.blocks import CANDIDATES, BlockSpec, IRFBlock, Skip, channel_shuffle, make_block
from fbnet.latency import LatencyStats, LatencyTable, measure_latency
from fbnet.loss import FBNetLoss
from fbnet.search import FBNetSearch, SearchResult, accuracy, split_search_data, train_network
from fbnet.space import FBNetSpace, LayerSpec, StageSpec
from fbnet.supernet import FBNetSuperNet, RelaxedSuperNet, gumbel_noise, gumbel_softmax_mask
from fbnet.unrolled import FBNetArchitect

__version__ = "0.1.0"

__all__ = [
    "CANDIDATES", "FBNET_A", "FBNET_B", "FBNET_C", "Architecture", "BlockSpec", "ChainNet", "FBNetArchitect",
    "FBNetLoss", "FBNetSearch", "FBNetSpace", "FBNetSuperNet", "IRFBlock", "LatencyStats", "LatencyTable",
    "LayerSpec", "RelaxedSuperNet", "SearchResult", "Skip", "StageSpec", "__version__", "accuracy",
    "channel_shuffle", "gumbel_noise", "gumbel_softmax_mask", "make_block", "measure_latency", "split_search_data",
    "train_network",
]  # fmt: skip
