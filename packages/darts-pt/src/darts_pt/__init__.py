"""darts-pt: perturbation-based architecture selection for differentiable NAS (DARTS-PT, Wang et al., ICLR 2021),
built on the darts-core supernet."""

from darts_core import Genotype, Supernet
from darts_pt.projector import Decision, ProjectionComplete, ProjectionState, Projector
from darts_pt.selection import (
    METRICS,
    evaluate_weights,
    mask_op,
    perturbation_metrics,
    perturbation_scores,
    select_op,
    select_topology,
)

__version__ = "0.1.0"


def magnitude_genotype(model: Supernet) -> Genotype:
    """The baseline DARTS selection (argmax of softmax(α), the space's own rule): ``model.genotype()``."""
    if not isinstance(model, Supernet):
        raise TypeError(f"model must be a darts_core.Supernet, got {type(model).__name__}")
    return model.genotype()


__all__ = [
    "METRICS",
    "Decision",
    "ProjectionComplete",
    "ProjectionState",
    "Projector",
    "__version__",
    "evaluate_weights",
    "magnitude_genotype",
    "mask_op",
    "perturbation_metrics",
    "perturbation_scores",
    "select_op",
    "select_topology",
]
