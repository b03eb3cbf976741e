"""deeponet: DeepONet (Lu et al., 2021) — learning nonlinear operators with branch and trunk networks."""

from deeponet.nets import MLP, DeepONet, StackedMLP
from deeponet.train import FNN, History, fit, mse, mse_without_outliers, rel_l2

__version__ = "0.1.0"

__all__ = [
    "FNN",
    "MLP",
    "DeepONet",
    "History",
    "StackedMLP",
    "__version__",
    "fit",
    "mse",
    "mse_without_outliers",
    "rel_l2",
]
