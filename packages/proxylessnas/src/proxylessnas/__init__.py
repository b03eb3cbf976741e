"""proxylessnas: ProxylessNAS (Cai, Zhu, Han, ICLR 2019): path-binarised architecture search with a
BinaryConnect-style gate gradient, the two-path and full_v2 modes, a latency lookup table with both regulariser
forms, REINFORCE, and the MBConv chain super-net, built on darts-core's Architect.

The library imports torch and darts-core only; the reproduction (``proxylessnas.reproduce``) needs the
``reproduce`` extra.
"""

from proxylessnas.latency import LatencyRegularizer, LatencyTable, entry_key, median_timer
from proxylessnas.memory import cuda_peak_bytes, peak_rss_increase, saved_tensor_bytes
from proxylessnas.mixed import BinaryMixedOp
from proxylessnas.ops import MBCONV_CANDIDATES, OFFICIAL_CANDIDATES, ZERO, MBConv, Zero, make_candidate
from proxylessnas.search import ProxylessArchitect, ProxylessSearch, SearchResult
from proxylessnas.supernet import DerivedNet, ProxylessSuperNet

__version__ = "0.1.0"

__all__ = [
    "MBCONV_CANDIDATES",
    "OFFICIAL_CANDIDATES",
    "ZERO",
    "BinaryMixedOp",
    "DerivedNet",
    "LatencyRegularizer",
    "LatencyTable",
    "MBConv",
    "ProxylessArchitect",
    "ProxylessSearch",
    "ProxylessSuperNet",
    "SearchResult",
    "Zero",
    "__version__",
    "cuda_peak_bytes",
    "entry_key",
    "make_candidate",
    "median_timer",
    "peak_rss_increase",
    "saved_tensor_bytes",
]
