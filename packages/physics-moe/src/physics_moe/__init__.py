"""physics-moe: physics-informed hard constraints scaled with a mixture of experts (Chalapathi et al., ICLR 2024).

A network outputs ``N`` basis functions on a space-time grid; :class:`HardConstraint` (PI-HC) finds coefficients
that make ``u = b w`` satisfy the PDE and its initial/boundary conditions by a float64 Levenberg-Marquardt solve,
differentiated by the implicit function theorem; :class:`MoEHardConstraint` (PI-HC-MoE) splits the grid among
experts that each solve their own constraint. The library imports torch only; the reproduction
(``physics_moe.reproduce``) needs the ``reproduce`` extra.
"""

from physics_moe.data import fisher_kpp_dataset, fisher_kpp_exact, heat_exact, heat_modes
from physics_moe.fd import fd_first, fd_second
from physics_moe.implicit import ImplicitLSQ, SolveSpec, solve_lsq, stacked_residual
from physics_moe.layers import ConstraintOutput, HardConstraint, MoEHardConstraint, SoftConstraint
from physics_moe.lm import LMInfo, levenberg_marquardt
from physics_moe.losses import physics_loss, relative_l2
from physics_moe.models import FNO2d, operator_input
from physics_moe.partition import expert_index_map, partition, unpartition
from physics_moe.pdes import PDE1D, DiffusionSorption1D, FisherKPP1D, Heat1D, fd_residual, get_pde

__version__ = "0.1.0"

__all__ = [
    "PDE1D",
    "ConstraintOutput",
    "DiffusionSorption1D",
    "FNO2d",
    "FisherKPP1D",
    "HardConstraint",
    "Heat1D",
    "ImplicitLSQ",
    "LMInfo",
    "MoEHardConstraint",
    "SoftConstraint",
    "SolveSpec",
    "__version__",
    "expert_index_map",
    "fd_first",
    "fd_residual",
    "fd_second",
    "fisher_kpp_dataset",
    "fisher_kpp_exact",
    "get_pde",
    "heat_exact",
    "heat_modes",
    "levenberg_marquardt",
    "operator_input",
    "partition",
    "physics_loss",
    "relative_l2",
    "solve_lsq",
    "stacked_residual",
    "unpartition",
]
