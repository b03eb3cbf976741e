"""gradboost-nn: sequential training of one-hidden-layer networks by gradient boosting (GBNN).

Emami & Martinez-Munoz, "Sequential Training of Neural Networks with Gradient Boosting", arXiv:1909.12098
(IEEE Access 2023).
"""

from gradboost_nn._base_learner import ShallowNet, fit_shallow_net
from gradboost_nn._estimators import GBNNClassifier, GBNNRegressor
from gradboost_nn._losses import BinomialDeviance, MultinomialDeviance, SquaredError

__version__ = "0.1.0"

__all__ = [
    "BinomialDeviance",
    "GBNNClassifier",
    "GBNNRegressor",
    "MultinomialDeviance",
    "ShallowNet",
    "SquaredError",
    "__version__",
    "fit_shallow_net",
]
