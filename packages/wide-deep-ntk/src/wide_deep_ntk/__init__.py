"""wide-deep-ntk: infinitely wide and deep networks as 1-NN, majority-vote or Bayes-consistent classifiers.

Radhakrishnan, Belkin and Uhler, "Wide and deep neural networks achieve consistency for classification"
(arXiv 2204.14126, PNAS 2023). Modules: :mod:`~wide_deep_ntk.activations` (dual activations, the regime
taxonomy, optimal activations), :mod:`~wide_deep_ntk.kernels` (NNGP/NTK recursions, log domain, depth limit),
:mod:`~wide_deep_ntk.estimators` (scikit-learn estimators and an SVC kernel), :mod:`~wide_deep_ntk.data`
(the Dirichlet task), :mod:`~wide_deep_ntk.finite` (finite-width networks and their empirical NTK). The library
needs torch, numpy and scikit-learn; the reproduction (``wide_deep_ntk.reproduce``) needs the ``reproduce`` extra.
"""

from wide_deep_ntk.activations import (
    ACTIVATIONS,
    DualActivation,
    from_function,
    from_hermite,
    get_activation,
    optimal_for_dim,
)
from wide_deep_ntk.data import PAPER_CONFIGS, dirichlet_bayes_predict, dirichlet_split, dirichlet_task
from wide_deep_ntk.estimators import (
    DeepKernel,
    DeepKernelRegressor,
    HilbertKernelClassifier,
    InfiniteDepthKernelClassifier,
    solve_kernel_system,
)
from wide_deep_ntk.finite import NTKMLP, empirical_ntk, mlp_empirical_ntk
from wide_deep_ntk.kernels import (
    gram,
    kernel_path,
    limit_kernel,
    log_nngp,
    nngp,
    nngp_and_ntk,
    ntk,
    ntk_diagonal,
    to_sphere,
)

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "NTKMLP",
    "PAPER_CONFIGS",
    "DeepKernel",
    "DeepKernelRegressor",
    "DualActivation",
    "HilbertKernelClassifier",
    "InfiniteDepthKernelClassifier",
    "__version__",
    "dirichlet_bayes_predict",
    "dirichlet_split",
    "dirichlet_task",
    "empirical_ntk",
    "from_function",
    "from_hermite",
    "get_activation",
    "gram",
    "kernel_path",
    "limit_kernel",
    "log_nngp",
    "mlp_empirical_ntk",
    "nngp",
    "nngp_and_ntk",
    "ntk",
    "ntk_diagonal",
    "optimal_for_dim",
    "solve_kernel_system",
    "to_sphere",
]
