"""Finite-width networks in the NTK parametrisation and their empirical NTK, to check the analytic kernels.

``f(x) = v^T phi(W_L ... phi(W_1 x) / sqrt(m)) / sqrt(m)`` with all weights N(0, 1), no bias, width ``m``, on
unit-norm ``x`` (the first layer does not divide by sqrt(d), so its pre-activations have variance ``||x||^2 =
1``, matching ``xi_0 = <x, x'>`` in :mod:`wide_deep_ntk.kernels`). As ``m -> infinity`` the empirical NTK
``<grad_theta f(x), grad_theta f(x')>`` converges to ``Theta_L`` (Jacot et al.), with error ~ 1/sqrt(m).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from wide_deep_ntk.activations import DualActivation, get_activation

__all__ = ["NTKMLP", "empirical_ntk", "mlp_empirical_ntk"]


def _check_input(x: Any, weight: torch.Tensor, name: str) -> None:
    """``x`` against a first-layer weight ``(width, d_in)``: a tensor ``(n, d_in)`` of its dtype and device."""
    d_in = weight.shape[1]
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor (n, d_in={d_in}), got {type(x).__name__}")
    if x.dim() != 2 or x.shape[1] != d_in:
        raise ValueError(f"{name} must have shape (n, d_in={d_in}), got {tuple(x.shape)}")
    if x.dtype != weight.dtype:
        raise TypeError(
            f"{name} has dtype {x.dtype} but the network's dtype is {weight.dtype}: the dtypes must match; "
            f"use {name}.to({weight.dtype})"
        )
    if x.device != weight.device:
        raise ValueError(
            f"{name} is on device {x.device} but the network is on device {weight.device}: "
            f"move it with {name}.to({str(weight.device)!r})"
        )


class NTKMLP(nn.Module):
    """A bias-free MLP with ``depth`` hidden layers of width ``width`` in the NTK parametrisation.

    Args:
        d_in: input dimension.
        width: hidden width ``m``.
        depth: hidden layers ``L >= 1``.
        activation: a registered activation or a :class:`DualActivation` with ``phi``.
        generator: optional torch generator for the N(0, 1) weights.
    """

    def __init__(
        self,
        d_in: int,
        width: int = 1024,
        depth: int = 1,
        *,
        activation: str | DualActivation = "relu",
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        for name, v in (("d_in", d_in), ("width", width), ("depth", depth)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {v!r}")
        act = get_activation(activation)
        if act.phi is None:
            raise ValueError(f"activation {act.name!r} has no phi (the function itself) to build a network")
        self.act = act
        self.width, self.depth, self.d_in = width, depth, d_in
        dims = [d_in] + [width] * depth
        self.weights = nn.ParameterList(
            [nn.Parameter(torch.randn(dims[i + 1], dims[i], generator=generator)) for i in range(depth)]
        )
        self.readout = nn.Parameter(torch.randn(1, width, generator=generator))

    def layers(self, x: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Inputs to each weight matrix (scaled) and the pre-activations, for the per-layer NTK."""
        assert self.act.phi is not None
        _check_input(x, self.weights[0], "x")
        inputs, pre = [], []
        h = x
        for i, W in enumerate(self.weights):
            inp = h if i == 0 else h / math.sqrt(self.width)
            inputs.append(inp)
            z = inp @ W.T
            pre.append(z)
            h = self.act.phi(z)
        inputs.append(h / math.sqrt(self.width))
        return inputs, pre

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.layers(x)[0][-1] @ self.readout.T)[:, 0]

    def extra_repr(self) -> str:
        return f"width={self.width}, depth={self.depth}, activation={self.act.name!r}"


def empirical_ntk(model: nn.Module, X1: torch.Tensor, X2: torch.Tensor | None = None) -> torch.Tensor:
    """``<grad f(x), grad f(x')>`` over all parameters of a scalar-output ``model`` (torch.func jacrev + vmap).

    Args:
        model: maps ``(b, d)`` to ``(b,)``.
        X1: ``(n, d)`` inputs.
        X2: ``(m, d)`` inputs or None for ``X1``.

    Returns:
        The ``(n, m)`` empirical NTK (memory ~ (n + m) x number of parameters).
    """
    from torch.func import functional_call, jacrev, vmap

    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module with a scalar output, got {type(model).__name__}")
    for name, X in (("X1", X1), ("X2", X2)):
        if X is not None and (not isinstance(X, torch.Tensor) or X.dim() != 2):
            raise TypeError(f"{name} must be a torch.Tensor (n, d), got {type(X).__name__}")
    with torch.no_grad():
        probe = model(X1[:1])
    if not isinstance(probe, torch.Tensor) or probe.shape != (min(1, X1.shape[0]),):
        shape = tuple(probe.shape) if isinstance(probe, torch.Tensor) else type(probe).__name__
        raise ValueError(f"model must map (b, d) to a scalar output per row (b,), got {shape} for b=1")
    params = {k: v.detach() for k, v in model.named_parameters()}

    def f(p: dict[str, Any], x: torch.Tensor) -> torch.Tensor:
        return functional_call(model, p, (x[None],))[0]

    def jac(X: torch.Tensor) -> torch.Tensor:
        J = vmap(jacrev(f), (None, 0))(params, X)
        return torch.cat([j.reshape(X.shape[0], -1) for j in J.values()], dim=1)

    J1 = jac(X1)
    J2 = J1 if X2 is None else jac(X2)
    return J1 @ J2.T


def mlp_empirical_ntk(model: NTKMLP, X1: torch.Tensor, X2: torch.Tensor | None = None) -> torch.Tensor:
    """The same empirical NTK for :class:`NTKMLP`, by layers: ``sum_l <g_l(x), g_l(x')> <a_l(x), a_l(x')>``
    (``g_l`` the gradient of ``f`` with respect to the layer's output, ``a_l`` its scaled input); exact and
    without the per-parameter Jacobian.

    Args:
        model: the network.
        X1: ``(n, d)`` inputs.
        X2: ``(m, d)`` inputs or None for ``X1``.

    Returns:
        The ``(n, m)`` empirical NTK.
    """

    if not isinstance(model, NTKMLP):
        raise TypeError(
            f"model must be an NTKMLP (use empirical_ntk for other models), got {type(model).__name__}"
        )
    _check_input(X1, model.weights[0], "X1")
    if X2 is not None:
        _check_input(X2, model.weights[0], "X2")

    def parts(X: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        inputs, pre = model.layers(X)
        out = (inputs[-1] @ model.readout.T)[:, 0]
        grads = torch.autograd.grad(out.sum(), pre)
        return [a.detach() for a in inputs], [g.detach() for g in grads]

    with torch.enable_grad():
        a1, g1 = parts(X1)
        a2, g2 = (a1, g1) if X2 is None else parts(X2)
    K = a1[-1] @ a2[-1].T  # readout weights
    for i in range(model.depth):
        K = K + (g1[i] @ g2[i].T) * (a1[i] @ a2[i].T)
    return K
