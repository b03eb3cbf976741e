"""The built-in dataset families, one module each: its config dataclass (the papers' settings as defaults), the
function that computes an aligned block of samples, its coordinates, and its named settings (presets).

Importing this package registers them in :data:`pde_data.registry.DATASETS` and
:data:`~pde_data.registry.PRESETS`.
"""

from __future__ import annotations

from pde_data.families import burgers, darcy, diffusion_reaction, navier_stokes, ode, periodic
from pde_data.families.burgers import BurgersConfig
from pde_data.families.darcy import DarcyConfig
from pde_data.families.diffusion_reaction import DiffusionReactionConfig
from pde_data.families.navier_stokes import NavierStokesConfig
from pde_data.families.ode import ODEConfig
from pde_data.families.periodic import AdvectionConfig, EllipticConfig

__all__ = [
    "AdvectionConfig",
    "BurgersConfig",
    "DarcyConfig",
    "DiffusionReactionConfig",
    "EllipticConfig",
    "NavierStokesConfig",
    "ODEConfig",
    "burgers",
    "darcy",
    "diffusion_reaction",
    "navier_stokes",
    "ode",
    "periodic",
]
