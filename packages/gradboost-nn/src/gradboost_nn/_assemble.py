"""Assembly of a fitted GBNN into one ordinary torch network (paper, Sec. 3)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = ["assemble_torch"]

_ACT_MODULES = {"logistic": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "identity": nn.Identity}


def assemble_torch(est: Any, k: int) -> nn.Sequential:
    """``Sequential(Linear(d, k*J), act, Linear(k*J, out))`` holding the first ``k`` rounds of ``est``.

    Hidden layer: the rounds' (W_t, b_t) side by side. Output layer: weights eta*rho_t*V_t, bias
    F_0 + sum_{t<=k} eta*rho_t*c_t; both times 2 for the binomial deviance, so the output is a logit.
    """
    J = est.units_per_step
    W = np.ascontiguousarray(est.coefs_[0][:, : k * J], dtype=np.float64)
    b = np.asarray(est.intercepts_[0][: k * J], dtype=np.float64)
    V = np.ascontiguousarray(est.coefs_[1][: k * J], dtype=np.float64)
    c = est.init_.astype(np.float64) * est.loss_.output_scale + est.step_intercepts_[:k].sum(axis=0)
    hidden = nn.Linear(W.shape[0], k * J, dtype=torch.float64)
    output = nn.Linear(k * J, V.shape[1], dtype=torch.float64)
    with torch.no_grad():
        hidden.weight.copy_(torch.from_numpy(W.T.copy()))
        hidden.bias.copy_(torch.from_numpy(b.copy()))
        output.weight.copy_(torch.from_numpy(V.T.copy()))
        output.bias.copy_(torch.from_numpy(np.asarray(c, dtype=np.float64)))
    return nn.Sequential(hidden, _ACT_MODULES[est.activation](), output)
