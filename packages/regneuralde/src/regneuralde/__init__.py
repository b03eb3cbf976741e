"""regneuralde: neural ODEs regularised by their adaptive solver's error and stiffness estimates (Pal et al., 2021)."""

from regneuralde.nn import NeuralODE, TimeConcatMLP
from regneuralde.regularizers import (
    ExponentialLambda,
    combined_regularizer,
    error_regularizer,
    stiffness_regularizer,
)
from regneuralde.sde import BrownianPath, NeuralSDE, SDEStats, solve_sde
from regneuralde.solver import SolverStats, solve_ivp
from regneuralde.tableaus import DOPRI5, TSIT5, ButcherTableau

__version__ = "0.1.0"

__all__ = [
    "DOPRI5",
    "TSIT5",
    "BrownianPath",
    "ButcherTableau",
    "ExponentialLambda",
    "NeuralODE",
    "NeuralSDE",
    "SDEStats",
    "SolverStats",
    "TimeConcatMLP",
    "__version__",
    "combined_regularizer",
    "error_regularizer",
    "solve_ivp",
    "solve_sde",
    "stiffness_regularizer",
]
