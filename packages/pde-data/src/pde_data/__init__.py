"""pde-data: offline, deterministic, verified generators of the PDE and operator datasets of DeepONet and FNO.

Attributes are imported lazily, so ``import pde_data.navier_stokes`` needs only numpy (and torch for its torch
backend); everything else needs scipy. The library depends on numpy, scipy, threadpoolctl and platformdirs only;
``pde_data.reproduce`` (``pde-data-reproduce``) needs the ``reproduce`` extra.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "DATASETS": "generators",
    "PRESETS": "generators",
    "generate": "generators",
    "make_config": "generators",
    "operator_samples": "generators",
    "PDEDataset": "dataset",
    "cache_dir": "cache",
    "OperatorSamples": "ode",
    "antiderivative": "ode",
    "nonlinear_ode": "ode",
    "pendulum": "ode",
    "solve_diffusion_reaction": "diffusion_reaction",
    "solve_burgers_1d": "burgers",
    "solve_darcy_2d": "darcy",
    "solve_navier_stokes_2d": "navier_stokes",
    "fno_forcing": "navier_stokes",
    "advect_periodic": "advection",
    "periodic_elliptic": "advection",
    "RBFGRF": "random_fields",
    "rbf_grf_1d": "random_fields",
    "periodic_grf": "random_fields",
    "periodic_grf_covariance": "random_fields",
    "neumann_grf_2d": "random_fields",
    "piecewise_constant": "random_fields",
}

__all__ = [
    "__version__",
    "DATASETS",
    "OperatorSamples",
    "PDEDataset",
    "PRESETS",
    "RBFGRF",
    "advect_periodic",
    "antiderivative",
    "cache_dir",
    "fno_forcing",
    "generate",
    "make_config",
    "neumann_grf_2d",
    "nonlinear_ode",
    "operator_samples",
    "pendulum",
    "periodic_elliptic",
    "periodic_grf",
    "periodic_grf_covariance",
    "piecewise_constant",
    "rbf_grf_1d",
    "solve_burgers_1d",
    "solve_darcy_2d",
    "solve_diffusion_reaction",
    "solve_navier_stokes_2d",
]

if TYPE_CHECKING:
    from pde_data.advection import advect_periodic, periodic_elliptic
    from pde_data.burgers import solve_burgers_1d
    from pde_data.cache import cache_dir
    from pde_data.darcy import solve_darcy_2d
    from pde_data.dataset import PDEDataset
    from pde_data.diffusion_reaction import solve_diffusion_reaction
    from pde_data.generators import DATASETS, PRESETS, generate, make_config, operator_samples
    from pde_data.navier_stokes import fno_forcing, solve_navier_stokes_2d
    from pde_data.ode import OperatorSamples, antiderivative, nonlinear_ode, pendulum
    from pde_data.random_fields import (
        RBFGRF,
        neumann_grf_2d,
        periodic_grf,
        periodic_grf_covariance,
        piecewise_constant,
        rbf_grf_1d,
    )


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"pde_data.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pde_data' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
