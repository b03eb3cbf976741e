"""tell-clustering: TELL, k-means as an interpretable neural network (Peng et al., JMLR 2022).

``ClusterLayer`` is the paper's cluster layer (weights = centres); ``TELLNet`` plugs it into an autoencoder;
``TELLClustering`` (alias ``TELL``) is the scikit-learn clusterer (shallow or deep). The method needs
scikit-learn (estimator API, k-means++ seeding, metrics); the reproduction (``tell_clustering.reproduce``) needs
the ``reproduce`` extra.
"""

from tell_clustering.estimator import TELL, TELLClustering
from tell_clustering.layer import (
    ClusterLayer,
    hard_assignment,
    lloyd_step_,
    normalize_center_grad_,
    squared_distances,
)
from tell_clustering.metrics import clustering_accuracy, evaluate, match_labels
from tell_clustering.models import ConvAutoencoder, MLPAutoencoder, TELLNet

__version__ = "0.1.0"

__all__ = [
    "TELL",
    "ClusterLayer",
    "ConvAutoencoder",
    "MLPAutoencoder",
    "TELLClustering",
    "TELLNet",
    "__version__",
    "clustering_accuracy",
    "evaluate",
    "hard_assignment",
    "lloyd_step_",
    "match_labels",
    "normalize_center_grad_",
    "squared_distances",
]
