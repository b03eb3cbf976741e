"""pde-data: offline, deterministic, verified generators of the PDE and operator datasets of DeepONet and FNO."""

from pde_data.dataset import PDEDataset, cache_dir
from pde_data.diffusion_reaction import solve_diffusion_reaction
from pde_data.generators import DATASETS, PRESETS, generate, make_config, operator_samples
from pde_data.ode import OperatorSamples, antiderivative, nonlinear_ode, pendulum
from pde_data.random_fields import (
    RBFGRF,
    neumann_grf_2d,
    periodic_grf,
    periodic_grf_covariance,
    piecewise_constant,
    rbf_grf_1d,
)

__version__ = "0.1.0"

__all__ = [
    "DATASETS",
    "PRESETS",
    "RBFGRF",
    "OperatorSamples",
    "PDEDataset",
    "__version__",
    "antiderivative",
    "cache_dir",
    "generate",
    "make_config",
    "neumann_grf_2d",
    "nonlinear_ode",
    "operator_samples",
    "pendulum",
    "periodic_grf",
    "periodic_grf_covariance",
    "piecewise_constant",
    "rbf_grf_1d",
    "solve_diffusion_reaction",
]
