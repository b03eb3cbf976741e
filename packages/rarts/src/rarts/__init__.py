"""rarts: RARTS, a first-order relaxed architecture search (Xue, Qi, Xin, arXiv 2008.03901), on darts-core.

Two networks with different weights (``w`` on the training split, ``y`` on the validation split) share one
architecture α; the relaxed single-level objective ``L_val(y, α) + λ L_train(w, α) + (β/2)||y - w||²`` is minimised
block by block (w, y, α), first order only. Also: the analytically solvable toy model (:mod:`rarts.toy`) and width
search (:mod:`rarts.width`).

The library imports torch and darts-core only; the reproduction (``rarts.reproduce``) needs the ``reproduce`` extra.
"""

from rarts.objective import coupling_penalty, relaxed_objective
from rarts.optimizer import RARTS, RARTSArchitect, check_searchable
from rarts.toy import run_darts, run_rarts, stationary_point
from rarts.width import WidthChoiceConv2d, WidthSearchNet, width_genotype

__version__ = "0.1.0"

__all__ = [
    "RARTS",
    "RARTSArchitect",
    "WidthChoiceConv2d",
    "WidthSearchNet",
    "__version__",
    "check_searchable",
    "coupling_penalty",
    "relaxed_objective",
    "run_darts",
    "run_rarts",
    "stationary_point",
    "width_genotype",
]
