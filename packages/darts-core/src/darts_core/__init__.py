"""darts-core: DARTS (Liu, Simonyan, Yang, ICLR 2019) search space, supernet, bilevel search, genotypes,
retraining, and an exhaustively trained tiny benchmark (NB-digits-3e5o) for ground truth on CPU.

The library imports only torch; the reproduction (``darts_core.reproduce``: the digits data, the
studies, the table builder) needs the ``reproduce`` extra."""

from darts_core.bench import NBDigits
from darts_core.bilevel import (
    Architect,
    SearchResult,
    SearchState,
    evaluate,
    load_checkpoint,
    save_checkpoint,
    search,
    sync_gradients,
)
from darts_core.discretize import (
    AuxiliaryHead,
    DiscreteCell,
    DiscreteNetwork,
    cutout,
    drop_path,
    train_discrete,
)
from darts_core.genotype import Genotype, SelectionRule, darts_rule, derive_genotype
from darts_core.loader import TensorLoader
from darts_core.mixed import MixedOp, sparse_weighted_sum, weighted_sum
from darts_core.ops import OPS, PARAMETER_FREE, FactorizedReduce, Identity, make_op, register_op
from darts_core.searchable import Searchable, SearchableSupernet, check_searchable
from darts_core.spaces import (
    DARTS_PRIMITIVES,
    DARTS_SPACE,
    NB201_PRIMITIVES,
    NB201_SPACE,
    CellSpace,
    nb_digits_space,
)
from darts_core.supernet import (
    SearchCell,
    Supernet,
    batch_stats_bn,
    parameter_free_share,
    softmax_weights,
)

__version__ = "0.1.0"

__all__ = [
    "DARTS_PRIMITIVES",
    "DARTS_SPACE",
    "NB201_PRIMITIVES",
    "NB201_SPACE",
    "OPS",
    "PARAMETER_FREE",
    "Architect",
    "AuxiliaryHead",
    "CellSpace",
    "DiscreteCell",
    "DiscreteNetwork",
    "FactorizedReduce",
    "Genotype",
    "Identity",
    "MixedOp",
    "NBDigits",
    "SearchCell",
    "SearchResult",
    "Searchable",
    "SearchableSupernet",
    "SearchState",
    "SelectionRule",
    "Supernet",
    "TensorLoader",
    "__version__",
    "batch_stats_bn",
    "check_searchable",
    "cutout",
    "darts_rule",
    "derive_genotype",
    "drop_path",
    "evaluate",
    "load_checkpoint",
    "make_op",
    "nb_digits_space",
    "parameter_free_share",
    "register_op",
    "save_checkpoint",
    "search",
    "softmax_weights",
    "sparse_weighted_sum",
    "sync_gradients",
    "train_discrete",
    "weighted_sum",
]
