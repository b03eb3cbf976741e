"""lssl: Linear State-Space Layers (Gu et al., NeurIPS 2021), one model seen as recurrence, convolution and ODE."""

from lssl.baselines import DeepS4D, GRUClassifier, S4DLayer
from lssl.discretize import discretize
from lssl.hippo import hippo, random_transition, tridiag_inverse_init, tridiag_inverse_transition
from lssl.krylov import causal_conv, krylov, krylov_sequential
from lssl.layer import LSSL, param_groups
from lssl.model import DeepLSSL, LSSLBlock, SequenceModel

__version__ = "0.1.0"

__all__ = [
    "LSSL",
    "DeepLSSL",
    "DeepS4D",
    "GRUClassifier",
    "LSSLBlock",
    "S4DLayer",
    "SequenceModel",
    "__version__",
    "causal_conv",
    "discretize",
    "hippo",
    "krylov",
    "krylov_sequential",
    "param_groups",
    "random_transition",
    "tridiag_inverse_init",
    "tridiag_inverse_transition",
]
